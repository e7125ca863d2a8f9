#!/usr/bin/env python3
"""`make fuzz`: mutates FractalAD's input files and runs the release CLI on them (issue 7, item 23).

Inputs and the commands that read them:
  png, jpeg      `predict --model M --out DIR IMAGE`
  systems JSON   `generate --systems FILE --out DIR`
  model file     `predict --model FILE --out DIR IMAGE` (a PatchCore model: safetensors + JSON metadata)
  backbone       `fit --backbone FILE --train DIR --out MODEL` (a resnet18 safetensors checkpoint)
  checkpoint     `train --out RUN --resume` (a training checkpoint: safetensors + JSON metadata)

Mutations: bit flips, truncation, splices with another seed, random garbage, and numeric field edits (any number in
a JSON file, a safetensors header or the JSON strings of its metadata; PNG IHDR and JPEG SOF dimensions, with the
PNG CRC recomputed). The seeds are made with the CLI itself at the start (plus the JPEG test fixtures), and each must
pass unmutated, so a broken harness cannot report a clean run.

A run fails the fuzz tier when the CLI dies from a signal or exits with a status other than 0, 1 or 2, runs past
the per-run limit, exits 0 on input that is certainly broken (the format's structure is violated: a truncated PNG
image stream, a JPEG without a scan, JSON that does not parse, a safetensors file whose header or offsets are
impossible), or leaves a temporary file in its output folder or in its own $TMPDIR, or a model file after failing.
Each failure's input, the seeds its command names, a repro.sh and the output are saved under
FUZZ_OUT/failures/ (the previous run's move to failures.previous).

Environment: FUZZ_SECONDS (default 600), FUZZ_SEED (default 1), FUZZ_RUN_TIMEOUT seconds per run (default 45),
FUZZ_DEVICE (default cpu), FUZZ_BINARY (default .build/release/fractalad), FUZZ_OUT (default .build/fuzz).
Exit status: 0 no failure, 1 failures found, 3 the harness could not start (missing binary, a seed that fails).
"""

import json
import os
import random
import resource
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 8 << 30  # address space per run: an absurd allocation must fail, not take the shared machine down
EDGE_NUMBERS = [0, -1, -5, 1, 3, 255, 65535, 2**31 - 1, 2**31, 2**32, 2**40, 2**53, 2**63 - 1, -(2**63), 2**64,
                1e10, 1e300, -1e300, 1e-300, 0.5, -0.5, 1000000]
SAFETENSORS_DTYPES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
                      "BOOL": 1, "U16": 2, "U32": 4, "U64": 8}


# MARK: - Format structure: what a mutant must break for the CLI to be required to refuse it

def png_chunks(data):
    """(type, start, end) of each chunk, start at its length field, end after its CRC; stops at a broken length."""
    chunks, offset = [], 8
    while offset + 12 <= len(data):
        length = struct.unpack(">I", data[offset:offset + 4])[0]
        end = offset + 12 + length
        if end > len(data):
            break
        chunks.append((data[offset + 4:offset + 8], offset, end))
        offset = end
    return chunks


def png_critical_span(data):
    """End of the last IDAT chunk of a well-formed PNG: every byte before it is needed to decode the image."""
    idat = [end for kind, _, end in png_chunks(data) if kind == b"IDAT"]
    return idat[-1] if idat else 8


def png_flip_breaks(data, positions):
    """Flips in the signature or inside IHDR, PLTE or IDAT (length, type, data or CRC) make the PNG undecodable."""
    critical = [(start, end) for kind, start, end in png_chunks(data) if kind in (b"IHDR", b"PLTE", b"IDAT")]
    return any(p < 8 or any(start <= p < end for start, end in critical) for p in positions)


def jpeg_first_scan_end(data):
    """Offset just past the first SOS header: a file cut before it has no image data at all."""
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            return len(data)
        marker = data[offset + 1]
        if marker == 0xFF:
            offset += 1
            continue
        length = struct.unpack(">H", data[offset + 2:offset + 4])[0]
        if marker == 0xDA:
            return offset + 2 + length
        offset += 2 + length
    return len(data)


