#!/usr/bin/env python3
"""The feed-forward style network candy.onnx (or mosaic.onnx) in PyTorch: the twin of cnnviz's StyleNetBench.

Johnson, Alahi & Fei-Fei 2016's image transformation network as the Windows ML sample exports it (ONNX opset 7):
ImageScaler (x + BGR mean offsets), a 40-pixel reflection pad, a 9x9 convolution, two stride-2 3x3 convolutions,
five residual blocks of unpadded 3x3 convolutions (the skip path cropped by 2 pixels, ONNX Crop), two stride-2
transposed 3x3 convolutions (ONNX output_shape 362 / 722 at 720x720 = output_padding 1, then Crop 1 pixel), a 9x9
convolution, tanh, x150 (Affine) and a per-channel scale and offset; instance normalization after every
convolution but the last. Written in torch.nn with the weights read from the ONNX file by the `onnx` package, in
graph order. Input and output: [N, 3, H, W] BGR pixels 0..255 (the output is not clipped).

Before timing it checks its output on the shared reference input against candy-reference-output.npy (float32
rounding: relative L2 about 1e-6), then times one forward pass (torch.no_grad) at 224x224 and 720x720.

Usage (Debian: apt-get install python3-torch python3-onnx):
    /usr/bin/python3 candy_net.py [--shared ../shared] [--model candy] [--threads 2] [--reps 20] [--sizes 224,720]
Prints the min and median milliseconds per image and GFLOP/s (FLOPs of the convolutions, multiply + add).
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
import torch.nn.functional as F


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


class StyleNet(nn.Module):
    """The network, built from the ONNX graph's weights (convolutions and instance norms in graph order)."""

    def __init__(self, path):
        super().__init__()
        m = onnx.load(path)
        g = m.graph
        inits = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
        nodes = list(g.node)
        scaler = next(n for n in nodes if n.op_type == "ImageScaler")
        self.scale = float(attr(scaler, "scale", 1.0))
        self.register_buffer("bias", torch.tensor(attr(scaler, "bias"), dtype=torch.float32).view(1, 3, 1, 1))
        pad = next(n for n in nodes if n.op_type == "Pad")
        self.pad = int(attr(pad, "pads")[2])
        affine = next(n for n in nodes if n.op_type == "Affine")
        self.alpha = float(attr(affine, "alpha"))
        self.beta = float(attr(affine, "beta", 0.0))
        mul = next(n for n in nodes if n.op_type == "Mul")
        add = nodes[-1]
        self.register_buffer("mul_b", inits[mul.input[1]].view(1, 3, 1, 1))
        self.register_buffer("add_b", inits[add.input[1]].view(1, 3, 1, 1))
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for n in nodes:
            if n.op_type in ("Conv", "ConvTranspose"):
                w, b = inits[n.input[1]], inits[n.input[2]]
                k = w.shape[2]
                s = attr(n, "strides", [1, 1])[0]
                if n.op_type == "Conv":
                    p = attr(n, "pads", [0, 0, 0, 0])[0]
                    c = nn.Conv2d(w.shape[1], w.shape[0], k, stride=s, padding=p)
                else:
                    # output_shape o at input i: total padding (i-1)s + k - o = -1, i.e. one extra row/column
                    # at the end (output_padding 1), for every input size
                    c = nn.ConvTranspose2d(w.shape[0], w.shape[1], k, stride=s, output_padding=1)
                c.weight.data.copy_(w)
                c.bias.data.copy_(b)
                self.convs.append(c)
            elif n.op_type == "InstanceNormalization":
                sc, b = inits[n.input[1]], inits[n.input[2]]
                inorm = nn.InstanceNorm2d(sc.shape[0], eps=float(attr(n, "epsilon", 1e-5)), affine=True)
                inorm.weight.data.copy_(sc)
                inorm.bias.data.copy_(b)
                self.norms.append(inorm)
        if len(self.convs) != 16 or len(self.norms) != 15:
            sys.exit(f"{path}: expected 16 convolutions and 15 instance norms, found {len(self.convs)} and {len(self.norms)}")

    def forward(self, x):
        c, n = self.convs, self.norms
        y = x * self.scale + self.bias
        y = F.pad(y, (self.pad,) * 4, mode="reflect")
        for i in range(3):
            y = torch.relu(n[i](c[i](y)))
        for r in range(5):
            h = torch.relu(n[3 + 2 * r](c[3 + 2 * r](y)))
            h = n[4 + 2 * r](c[4 + 2 * r](h))
            y = h + y[:, :, 2:-2, 2:-2]
        for i in (13, 14):
            y = c[i](y)[:, :, 1:-1, 1:-1]
            y = torch.relu(n[i](y))
        y = torch.tanh(c[15](y)) * self.alpha + self.beta
        return y * self.mul_b + self.add_b


def gflop(net, h, w):
    """Multiply-adds of the convolutions (x2), as cnnviz's Flops counts them."""
    total = 0
    x = torch.zeros(1, 3, h, w)
    hooks = []

    def count(mod, inp, out):
        nonlocal total
        if isinstance(mod, nn.ConvTranspose2d):
            total += 2 * mod.weight.numel() * inp[0].shape[2] * inp[0].shape[3]
        else:
            total += 2 * mod.weight.numel() * out.shape[2] * out.shape[3]

    for c in net.convs:
        hooks.append(c.register_forward_hook(count))
    with torch.no_grad():
        net(x)
    for h_ in hooks:
        h_.remove()
    return total / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "../../../../../shared"))
    ap.add_argument("--model", default="candy")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--sizes", default="224,720")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    style = os.path.join(a.shared, "models", "style")
    net = StyleNet(os.path.join(style, a.model + ".onnx")).eval()
    if a.model == "candy":
        x = torch.from_numpy(np.load(os.path.join(style, "candy-reference-input.npy")))
        ref = np.load(os.path.join(style, "candy-reference-output.npy"))
        with torch.no_grad():
            y = net(x).numpy()
        d = y - ref
        rel = np.linalg.norm(d) / np.linalg.norm(ref)
        print(f"candy vs reference: max |diff| {np.abs(d).max():.3g}, relative L2 {rel:.3g}")
        if rel > 1e-5:
            sys.exit("the network does not match the reference output")
    for s in (int(v) for v in a.sizes.split(",")):
        x = torch.rand(1, 3, s, s) * 255
        g = gflop(net, s, s)
        with torch.no_grad():
            for _ in range(2):
                net(x)
            ms = []
            for _ in range(a.reps):
                t0 = time.perf_counter()
                y = net(x)
                ms.append((time.perf_counter() - t0) * 1e3)
        # the network's output side is 4 * ceil(side / 4) (two stride-2 steps down and up); cnnviz crops it back
        assert tuple(y.shape) == (1, 3, -(-s // 4) * 4, -(-s // 4) * 4), y.shape
        med = statistics.median(ms)
        print(f"{a.model} {s}x{s}: min {min(ms):.1f} ms, median {med:.1f} ms per image; {g:.3f} GFLOP, "
              f"{g / (med / 1e3):.1f} GFLOP/s at the median ({a.threads} threads, {a.reps} reps)")


if __name__ == "__main__":
    main()
