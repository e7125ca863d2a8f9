"""The GPU machine's PyTorch beside `fractalad-bench --quick` (run by `scripts/gpu-check.sh --remote`): conv 3×3
64→64 N32 56² forward (FP32 with TF32 off, NCHW and channels_last), top-k 784 × 16,384 × 1,024 (cdist + topk, and
the matmul expansion + topk), resnet18 training steps at 64² batch 128, timed with CUDA events. One JSON line each."""

import json
import statistics

import torch
import torchvision

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
device = torch.device("cuda")


def timed(body, repeats=10):
    for _ in range(3):
        body()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        body()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return statistics.median(times)


def report(workload, seconds, rate, unit):
    print(json.dumps({"workload": workload, "tool": f"torch {torch.__version__} {torch.cuda.get_device_name()}",
                      "median_s": seconds, "rate": rate, "unit": unit}), flush=True)


with torch.no_grad():
    x = torch.randn(32, 64, 56, 56, device=device)
    conv = torch.nn.Conv2d(64, 64, 3, padding=1, bias=False).to(device)
    flop = 2 * 32 * 64 * 56 * 56 * 64 * 9
    for layout in (torch.contiguous_format, torch.channels_last):
        xl, cl = x.to(memory_format=layout), conv.to(memory_format=layout)
        s = timed(lambda: cl(xl))
        report(f"conv.fwd.{'nchw' if layout is torch.contiguous_format else 'channels_last'}", s, flop / s / 1e9,
               "GFLOP/s")

    q = torch.rand(784, 1024, device=device) * 2 - 1
    bank = torch.rand(16384, 1024, device=device) * 2 - 1
    flop = 2 * 784 * 16384 * 1024
    s = timed(lambda: torch.cdist(q, bank).topk(1, largest=False))
    report("topk.784x16384x1024.k1.cdist", s, flop / s / 1e9, "GFLOP/s")
    norms = (bank * bank).sum(1)
    s = timed(lambda: (norms - 2 * q @ bank.T).topk(1, largest=False))
    report("topk.784x16384x1024.k1.matmul", s, flop / s / 1e9, "GFLOP/s")

model = torchvision.models.resnet18().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
images, labels = torch.randn(128, 3, 64, 64, device=device), torch.randint(0, 1000, (128,), device=device)


def step():
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(images), labels).backward()
    optimizer.step()


s = timed(step)
report("train.resnet18.64.b128", s, 128 / s, "images/s")