def json_invalid(data):
    try:
        json.loads(data.decode("utf-8"))
        return False
    except (UnicodeDecodeError, ValueError, RecursionError):
        return True


def safetensors_problem(data, metadata_json_keys=()):
    """Why `data` cannot be a valid safetensors file (None when it can): header length, header JSON, dtypes,
    shapes and offsets; `metadata_json_keys` are metadata strings that must themselves be JSON."""
    if len(data) < 8:
        return "shorter than the 8-byte header length"
    length = struct.unpack("<Q", data[:8])[0]
    if length > len(data) - 8:
        return "header length beyond the end of the file"
    try:
        header = json.loads(data[8:8 + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "header is not JSON"
    if not isinstance(header, dict):
        return "header is not an object"
    available = len(data) - 8 - length
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                return "metadata is not a string map"
            for key in metadata_json_keys:
                if key in entry and json_invalid(entry[key].encode("utf-8", "surrogatepass")):
                    return f"metadata {key} is not JSON"
            continue
        if not isinstance(entry, dict):
            return f"tensor {name} is not an object"
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in SAFETENSORS_DTYPES:
            return f"tensor {name} has an unknown dtype"
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            return f"tensor {name} has a bad shape"
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)):
            return f"tensor {name} has bad offsets"
        begin, end = offsets
        count = 1
        for d in shape:
            count *= d
        if not 0 <= begin <= end <= available or end - begin != count * SAFETENSORS_DTYPES[dtype]:
            return f"tensor {name} offsets do not fit its shape or the file"
    return None


# MARK: - Mutations: each returns (bytes, description, must_fail)

