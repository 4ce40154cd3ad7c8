#!/usr/bin/env python3
"""One step of class visualization on SqueezeNet 1.1 in PyTorch: the twin of cnnviz's OptimStepBench.

The step (Simonyan et al. 2014, as in Stanford CS231n's assignment 3): the objective S_285(x) - l2 * ||x||^2,
one forward pass, one backward pass to the input (the weights are frozen, so no weight gradients), then the
L2-normalised ascent x <- x + lr * g / ||g||_2. About 1.4 GFLOP at 224x224.

The network is SqueezeNet 1.1 written in torch.nn (torchvision's architecture, without needing torchvision),
with its weights read from the shared ONNX file by the `onnx` package, and fed the shared preprocessed cat
(BGR minus the mean, as the ONNX model expects). Before timing, it checks that its top-5 on the cat is the ONNX
model's known answer (285 Egyptian cat, 282, 281, ...) and that its scores match cat-logits.npy.

Usage (Debian: apt-get install python3-torch python3-onnx):
    /usr/bin/python3 class_vis_step.py [--shared ../shared] [--threads 2] [--reps 200] [--rounds 1]
    ONEDNN_MAX_CPU_ISA=AVX2 /usr/bin/python3 class_vis_step.py     # oneDNN (mkldnn) kernels limited to AVX2
Prints the min and median milliseconds per step (and GFLOP/s against 1.4 GFLOP), one line per round.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn as nn

CLASS = 285
L2_REG = 1e-3
LEARNING_RATE = 25.0
GFLOP_PER_STEP = 1.4


class Fire(nn.Module):
    def __init__(self, cin, squeeze, e1, e3):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, e1, 1)
        self.expand3x3 = nn.Conv2d(squeeze, e3, 3, padding=1)

    def forward(self, x):
        s = torch.relu(self.squeeze(x))
        return torch.cat([torch.relu(self.expand1x1(s)), torch.relu(self.expand3x3(s))], 1)


class SqueezeNet11(nn.Module):
    """torchvision.models.squeezenet1_1's layers, in the order of the ONNX file's convolutions."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3, stride=2), nn.ReLU(),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(64, 16, 64, 64), Fire(128, 16, 64, 64),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(128, 32, 128, 128), Fire(256, 32, 128, 128),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(256, 48, 192, 192), Fire(384, 48, 192, 192),
            Fire(384, 64, 256, 256), Fire(512, 64, 256, 256))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(512, 1000, 1), nn.ReLU(),
                                        nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


def load(onnx_path):
    """SqueezeNet 1.1 with the ONNX file's weights, mapped convolution by convolution in graph order."""
    m = onnx.load(onnx_path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    net = SqueezeNet11()
    mods = [c for c in net.modules() if isinstance(c, nn.Conv2d)]
    if len(convs) != len(mods):
        sys.exit(f"the ONNX file has {len(convs)} convolutions, SqueezeNet 1.1 has {len(mods)}")
    for node, mod in zip(convs, mods):
        w, b = inits[node.input[1]], inits[node.input[2]]
        if tuple(w.shape) != tuple(mod.weight.shape):
            sys.exit(f"ONNX conv {node.input[1]} has shape {w.shape}, expected {tuple(mod.weight.shape)}")
        mod.weight.data.copy_(torch.from_numpy(w.copy()))
        mod.bias.data.copy_(torch.from_numpy(b.copy()))
    # The Fire modules' concatenation order must be the ONNX file's (expand1x1 first).
    concats = [n for n in m.graph.node if n.op_type == "Concat"]
    producers = {o: n for n in m.graph.node for o in n.output}
    for c in concats:
        first = producers[c.input[0]]
        while first.op_type != "Conv":
            first = producers[first.input[0]]
        if inits[first.input[1]].shape[-1] != 1:
            sys.exit("the ONNX file concatenates expand3x3 before expand1x1; this script assumes the opposite")
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def step(net, x):
    """One ascent step on x in place. Returns the objective before the step."""
    scores = net(x)
    obj = scores[0, CLASS] - L2_REG * (x * x).sum()
    obj.backward()
    with torch.no_grad():
        g = x.grad
        x += LEARNING_RATE * g / g.norm()
        x.grad = None
    return obj.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "..", "..", "..", "shared"),
                    help="the folder holding models/squeezenet1.1 (default: ../shared beside the checkout)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=200, help="timed steps per round")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    d = os.path.join(a.shared, "models", "squeezenet1.1")
    net = load(os.path.join(d, "squeezenet1.1-imagenet.onnx"))
    cat = torch.from_numpy(np.load(os.path.join(d, "cat-input.npy")).astype(np.float32))

    with torch.no_grad():
        s = net(cat)
    top5 = torch.topk(s[0], 5).indices.tolist()
    expected = np.load(os.path.join(d, "cat-logits.npy")).reshape(-1)
    err = float(np.abs(s[0].numpy() - expected).max())
    print(f"# torch {torch.__version__}, {a.threads} threads, mkldnn "
          f"{'on' if torch.backends.mkldnn.is_available() else 'off'}, "
          f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', '')} "
          f"DNNL_MAX_CPU_ISA={os.environ.get('DNNL_MAX_CPU_ISA', '')}")
    print(f"# top-5 on the cat: {top5} (score {s[0, CLASS].item():.3f}); max |score - cat-logits.npy| = {err:.2e}")
    if top5[0] != CLASS or err > 1e-2:
        sys.exit("the PyTorch model does not reproduce the ONNX model's answer")

    x = cat.clone().requires_grad_(True)
    for _ in range(a.warmup):
        step(net, x)
    for r in range(a.rounds):
        x = cat.clone().requires_grad_(True)
        times = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            step(net, x)
            times.append((time.perf_counter() - t0) * 1e3)
        lo, med = min(times), statistics.median(times)
        print(f"torch step: min {lo:.2f} ms ({GFLOP_PER_STEP / lo * 1e3:.0f} GFLOP/s), "
              f"median {med:.2f} ms ({GFLOP_PER_STEP / med * 1e3:.0f} GFLOP/s), {a.reps} steps")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
