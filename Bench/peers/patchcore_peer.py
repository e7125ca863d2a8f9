"""The official PatchCore test pipeline (patchcore-inspection, Roth et al., CVPR 2022) in torch + faiss beside
`fractalad-bench compare`: layer2 + layer3 features of a randomly initialised backbone, 3×3 patch aggregation
(unfold, layer3 bilinearly aligned to layer2's grid), adaptive average pooling to 1,024 dimensions per layer and
again over both, faiss IndexFlatL2 k = 1 against the bank, image score = max patch score, and the 28² score map
upsampled bilinearly to 224² and blurred with a Gaussian of σ = 4. Inputs are PatchCoreBenchmark's: eight 256²
noise pictures from BenchData.uniform (seed = image index) resized to 256, centre-cropped to 224 and normalised
(outside the timing, as FractalAD prepares them outside its timing), and a bank of BenchData.uniform(seed 5) rows.
resnet18 (and wide_resnet50_2 unless --quick), bank 16,384 rows (--quick: 2,048); rate: test images per second.

    python patchcore_peer.py [--quick] [--repeats N] [--workload PREFIX]...
"""

import faiss
import numpy as np
import scipy.ndimage
import torch
import torch.nn.functional as F
import torchvision
from torchvision.transforms import v2

from common import options, report, timed, uniform, wanted

args = options(__doc__)
bank_rows, batch = (2048 if args.quick else 16384), 8
architectures = ["resnet18"] if args.quick else ["resnet18", "wide_resnet50_2"]


def prepared_images():
    transform = v2.Compose([v2.Resize(256), v2.CenterCrop(224), v2.ToDtype(torch.float32, scale=True),
                            v2.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    pictures = []
    for i in range(batch):
        pixels = ((uniform(256 * 256 * 3, seed=i) + np.float32(1)) * np.float32(127)).astype(np.uint8)
        pictures.append(transform(torch.from_numpy(pixels.reshape(256, 256, 3)).permute(2, 0, 1)))
    return torch.stack(pictures)


class Features(torch.nn.Module):
    """The backbone up to layer3, returning layer2 and layer3."""

    def __init__(self, architecture):
        super().__init__()
        self.net = getattr(torchvision.models, architecture)().eval()

    def forward(self, x):
        n = self.net
        x = n.maxpool(n.relu(n.bn1(n.conv1(x))))
        layer2 = n.layer2(n.layer1(x))
        return layer2, n.layer3(layer2)


def embed(stages, dimension=1024):
    """patchcore-inspection's PatchMaker(3, stride 1) + Preprocessing + Aggregator, as `PatchCore._embed` runs them."""
    grid = stages[0].shape[-2:]
    per_layer = []
    for features in stages:
        b, c, h, w = features.shape
        patches = F.unfold(features, kernel_size=3, padding=1).reshape(b, c, 3, 3, h, w)
        if (h, w) != grid:  # align to the first layer's grid, patch element by patch element
            patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(-1, 1, h, w)
            patches = F.interpolate(patches, size=grid, mode="bilinear", align_corners=False)
            patches = patches.reshape(b, 3, 3, c, *grid).permute(0, 3, 1, 2, 4, 5)
        patches = patches.permute(0, 4, 5, 1, 2, 3).reshape(-1, c * 9)
        per_layer.append(F.adaptive_avg_pool1d(patches.unsqueeze(1), dimension).squeeze(1))
    stacked = torch.stack(per_layer, dim=1).reshape(per_layer[0].shape[0], 1, -1)
    return F.adaptive_avg_pool1d(stacked, dimension).reshape(-1, dimension), grid


def run(model, index, images):
    with torch.no_grad():
        embedding, grid = embed(model(images))
    distances, _ = index.search(np.ascontiguousarray(embedding.numpy()), 1)
    patch_scores = torch.from_numpy(distances[:, 0]).reshape(batch, 1, *grid)
    scores = patch_scores.reshape(batch, -1).max(dim=1).values
    maps = F.interpolate(patch_scores, size=(224, 224), mode="bilinear", align_corners=False)[:, 0].numpy()
    return scores, [scipy.ndimage.gaussian_filter(m, sigma=4) for m in maps]


images = prepared_images()
bank = uniform(bank_rows * 1024, seed=5).reshape(bank_rows, 1024)
for architecture in architectures:
    name = f"patchcore.{architecture}.224.bank{bank_rows}.b{batch}"
    if not wanted(args, name):
        continue
    index = faiss.IndexFlatL2(1024)
    index.add(bank)
    model = Features(architecture)
    s = timed(lambda: run(model, index, images), args.repeats)
    report(name, f"torch {torch.__version__.split('+')[0]} {torch.backends.cpu.get_cpu_capability()} + faiss "
           f"{faiss.__version__}", s, batch / s, "images/s")