class Mutator:
    def __init__(self, rng, kind):
        self.rng, self.kind = rng, kind

    def broken(self, data):
        """Whether a whole-file result is certainly invalid for this kind (used by splices and garbage)."""
        if self.kind == "json":
            return json_invalid(data)
        if self.kind in ("safetensors", "model", "checkpoint"):
            return safetensors_problem(data, self.metadata_keys()) is not None
        if self.kind == "png":
            return data[:8] != b"\x89PNG\r\n\x1a\n"
        return data[:2] != b"\xff\xd8"

    def metadata_keys(self):
        return {"model": ("settings", "backbone", "statistics")}.get(self.kind, ())

    def bit_flips(self, data):
        if not data:
            return data, "bit flips of an empty file", True
        count = self.rng.choice([1, 1, 2, 4, 8, 32])
        positions = [self.rng.randrange(len(data)) for _ in range(count)]
        out = bytearray(data)
        for p in positions:
            out[p] ^= 1 << self.rng.randrange(8)
        out = bytes(out)
        if self.kind == "png":
            must = png_flip_breaks(data, positions)
        elif self.kind == "jpeg":
            must = any(p < 2 for p in positions)
        else:
            must = self.broken(out)
        return out, f"{count} bit flips at {sorted(positions)[:8]}", must

    def truncation(self, data):
        cut = self.rng.randrange(len(data)) if data else 0
        if self.kind == "png":
            must = cut < png_critical_span(data)
        elif self.kind == "jpeg":
            must = cut < jpeg_first_scan_end(data)
        else:
            must = self.broken(data[:cut])
        return data[:cut], f"truncated to {cut} of {len(data)} bytes", must

    def splice(self, data, other):
        a = self.rng.randrange(len(data) + 1)
        b = self.rng.randrange(len(other) + 1)
        out = data[:a] + other[b:]
        must = self.broken(out) if self.kind not in ("png", "jpeg") else False
        return out, f"first {a} bytes + another seed from byte {b}", must

    def garbage(self, _data):
        length = self.rng.choice([0, 1, 7, 8, 64, 4096])
        out = bytes(self.rng.randrange(256) for _ in range(length))
        return out, f"{length} random bytes", self.broken(out)

    def numeric_edit(self, data):
        value = self.rng.choice(EDGE_NUMBERS + ["text", None, True, [], {}])
        if self.kind == "png":
            return self.png_dimensions(data)
        if self.kind == "jpeg":
            return self.jpeg_dimensions(data)
        if self.kind == "json":
            document = json.loads(data)
            path = self.edit_random_number(document, value)
            out = json.dumps(document).encode()
            return out, f"number at {path} set to {value!r}", False
        length = struct.unpack("<Q", data[:8])[0]
        header = json.loads(data[8:8 + length])
        # Numbers live in tensor entries and inside the metadata's JSON strings; pick one place at random.
        metadata = header.get("__metadata__", {})
        nested = [k for k, v in metadata.items() if v[:1] in ("{", "[") or v.lstrip("-").isdigit()]
        if nested and self.rng.random() < 0.6:
            key = self.rng.choice(nested)
            inner = json.loads(metadata[key])
            if isinstance(inner, (int, float)):
                path, inner = "", value
            else:
                path = self.edit_random_number(inner, value)
            metadata[key] = json.dumps(inner)
            where = f"metadata {key}{path}"
        else:
            where = self.edit_random_number({k: v for k, v in header.items() if k != "__metadata__"}, value)
        encoded = json.dumps(header).encode()
        out = struct.pack("<Q", len(encoded)) + encoded + data[8 + length:]
        return out, f"number at {where} set to {value!r}", self.broken(out)

    def edit_random_number(self, document, value):
        """Replaces one number (not a bool) found anywhere in `document` by `value`; returns its path."""
        places = []

        def walk(node, path):
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
            for key, child in items:
                if isinstance(child, (int, float)) and not isinstance(child, bool):
                    places.append((node, key, f"{path}[{key!r}]"))
                walk(child, f"{path}[{key!r}]")

        walk(document, "")
        if not places:
            return "(no number)"
        node, key, path = self.rng.choice(places)
        node[key] = value
        return path

    def png_dimensions(self, data):
        chunks = png_chunks(data)
        if not chunks or chunks[0][0] != b"IHDR":
            return data, "no IHDR to edit", False
        start = chunks[0][1]
        width, height = struct.unpack(">II", data[start + 8:start + 16])
        field = self.rng.choice(["width", "height"])
        value = self.rng.choice([0, 1, 2, 65535, 1 << 20, 2**31 - 1, 2**31, 2**32 - 1])
        width, height = (value, height) if field == "width" else (width, value)
        body = b"IHDR" + struct.pack(">II", width, height) + data[start + 16:start + 21]
        out = data[:start + 4] + body + struct.pack(">I", zlib.crc32(body)) + data[start + 25:]
        return out, f"IHDR {field} set to {value} (CRC recomputed)", width == 0 or height == 0 or value >= 2**31

    def jpeg_dimensions(self, data):
        offset = 2
        while offset + 9 <= len(data) and data[offset] == 0xFF:
            marker = data[offset + 1]
            if marker in (0xC0, 0xC1, 0xC2):
                field = self.rng.choice(["height", "width"])
                value = self.rng.choice([0, 1, 2, 4096, 16384, 65535])
                at = offset + 5 + (0 if field == "height" else 2)
                out = data[:at] + struct.pack(">H", value) + data[at + 2:]
                return out, f"SOF {field} set to {value}", field == "width" and value == 0
            offset += 2 + struct.unpack(">H", data[offset + 2:offset + 4])[0]
        return data, "no SOF to edit", False

    def mutate(self, data, others):
        choice = self.rng.choice(["flip", "flip", "truncate", "splice", "garbage", "numeric", "numeric", "stack"])
        if choice == "stack":  # two mutations in a row: required-failure verdicts don't compose, so none is required
            first, d1, _ = self.mutate_once(data, others, self.rng.choice(["flip", "numeric", "splice"]))
            second, d2, _ = self.mutate_once(first, others, self.rng.choice(["flip", "truncate", "numeric"]))
            return second, f"{d1}, then {d2}", False
        return self.mutate_once(data, others, choice)

    def mutate_once(self, data, others, choice):
        if choice == "flip":
            return self.bit_flips(data)
        if choice == "truncate":
            return self.truncation(data)
        if choice == "splice":
            return self.splice(data, self.rng.choice(others))
        if choice == "garbage":
            return self.garbage(data)
        try:
            return self.numeric_edit(data)
        except (ValueError, KeyError, TypeError, AttributeError, struct.error):
            return self.bit_flips(data)  # a seed mutated earlier in a stack may no longer parse


