#!/usr/bin/env python3
"""One Gatys style-transfer iteration on SqueezeNet 1.1 in PyTorch: the twin of cnnviz's GatysBench and of
`./cnnviz bench --method gatys`.

The iteration is cnnviz's GatysStyle loss with its defaults (the CS231n SqueezeNet layers): the image is RGB
pixels 0..255 [1, 3, N, N]; the network input is BGR minus the mean (104, 117, 123); one forward pass up to fire5
(torchvision's features[:8], nothing after the deepest loss layer), then
    content  = 6e-2 * sum((F_fire2(x) - F_fire2(content))^2)
    style_l  = w_l * sum((G_l(x) - A_l)^2),  G = F F^T / (C H W),  l = relu_conv1, fire3, fire4, fire5,
               w = (300000, 1000, 15, 3)
    tv       = 2e-2 * sum(dh^2 + dv^2) on the pixels
    range    = 100 * sum(relu(x - 255)^2 + relu(-x)^2)
one backward pass to the image (weights frozen) and one Adam update (cnnviz's bench times Adam steps, one
evaluation each; an L-BFGS iteration makes one or more such evaluations).

Usage (Debian: apt-get install python3-torch python3-onnx):
    /usr/bin/python3 gatys_step.py [--shared ../shared] [--size 256] [--threads 2] [--reps 50] [--rounds 1]
Prints the min and median milliseconds per iteration, one line per round.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from class_vis_step import load  # noqa: E402  (SqueezeNet 1.1 in torch.nn with the ONNX weights)

CONTENT_INDEX = 3                     # fire2's output: ONNX concat_fire2/concat_1
STYLE_INDICES = (1, 4, 6, 7)          # relu_conv1_2, concat_fire3/concat_1, concat_fire4/concat_1, concat_fire5/concat_1
STYLE_WEIGHTS = (300000.0, 1000.0, 15.0, 3.0)
CONTENT_WEIGHT = 6e-2
TV_WEIGHT = 2e-2
RANGE_WEIGHT = 100.0
MEAN_BGR = torch.tensor([104.0, 117.0, 123.0]).view(1, 3, 1, 1)


def to_input(x):
    """RGB pixels 0..255 -> the ONNX model's input: BGR minus the mean."""
    return x.flip(1) - MEAN_BGR


def features(layers, x):
    """The activations at every index up to the deepest loss layer, by index."""
    out = {}
    h = to_input(x)
    for i, layer in enumerate(layers):
        h = layer(h)
        out[i] = h
    return out


def gram(f):
    _, c, h, w = f.shape
    m = f.view(c, h * w)
    return m @ m.t() / (c * h * w)


def loss(layers, x, content_target, style_targets):
    f = features(layers, x)
    total = CONTENT_WEIGHT * ((f[CONTENT_INDEX] - content_target) ** 2).sum()
    for i, w, a in zip(STYLE_INDICES, STYLE_WEIGHTS, style_targets):
        total = total + w * ((gram(f[i]) - a) ** 2).sum()
    total = total + TV_WEIGHT * (((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).sum()
                                 + ((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).sum())
    total = total + RANGE_WEIGHT * (torch.relu(x - 255) ** 2 + torch.relu(-x) ** 2).sum()
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "..", "..", "..", "shared"),
                    help="the folder holding models/squeezenet1.1 (default: ../shared beside the checkout)")
    ap.add_argument("--size", type=int, default=256, help="the image is SIZE x SIZE")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=50, help="timed iterations per round")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    net = load(os.path.join(a.shared, "models", "squeezenet1.1", "squeezenet1.1-imagenet.onnx"))
    layers = list(net.features.children())[:max(STYLE_INDICES + (CONTENT_INDEX,)) + 1]
    g = torch.Generator().manual_seed(0)
    content = torch.rand(1, 3, a.size, a.size, generator=g) * 255
    style = torch.rand(1, 3, a.size, a.size, generator=g) * 255
    with torch.no_grad():
        content_target = features(layers, content)[CONTENT_INDEX]
        fs = features(layers, style)
        style_targets = [gram(fs[i]) for i in STYLE_INDICES]
    print(f"# torch {torch.__version__}, {a.threads} threads, {a.size}x{a.size}, "
          f"layers up to features[{len(layers) - 1}] (fire5)")
    for r in range(a.rounds):
        x = content.clone().requires_grad_(True)
        opt = torch.optim.Adam([x], lr=1.0)
        times = []
        for k in range(a.warmup + a.reps):
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            value = loss(layers, x, content_target, style_targets)
            value.backward()
            opt.step()
            if k >= a.warmup:
                times.append((time.perf_counter() - t0) * 1e3)
        print(f"torch gatys iteration: min {min(times):.2f} ms, median {statistics.median(times):.2f} ms, "
              f"{a.reps} iterations (loss {value.item():.4g})")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
