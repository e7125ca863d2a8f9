#!/usr/bin/env python3
"""Makes the Imaging test fixtures (run from any folder; needs Pillow and numpy: `pip install pillow numpy`).

resize/*.png     PIL `Image.resize` results for each filter and several sizes of `source_rgb.png`,
                 `source_gray.png` and `mask.png`, plus a torchvision-style Resize(shorter side) + CenterCrop.
autoaugment/*.png PIL results of torchvision's AutoAugment operations (`_apply_op` on PIL images) on
                 `source_rgb.png` / `source_gray.png`, named `<image>_<operation>_<bin>[_neg].png`.
gaussian/*.f32   a float32 map and `scipy.ndimage.gaussian_filter` of it (little-endian float32, row-major).
jpeg/<name>.jpg  small JPEGs of each supported kind; jpeg/<name>.png  the pixels Pillow decodes from it (the
                 expected output of our decoder). Pillow makes gray, 4:4:4, 4:2:2, 4:2:0, progressive, restart-marker,
                 EXIF and Adobe-RGB files; Pillow cannot write 4:1:1 or 4:4:0, so `encode_baseline` below does
                 (a plain baseline encoder using the Huffman tables Pillow writes).
"""
import io
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def scene(width, height, seed=0):
    """A deterministic RGB test picture: gradients, hard-edged shapes and some noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255 * x / max(width - 1, 1)
    g = 255 * y / max(height - 1, 1)
    b = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 4.0)
    img = np.stack([r, g, b], axis=-1)
    img[height // 4: height // 2, width // 5: width // 2] = (250, 30, 40)
    img[(x - width * 0.7) ** 2 + (y - height * 0.6) ** 2 < (min(width, height) / 5) ** 2] = (20, 200, 60)
    img += rng.normal(0, 12, img.shape)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def segments(data):
    """(marker, payload) pairs of a JPEG up to SOS."""
    out, i = [], 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        out.append((marker, data[i + 4:i + 2 + length]))
        if marker == 0xDA:
            break
        i += 2 + length
    return out


def huffman_codes(payload):
    """{(class, slot): {symbol: (code, length)}} from a DHT payload."""
    tables, i = {}, 0
    while i < len(payload):
        key = (payload[i] >> 4, payload[i] & 15)
        counts = payload[i + 1:i + 17]
        symbols = payload[i + 17:i + 17 + sum(counts)]
        code, k, table = 0, 0, {}
        for length, count in enumerate(counts, start=1):
            for _ in range(count):
                table[symbols[k]] = (code, length)
                code, k = code + 1, k + 1
            code <<= 1
        tables[key] = table
        i += 17 + sum(counts)
    return tables


ZIGZAG = np.array([0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
                   13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
                   45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63])


def dct_matrix():
    k = np.arange(8)
    m = np.cos((2 * k[None, :] + 1) * k[:, None] * np.pi / 16) * 0.5
    m[0] /= np.sqrt(2)
    return m


def encode_baseline(rgb, sampling, quality=90, restart_interval=0):
    """Baseline JPEG with per-component sampling factors [(h, v)] * 3, tables borrowed from a Pillow JPEG."""
    reference = io.BytesIO()
    Image.fromarray(rgb).save(reference, "JPEG", quality=quality, subsampling=0)
    segs = segments(reference.getvalue())
    dqt = b"".join(p for m, p in segs if m == 0xDB)
    qtables, i = {}, 0
    while i < len(dqt):
        qtables[dqt[i] & 15] = np.zeros(64)
        qtables[dqt[i] & 15][ZIGZAG] = np.frombuffer(dqt[i + 1:i + 65], np.uint8)
        i += 65
    dht = b"".join(p for m, p in segs if m == 0xC4)
    codes = huffman_codes(dht)

    height, width = rgb.shape[:2]
    f = rgb.astype(np.float64)
    ycc = np.stack([0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2],
                    -0.168736 * f[..., 0] - 0.331264 * f[..., 1] + 0.5 * f[..., 2] + 128,
                    0.5 * f[..., 0] - 0.418688 * f[..., 1] - 0.081312 * f[..., 2] + 128], axis=-1)
    hmax, vmax = max(h for h, _ in sampling), max(v for _, v in sampling)
    mcux, mcuy = -(-width // (8 * hmax)), -(-height // (8 * vmax))
    planes = []
    for c, (h, v) in enumerate(sampling):
        fx, fy = hmax // h, vmax // v
        padded = np.pad(ycc[..., c], ((0, mcuy * 8 * vmax - height), (0, mcux * 8 * hmax - width)), mode="edge")
        planes.append(padded.reshape(padded.shape[0] // fy, fy, padded.shape[1] // fx, fx).mean(axis=(1, 3)))
    m = dct_matrix()
    bits = []

    def put(value, length):
        bits.extend((value >> (length - 1 - i)) & 1 for i in range(length))

    def magnitude(value):
        size = int(abs(value)).bit_length()
        return size, (value if value >= 0 else value + (1 << size) - 1)

    out = bytearray()

    def flush():
        bits.extend([1] * (-len(bits) % 8))
        for i in range(0, len(bits), 8):
            byte = int("".join(map(str, bits[i:i + 8])), 2)
            out.append(byte)
            if byte == 0xFF:
                out.append(0)
        bits.clear()

    predictors = [0, 0, 0]
    for mcu in range(mcux * mcuy):
        if restart_interval and mcu and mcu % restart_interval == 0:
            flush()
            out += bytes([0xFF, 0xD0 + (mcu // restart_interval - 1) % 8])
            predictors = [0, 0, 0]
        my, mx = divmod(mcu, mcux)
        for c, (h, v) in enumerate(sampling):
            table = 0 if c == 0 else 1
            for by in range(v):
                for bx in range(h):
                    y0, x0 = (my * v + by) * 8, (mx * h + bx) * 8
                    block = planes[c][y0:y0 + 8, x0:x0 + 8] - 128
                    coefficients = np.rint((m @ block @ m.T).flatten() / qtables[table]).astype(int)[ZIGZAG]
                    size, bits_ = magnitude(coefficients[0] - predictors[c])
                    predictors[c] = coefficients[0]
                    put(*codes[(0, table)][size])
                    if size:
                        put(bits_, size)
                    run = 0
                    for k in range(1, 64):
                        if coefficients[k] == 0:
                            run += 1
                            continue
                        while run > 15:
                            put(*codes[(1, table)][0xF0])
                            run -= 16
                        size, bits_ = magnitude(coefficients[k])
                        put(*codes[(1, table)][run << 4 | size])
                        put(bits_, size)
                        run = 0
                    if run:
                        put(*codes[(1, table)][0x00])
    flush()

    def segment(marker, payload):
        return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload

    sof = bytes([8]) + height.to_bytes(2, "big") + width.to_bytes(2, "big") + bytes([3])
    for c, (h, v) in enumerate(sampling):
        sof += bytes([c + 1, h << 4 | v, 0 if c == 0 else 1])
    sos = bytes([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0])
    header = b"\xff\xd8" + segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0") + segment(0xDB, dqt)
    header += segment(0xC0, sof) + segment(0xC4, dht)
    if restart_interval:
        header += segment(0xDD, restart_interval.to_bytes(2, "big"))
    return header + segment(0xDA, sos) + bytes(out) + b"\xff\xd9"


def save_jpeg_case(name, data):
    folder = os.path.join(HERE, "jpeg")
    with open(os.path.join(folder, name + ".jpg"), "wb") as f:
        f.write(data)
    decoded = Image.open(io.BytesIO(data))
    decoded.load()
    decoded.save(os.path.join(folder, name + ".png"))
    print(f"jpeg/{name}.jpg  {decoded.mode} {decoded.size}  {len(data)} bytes")


def pillow_jpeg(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def make_jpegs():
    rgb = Image.fromarray(scene(45, 37))
    gray = rgb.convert("L")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: our decoder (like Image.open) ignores it
    exif[0x010F] = "FractalAD test camera"
    cases = {
        "gray_baseline": pillow_jpeg(gray, quality=90),
        "gray_progressive": pillow_jpeg(gray, quality=90, progressive=True),
        "rgb444_baseline": pillow_jpeg(rgb, quality=90, subsampling=0),
        "rgb422_baseline": pillow_jpeg(rgb, quality=90, subsampling=1),
        "rgb420_baseline": pillow_jpeg(rgb, quality=90, subsampling=2),
        "rgb420_optimized": pillow_jpeg(rgb, quality=75, subsampling=2, optimize=True),
        "rgb444_progressive": pillow_jpeg(rgb, quality=90, subsampling=0, progressive=True),
        "rgb420_progressive": pillow_jpeg(rgb, quality=90, subsampling=2, progressive=True),
        "rgb422_progressive_restart": pillow_jpeg(rgb, quality=85, subsampling=1, progressive=True,
                                                  restart_marker_blocks=2),
        "rgb420_restart": pillow_jpeg(rgb, quality=90, subsampling=2, restart_marker_blocks=3),
        "rgb420_exif_comment": pillow_jpeg(rgb, quality=80, subsampling=2, exif=exif.tobytes(),
                                           comment="a COM segment"),
        "rgb_adobe": pillow_jpeg(rgb, quality=90, keep_rgb=True, subsampling=0),
        "rgb420_narrow": pillow_jpeg(Image.fromarray(scene(3, 21, seed=1)), quality=90, subsampling=2),
        "rgb420_small": pillow_jpeg(Image.fromarray(scene(7, 5, seed=2)), quality=90, subsampling=2),
        "rgb411_baseline": encode_baseline(np.asarray(rgb), [(4, 1), (1, 1), (1, 1)]),
        "rgb440_baseline": encode_baseline(np.asarray(rgb), [(1, 2), (1, 1), (1, 1)]),
        "rgb411_restart": encode_baseline(np.asarray(rgb), [(4, 1), (1, 1), (1, 1)], restart_interval=2),
    }
    for name, data in cases.items():
        save_jpeg_case(name, data)


FILTERS = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
           "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS}
RESIZE_SIZES = [(14, 11), (5, 4), (47, 40), (60, 9), (31, 12), (9, 27)]


def torchvision_resize_size(width, height, shorter):
    """torchvision `_compute_resized_output_size` for an int size."""
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = shorter, int(shorter * long / short)
    return (new_short, new_long) if width <= height else (new_long, new_short)


def torchvision_center_crop(image, width, height):
    """torchvision `center_crop` for crops no larger than the image."""
    top = int(round((image.height - height) / 2.0))
    left = int(round((image.width - width) / 2.0))
    return image.crop((left, top, left + width, top + height))


def make_resizes():
    folder = os.path.join(HERE, "resize")
    os.makedirs(folder, exist_ok=True)
    rgb = Image.fromarray(scene(31, 27, seed=3))
    gray = rgb.convert("L")
    y, x = np.mgrid[0:27, 0:31]
    mask = Image.fromarray((((x - 12) ** 2 + (y - 15) ** 2 < 40) | ((x > 20) & (y < 8))).astype(np.uint8) * 255)
    sources = {"rgb": rgb, "gray": gray, "mask": mask}
    for name, image in sources.items():
        image.save(os.path.join(folder, f"source_{name}.png"))
    count = 0
    for name, filters in [("rgb", FILTERS), ("gray", ["bilinear", "bicubic"]), ("mask", ["nearest"])]:
        for filter_name in filters:
            for width, height in RESIZE_SIZES:
                resized = sources[name].resize((width, height), FILTERS[filter_name])
                resized.save(os.path.join(folder, f"{name}_{filter_name}_{width}x{height}.png"))
                count += 1
    size = torchvision_resize_size(rgb.width, rgb.height, 20)
    torchvision_center_crop(rgb.resize(size, Image.Resampling.BILINEAR), 17, 17).save(
        os.path.join(folder, "rgb_resize20_crop17.png"))
    print(f"resize/: {count + 1} results, shorter-side size {size}")


def make_gaussian():
    from scipy import ndimage

    folder = os.path.join(HERE, "gaussian")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(5)
    field = rng.random((17, 23)).astype(np.float32)
    field[4:9, 10:16] += 3
    field.astype("<f4").tofile(os.path.join(folder, "input_17x23.f32"))
    for sigma in (4.0, 1.5):
        ndimage.gaussian_filter(field, sigma=sigma).astype("<f4").tofile(
            os.path.join(folder, f"sigma{sigma}_17x23.f32"))
    print("gaussian/: input and sigma 4.0, 1.5")


def torch_linspace(start, end, index, steps=10):
    """Element `index` of torch.linspace(start, end, steps) in float32."""
    start, end = np.float32(start), np.float32(end)
    step = np.float32((end - start) / np.float32(steps - 1))
    if index < steps // 2:
        return float(np.float32(start + np.float32(step * np.float32(index))))
    return float(np.float32(end - np.float32(step * np.float32(steps - index - 1))))


def autoaugment_magnitude(op, index, width, height):
    """torchvision AutoAugment `_augmentation_space(10, (width, height))[op][0][index]`."""
    if op in ("ShearX", "ShearY"):
        return torch_linspace(0.0, 0.3, index)
    if op == "TranslateX":
        return torch_linspace(0.0, 150.0 / 331.0 * width, index)
    if op == "TranslateY":
        return torch_linspace(0.0, 150.0 / 331.0 * height, index)
    if op == "Rotate":
        return torch_linspace(0.0, 30.0, index)
    if op in ("Brightness", "Color", "Contrast", "Sharpness"):
        return torch_linspace(0.0, 0.9, index)
    if op == "Posterize":
        return float(8 - int(np.round(np.float32(index) / np.float32(9 / 4))))
    if op == "Solarize":
        return 255.0 * torch_linspace(1.0, 0.0, index)
    return 0.0


def inverse_affine_matrix(center, angle, translate, scale, shear):
    """torchvision `_get_inverse_affine_matrix`."""
    import math

    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [x / scale for x in [d, -b, 0.0, -c, a, 0.0]]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
    matrix[2] += cx
    matrix[5] += cy
    return matrix


def apply_op(img, op, magnitude):
    """torchvision `_apply_op` for PIL images (interpolation NEAREST, fill 0)."""
    import math

    from PIL import ImageEnhance, ImageOps

    fill = {"fillcolor": (0,) * len(img.getbands()) if len(img.getbands()) > 1 else 0}

    def affine(angle, translate, shear, center):
        if center is None:
            center = [img.width * 0.5, img.height * 0.5]
        matrix = inverse_affine_matrix(center, angle, translate, 1.0, shear)
        return img.transform(img.size, Image.AFFINE, matrix, Image.NEAREST, **fill)

    if op == "ShearX":
        return affine(0.0, [0, 0], [math.degrees(math.atan(magnitude)), 0.0], [0, 0])
    if op == "ShearY":
        return affine(0.0, [0, 0], [0.0, math.degrees(math.atan(magnitude))], [0, 0])
    if op == "TranslateX":
        return affine(0.0, [int(magnitude), 0], [0.0, 0.0], None)
    if op == "TranslateY":
        return affine(0.0, [0, int(magnitude)], [0.0, 0.0], None)
    if op == "Rotate":
        return img.rotate(magnitude, Image.NEAREST, False, None, **fill)
    if op == "Brightness":
        return ImageEnhance.Brightness(img).enhance(1.0 + magnitude)
    if op == "Color":
        return ImageEnhance.Color(img).enhance(1.0 + magnitude)
    if op == "Contrast":
        return ImageEnhance.Contrast(img).enhance(1.0 + magnitude)
    if op == "Sharpness":
        return ImageEnhance.Sharpness(img).enhance(1.0 + magnitude)
    if op == "Posterize":
        return ImageOps.posterize(img, int(magnitude))
    if op == "Solarize":
        return ImageOps.solarize(img, magnitude)
    if op == "AutoContrast":
        return ImageOps.autocontrast(img)
    if op == "Equalize":
        return ImageOps.equalize(img)
    return ImageOps.invert(img)


AUTOAUGMENT_CASES = [
    ("ShearX", 5, True), ("ShearX", 9, False), ("ShearY", 7, True), ("TranslateX", 9, False),
    ("TranslateY", 4, True), ("Rotate", 9, False), ("Rotate", 8, True), ("Rotate", 3, False),
    ("Brightness", 6, True), ("Brightness", 9, False), ("Color", 4, False), ("Color", 8, True),
    ("Contrast", 8, False), ("Contrast", 5, True), ("Sharpness", 7, False), ("Sharpness", 9, True),
    ("Posterize", 8, False), ("Posterize", 5, False), ("Solarize", 3, False), ("Solarize", 5, False),
    ("AutoContrast", None, False), ("Equalize", None, False), ("Invert", None, False),
]


def make_autoaugment():
    folder = os.path.join(HERE, "autoaugment")
    os.makedirs(folder, exist_ok=True)
    rgb = Image.fromarray((scene(23, 19, seed=4).astype(np.float64) * 0.7 + 30).astype(np.uint8))
    sources = {"rgb": rgb, "gray": rgb.convert("L")}
    for name, image in sources.items():
        image.save(os.path.join(folder, f"source_{name}.png"))
        for op, index, negative in AUTOAUGMENT_CASES:
            magnitude = autoaugment_magnitude(op, index, image.width, image.height) if index is not None else 0.0
            if negative:
                magnitude = -magnitude
            suffix = f"_{index}" if index is not None else ""
            suffix += "_neg" if negative else ""
            apply_op(image, op, magnitude).save(os.path.join(folder, f"{name}_{op}{suffix}.png"))
    print(f"autoaugment/: {2 * len(AUTOAUGMENT_CASES)} results")


if __name__ == "__main__":
    make_jpegs()
    make_resizes()
    make_gaussian()
    make_autoaugment()