# MARK: - Targets: seeds, the command that reads a mutant, and what must hold afterwards

class Target:
    def __init__(self, name, kind, seeds, command, outputs=()):
        self.name, self.kind, self.seeds, self.command, self.outputs = name, kind, seeds, command, outputs


class Harness:
    def __init__(self):
        env = os.environ
        self.seconds = float(env.get("FUZZ_SECONDS", "600"))
        self.seed = int(env.get("FUZZ_SEED", "1"))
        self.run_timeout = float(env.get("FUZZ_RUN_TIMEOUT", "45"))
        self.device = env.get("FUZZ_DEVICE", "cpu")
        self.binary = Path(env.get("FUZZ_BINARY", ROOT / ".build/release/fractalad")).resolve()
        self.work = Path(env.get("FUZZ_OUT", ROOT / ".build/fuzz")).resolve()
        self.failures, self.signatures, self.counts = [], {}, {}

    def cli(self, args, tmp, cwd, timeout):
        """Runs the CLI with a private $TMPDIR and bounded memory; returns (status, stderr, seconds, timed out)."""
        env = dict(os.environ, TMPDIR=str(tmp), FRACTALAD_DEVICE=self.device)
        env.setdefault("POCL_CACHE_DIR", str(ROOT / ".build/pocl-cache"))

        def limits():
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        started = time.monotonic()
        try:
            done = subprocess.run([str(self.binary)] + args, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout,
                                  preexec_fn=limits)
            return done.returncode, done.stderr.decode("utf-8", "replace"), time.monotonic() - started, False
        except subprocess.TimeoutExpired as expired:
            text = (expired.stderr or b"").decode("utf-8", "replace")
            return None, text, time.monotonic() - started, True

    def setup(self, log):
        """Makes the seed corpus with the CLI: images, a systems file, a trained resnet18 run, a PatchCore model."""
        seeds = self.work / "seeds"
        seeds.mkdir(parents=True)
        tmp = self.work / "tmp-setup"
        tmp.mkdir()
        steps = [
            ["synthetic", "--out", "synthetic", "--size", "64", "--train", "3", "--test-good", "1",
             "--test-per-defect", "1", "--categories", "tiles", "--seed", "1"],
            ["ifs", "--num-systems", "4", "--out", "systems.json", "--seed", "1"],
            ["train", "--systems", "systems.json", "--out", "run", "--epochs", "1", "--batch", "4", "--size", "32",
             "--points", "2000", "--warmup-epochs", "0", "--eval-every", "1", "--checkpoint-every", "1"],
            ["fit", "--train", "synthetic/tiles/train", "--out", "model.safetensors", "--arch", "resnet18",
             "--image-size", "32", "--crop", "32"],
        ]
        for args in steps:
            status, stderr, seconds, _ = self.cli(args, tmp, seeds, 600)
            log(f"seed: fractalad {' '.join(args)}: exit {status} in {seconds:.1f} s")
            if status != 0:
                raise SystemExit(f"fuzz: making the seeds failed: fractalad {' '.join(args)}\n{stderr}")
        pngs = sorted((seeds / "synthetic").rglob("*.png"))[:4]
        jpegs = sorted((ROOT / "Tests/ImagingTests/Fixtures/jpeg").glob("*.jpg"))
        if not pngs or not jpegs:
            raise SystemExit("fuzz: no PNG or JPEG seeds")
        shutil.rmtree(tmp)
        model, systems, run = seeds / "model.safetensors", seeds / "systems.json", seeds / "run"
        train_images = seeds / "synthetic/tiles/train"
        image = pngs[0]
        return [
            Target("png", "png", pngs, lambda f, out: ["predict", "--model", str(model), "--out", str(out), str(f)]),
            Target("jpeg", "jpeg", jpegs, lambda f, out: ["predict", "--model", str(model), "--out", str(out), str(f)]),
            Target("systems", "json", [systems], lambda f, out: [
                "generate", "--systems", str(f), "--out", str(out), "--classes", "4", "--size", "32", "--points",
                "2000"]),
            Target("model", "model", [model],
                   lambda f, out: ["predict", "--model", str(f), "--out", str(out), str(image)]),
            Target("backbone", "safetensors", [run / "model.safetensors"], lambda f, out: [
                "fit", "--backbone", str(f), "--train", str(train_images), "--out", str(out / "model.safetensors"),
                "--image-size", "32", "--crop", "32"], outputs=["model.safetensors"]),
            Target("checkpoint", "checkpoint", [run / "checkpoint.safetensors"], self.resume_command(run),
                   outputs=["model.safetensors"]),
        ]

    def resume_command(self, run):
        """`train --resume` on a copy of the seed run whose checkpoint is the mutant (one more epoch to train)."""
        def command(mutant, out):
            for entry in run.iterdir():
                if entry.name not in ("checkpoint.safetensors", "model.safetensors") and entry.is_file():
                    shutil.copy(entry, out / entry.name)
            shutil.move(str(mutant), out / "checkpoint.safetensors")
            return ["train", "--out", str(out), "--resume", "--epochs", "2"]
        return command

    def leftovers(self, out, tmp, target, status):
        """Temporary files under the output folder or $TMPDIR, and outputs that a failed run must not leave."""
        found = [str(p.relative_to(out)) for p in out.rglob("*") if ".tmp" in p.name]
        found += [f"$TMPDIR/{p.relative_to(tmp)}" for p in tmp.rglob("*")]
        if status not in (0, None):
            found += [name for name in target.outputs if (out / name).exists()]
        return found

    def run_one(self, index, target, data, description, must_fail, timeout):
        """Runs `target` on `data`; returns the failure category or None."""
        case = self.work / "case"
        shutil.rmtree(case, ignore_errors=True)
        out, tmp = case / "out", case / "tmp"
        out.mkdir(parents=True)
        tmp.mkdir()
        suffix = target.seeds[0].suffix
        mutant = case / f"input{suffix}"
        mutant.write_bytes(data)
        args = target.command(mutant, out)
        status, stderr, seconds, timed_out = self.cli(args, tmp, case, timeout)
        if timed_out:
            category = f"timeout (> {timeout:.0f} s)"
        elif status < 0 or status >= 128:
            category = f"signal {-status}" if status < 0 else f"exit {status}"
        elif status not in (0, 1, 2):
            category = f"unexpected exit {status}"
        elif status == 0 and must_fail:
            category = "exit 0 on broken input"
        else:
            category = None
        stray = self.leftovers(out, tmp, target, status)
        if category is None and stray:
            category = "stray files"
        self.counts[target.name] = self.counts.get(target.name, 0) + 1
        if category:
            self.record(index, target, category, args, status, stderr, seconds, description, stray, case)
        return category

    def record(self, index, target, category, args, status, stderr, seconds, description, stray, case):
        lines = [line for line in stderr.splitlines() if line.strip()]
        message = next((line.strip() for marker in ("Swift runtime failure", "Fatal error", "*** Program crashed",
                                                    "fractalad ")
                        for line in lines if marker in line), lines[-1] if lines else "")
        message = message.split("Swift runtime failure: ")[-1]
        signature = (target.name, category, strip_details(message))
        seen = self.signatures.setdefault(signature, [])
        seen.append(index)
        self.failures.append((index, target.name, category, description, message))
        if len(seen) > 2:  # keep two reproducers of each distinct failure
            return
        folder = self.work / "failures" / f"{index:05d}-{target.name}-{category.split()[0]}"
        shutil.copytree(case, folder, symlinks=True)
        seeds = str(self.work / "seeds")
        for argument in args:  # the seeds a command names travel with it, so the reproducer stands alone
            if argument.startswith(seeds + "/"):
                source, copy = Path(argument), folder / "seeds" / Path(argument).relative_to(seeds)
                copy.parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if source.is_dir() else shutil.copy)(source, copy)
        relative = [a.replace(str(case), ".").replace(seeds, "./seeds") for a in args]
        (folder / "repro.sh").write_text(
            f"#!/usr/bin/env bash\n# {description}\n# (it writes into out/: run it on a copy to keep the original)\n"
            + "cd \"$(dirname \"$0\")\"\n" + f"\"{self.binary}\" " + " ".join(f"'{a}'" for a in relative) + "\n")
        (folder / "repro.sh").chmod(0o755)
        (folder / "report.txt").write_text(
            f"iteration {index}, target {target.name}, seed {self.seed}\nmutation: {description}\n"
            f"category: {category}\nexit status: {status}, {seconds:.1f} s\nstray files: {stray}\n"
            f"command: fractalad {' '.join(relative)}\n\nstderr:\n{stderr[-8000:]}\n")

    def main(self):
        if not self.binary.exists():
            print(f"fuzz: {self.binary} is missing (build it with `swift build -c release --product fractalad`)",
                  file=sys.stderr)
            return 3
        for part in ("seeds", "case", "tmp-setup", "failures.previous"):
            shutil.rmtree(self.work / part, ignore_errors=True)
        if (self.work / "failures").exists():  # the last run's reproducers stay until the run after this one
            (self.work / "failures").rename(self.work / "failures.previous")
        self.work.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        log = lambda text: print(f"[{time.monotonic() - started:6.0f} s] {text}", flush=True)
        log(f"fuzz: seed {self.seed}, {self.seconds:.0f} s, {self.run_timeout:.0f} s per run, device {self.device}, "
            f"{self.binary}")
        targets = self.setup(log)
        for target in targets:  # the unmutated seeds must pass, or every verdict below is meaningless
            for seed in target.seeds:
                category = self.run_one(0, target, seed.read_bytes(), "unmutated seed", False, 600)
                if category:
                    print(f"fuzz: the unmutated seed {seed} fails ({category}); see {self.work}/failures",
                          file=sys.stderr)
                    return 3
        self.counts.clear()
        log(f"seeds pass: {', '.join(f'{t.name} ×{len(t.seeds)}' for t in targets)}")
        rng = random.Random(self.seed)
        seed_bytes = {t.name: [s.read_bytes() for s in t.seeds] for t in targets}
        deadline, index = time.monotonic() + self.seconds, 0
        while time.monotonic() < deadline:
            index += 1
            target = rng.choice(targets)
            mutator = Mutator(rng, target.kind)
            others = [data for name, datas in seed_bytes.items() for data in datas]
            data, description, must_fail = mutator.mutate(rng.choice(seed_bytes[target.name]), others)
            category = self.run_one(index, target, data, description, must_fail, self.run_timeout)
            if category:
                log(f"#{index} {target.name}: {category}: {description}")
            elif index % 25 == 0:
                log(f"{index} runs, {len(self.failures)} failures")
        shutil.rmtree(self.work / "case", ignore_errors=True)
        return self.summary(index, time.monotonic() - started)

    def summary(self, runs, seconds):
        print(f"\nfuzz: {runs} runs in {seconds:.0f} s (seed {self.seed}): "
              + ", ".join(f"{name} {count}" for name, count in sorted(self.counts.items())))
        if not self.failures:
            print("fuzz: no crash, hang, accepted garbage or stray file")
            return 0
        print(f"fuzz: {len(self.failures)} failing runs, {len(self.signatures)} distinct; reproducers in "
              f"{self.work / 'failures'}")
        for (target, category, message), indices in sorted(self.signatures.items(), key=lambda kv: -len(kv[1])):
            print(f"- {target}: {category} ×{len(indices)} (first #{indices[0]}): {message[:200]}")
        return 1


def strip_details(message):
    """A failure message without paths and numbers, so repeats of one bug group together."""
    words = []
    for word in message.split():
        if "/" in word:
            word = "PATH"
        elif word.startswith("0x"):
            word = "ADDRESS"
        words.append("".join("#" if c.isdigit() else c for c in word))
    return " ".join(words)[:160]


if __name__ == "__main__":
    sys.exit(Harness().main())
