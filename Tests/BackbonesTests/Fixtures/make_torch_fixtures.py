#!/usr/bin/env python3
"""Writes the PyTorch goldens of the Backbones tests (run once; the outputs are committed).

    /work/venv-torch/bin/python Tests/BackbonesTests/Fixtures/make_torch_fixtures.py

Every tensor is float32 safetensors (FractalAD's own reader loads them). Inputs and weights are drawn in float32;
the expected results are computed by torch in float64 from those exact values and rounded to float32 once, so they
are the true results of the float32 inputs rather than one particular float32 summation order:

- conv.safetensors: Conv2d(3, 5, 3, stride=2, padding=1, bias=True) on [2, 3, 9, 8]; output, dx, dw, db for an
  upstream gradient dy.
- batch_norm.safetensors: BatchNorm2d(3) in training mode on [4, 3, 5, 6] (channel means far from zero): output,
  updated running statistics, dx, dgamma, dbeta; then the evaluation-mode output with the updated statistics.
- tiny_basic.safetensors / tiny_bottleneck.safetensors: narrow ResNets with torchvision's layout, names and
  initialisation (torch.manual_seed), written as a state_dict; *_expected.safetensors: for a fixed input batch [4, 3, 64, 64] the
  evaluation-mode logits and layer2/layer3 outputs, then two SGD steps (lr 0.1, momentum 0.9, weight decay 1e-4) in
  training mode with soft targets and label smoothing 0.1: each step's loss, the first step's gradients
  (grad.<name>), and the state after the second step (after.<name>).
- architectures.json: the state_dict names, shapes and dtypes of torchvision's resnet18, resnet34, resnet50,
  wide_resnet50_2 and wide_resnet101_2 (1000 classes).

With --check CHECKPOINT INPUT OUTPUT it instead loads a FractalAD resnet checkpoint into the torchvision model its
metadata names with load_state_dict(strict=True), runs INPUT (safetensors key "input") in evaluation mode and writes
the logits to OUTPUT (key "logits"): the torchvision load check of the tests.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision
from safetensors.torch import load_file, save_file
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_num_threads(1)


class NarrowResNet(ResNet):
    """torchvision's ResNet with a configurable stem width and stage planes (the rest is torchvision's code)."""

    def __init__(self, block, layers, planes, stem, num_classes, width_per_group=64):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = stem, 1, 1, width_per_group
        self.conv1 = nn.Conv2d(3, stem, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, planes[0], layers[0])
        self.layer2 = self._make_layer(block, planes[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, planes[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, planes[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(planes[3] * block.expansion, num_classes)
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)


TINY = {
    "tiny_basic": dict(block=BasicBlock, layers=[1, 1, 1, 1], planes=[8, 16, 32, 64], stem=8, num_classes=10),
    "tiny_bottleneck": dict(block=Bottleneck, layers=[1, 2, 1, 1], planes=[4, 8, 16, 32], stem=8, num_classes=10,
                            width_per_group=128),
}


def uniform(generator, shape, low=-1.0, high=1.0):
    return low + (high - low) * torch.rand(shape, generator=generator, dtype=torch.float32)


def conv_fixture():
    g = torch.Generator().manual_seed(1)
    conv = nn.Conv2d(3, 5, 3, stride=2, padding=1, bias=True)
    with torch.no_grad():
        conv.weight.copy_(uniform(g, conv.weight.shape))
        conv.bias.copy_(uniform(g, conv.bias.shape))
    x = uniform(g, (2, 3, 9, 8), -2, 2)
    weight, bias = conv.weight.detach().clone(), conv.bias.detach().clone()
    conv.double()
    x64 = x.double().requires_grad_()
    y = conv(x64)
    dy = uniform(g, y.shape)
    y.backward(dy.double())
    save_file(as_float32({"x": x, "weight": weight, "bias": bias, "output": y, "output_gradient": dy,
                          "input_gradient": x64.grad, "weight_gradient": conv.weight.grad,
                          "bias_gradient": conv.bias.grad}), os.path.join(HERE, "conv.safetensors"))


def batch_norm_fixture():
    g = torch.Generator().manual_seed(2)
    bn = nn.BatchNorm2d(3, momentum=0.1, eps=1e-5)
    with torch.no_grad():
        bn.weight.copy_(uniform(g, (3,), 0.5, 2))
        bn.bias.copy_(uniform(g, (3,)))
        bn.running_mean.copy_(uniform(g, (3,)))
        bn.running_var.copy_(uniform(g, (3,), 0.5, 2))
    tensors = {"weight": bn.weight.detach().clone(), "bias": bn.bias.detach().clone(),
               "running_mean": bn.running_mean.clone(), "running_var": bn.running_var.clone()}
    offsets = torch.tensor([0.0, 5.0, -30.0]).view(1, 3, 1, 1)
    x = uniform(g, (4, 3, 5, 6), -2, 2) * torch.tensor([1.0, 0.3, 4.0]).view(1, 3, 1, 1) + offsets
    bn.double()
    x64 = x.double().requires_grad_()
    bn.train()
    y = bn(x64)
    dy = uniform(g, y.shape)
    y.backward(dy.double())
    bn.eval()
    with torch.no_grad():
        evaluation = bn(x64)
    tensors.update({"x": x, "output": y, "output_gradient": dy, "input_gradient": x64.grad,
                    "weight_gradient": bn.weight.grad, "bias_gradient": bn.bias.grad,
                    "updated_running_mean": bn.running_mean.clone(), "updated_running_var": bn.running_var.clone(),
                    "evaluation_output": evaluation})
    save_file(as_float32(tensors), os.path.join(HERE, "batch_norm.safetensors"))


def as_float32(tensors):
    return {k: v.detach().float().contiguous() for k, v in tensors.items()}


def state_dict_for_file(model):
    return {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def tiny_fixture(name, seed):
    torch.manual_seed(seed)
    model = NarrowResNet(**TINY[name])
    save_file(state_dict_for_file(model), os.path.join(HERE, f"{name}.safetensors"), metadata={"format": "pt"})
    g = torch.Generator().manual_seed(seed + 100)
    x = uniform(g, (4, 3, 64, 64), -2, 2)
    classes = TINY[name]["num_classes"]
    # Soft targets: a MixUp-like pair of labels per row.
    labels = torch.tensor([3, 7, 0, 9])
    targets = 0.7 * nn.functional.one_hot(labels, classes).float() \
        + 0.3 * nn.functional.one_hot(labels.roll(1), classes).float()
    expected = {"input": x, "targets": targets}
    model.double()
    x, targets = x.double(), targets.double()
    model.eval()
    with torch.no_grad():
        expected["eval_logits"] = model(x)
        stem = model.maxpool(model.relu(model.bn1(model.conv1(x))))
        layer2 = model.layer2(model.layer1(stem))
        expected["eval_layer2"] = layer2
        expected["eval_layer3"] = model.layer3(layer2)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    for step in range(2):
        optimizer.zero_grad()
        loss = loss_fn(model(x), targets)
        loss.backward()
        expected[f"loss{step + 1}"] = loss.detach().reshape(1)
        if step == 0:
            for pname, p in model.named_parameters():
                expected[f"grad.{pname}"] = p.grad.detach().clone()
        optimizer.step()
    for key, value in model.state_dict().items():
        expected[f"after.{key}"] = value.detach().clone()
    save_file(as_float32(expected), os.path.join(HERE, f"{name}_expected.safetensors"))


def architectures_fixture():
    result = {}
    for name in ["resnet18", "resnet34", "resnet50", "wide_resnet50_2", "wide_resnet101_2"]:
        model = getattr(torchvision.models, name)()
        result[name] = [[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in model.state_dict().items()]
    with open(os.path.join(HERE, "architectures.json"), "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")


def check(checkpoint, input_path, output_path):
    from safetensors import safe_open
    with safe_open(checkpoint, "pt") as f:
        metadata = f.metadata()
    model = getattr(torchvision.models, metadata["arch"])(num_classes=int(metadata["classes"]))
    state = load_file(checkpoint)
    result = model.load_state_dict(state, strict=True)
    print(f"{metadata['arch']} ({metadata['classes']} classes): load_state_dict(strict=True): {result}")
    model.eval()
    with torch.no_grad():
        logits = model(load_file(input_path)["input"])
    save_file({"logits": logits.contiguous()}, output_path)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--check":
        check(*sys.argv[2:])
        return
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}")
    conv_fixture()
    batch_norm_fixture()
    tiny_fixture("tiny_basic", 11)
    tiny_fixture("tiny_bottleneck", 12)
    architectures_fixture()
    for name in sorted(os.listdir(HERE)):
        print(f"{name}: {os.path.getsize(os.path.join(HERE, name))} bytes")


if __name__ == "__main__":
    main()
