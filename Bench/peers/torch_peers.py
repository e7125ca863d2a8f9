"""PyTorch on the CPU beside `fractalad-bench compare`: conv 3×3 64→64 at 56² forward and backward (input and filter
gradients through autograd), resnet18 training steps (SGD, momentum 0.9, weight decay 1e-4, cross-entropy), and
resnet18 / wide_resnet50_2 inference, each in NCHW and channels_last. Shapes as in Bench/CompareBenchmark.swift.

    python torch_peers.py [--quick] [--repeats N] [--workload PREFIX]...
"""

import torch
import torchvision

from common import options, report, timed, wanted

args = options(__doc__)
torch.manual_seed(0)
version = f"torch {torch.__version__.split('+')[0]} {torch.backends.cpu.get_cpu_capability()}"
layouts = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}


def conv():
    n = 8 if args.quick else 32
    flop = 2 * n * 64 * 56 * 56 * 64 * 9
    for label, layout in layouts.items():
        layer = torch.nn.Conv2d(64, 64, 3, padding=1, bias=False).to(memory_format=layout)
        x = (torch.rand(n, 64, 56, 56) * 2 - 1).to(memory_format=layout)
        name = f"conv.fwd.n{n}.64x56x56.k3"
        if wanted(args, name):
            with torch.no_grad():
                s = timed(lambda: layer(x), args.repeats)
            report(name, f"{version} {label}", s, flop / s / 1e9, "GFLOP/s")
        name = f"conv.bwd.n{n}.64x56x56.k3"
        if wanted(args, name):
            xg = x.clone().requires_grad_(True)
            y = layer(xg)
            dy = (torch.rand_like(y) * 2 - 1).to(memory_format=layout)

            def backward():
                layer.weight.grad, xg.grad = None, None
                torch.autograd.grad(y, (xg, layer.weight), dy, retain_graph=True)

            s = timed(backward, args.repeats)
            report(name, f"{version} {label}", s, 2 * flop / s / 1e9, "GFLOP/s")


def train():
    for size, batch in [(64, 16)] if args.quick else [(64, 128), (224, 32)]:
        name = f"train.resnet18.{size}.b{batch}"
        if not wanted(args, name):
            continue
        for label, layout in layouts.items():
            model = torchvision.models.resnet18().to(memory_format=layout)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
            images = (torch.rand(batch, 3, size, size) * 2 - 1).to(memory_format=layout)
            labels = torch.randint(0, 1000, (batch,))

            def step():
                optimizer.zero_grad(set_to_none=True)
                loss = torch.nn.functional.cross_entropy(model(images), labels)
                loss.backward()
                optimizer.step()
                loss.item()

            s = timed(step, args.repeats)
            report(name, f"{version} {label}", s, batch / s, "images/s")


def inference():
    batch = 4 if args.quick else 8
    for architecture in ["resnet18"] if args.quick else ["resnet18", "wide_resnet50_2"]:
        name = f"infer.{architecture}.224.b{batch}"
        if not wanted(args, name):
            continue
        for label, layout in layouts.items():
            model = getattr(torchvision.models, architecture)().eval().to(memory_format=layout)
            images = (torch.rand(batch, 3, 224, 224) * 2 - 1).to(memory_format=layout)
            with torch.no_grad():
                s = timed(lambda: model(images), args.repeats)
            report(name, f"{version} {label}", s, batch / s, "images/s")


conv()
train()
inference()
