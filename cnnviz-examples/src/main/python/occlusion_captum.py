#!/usr/bin/env python3
"""Captum's Occlusion (window 16, stride 8, perturbations_per_eval 32) on SqueezeNet 1.1, written out in PyTorch:
the twin of cnnviz's PerturbationBench (method=occlusion).

Captum is not packaged by Debian and PyPI is not reachable here, so this script repeats Captum 0.9's
FeatureAblation/Occlusion loop step for step (captum/attr/_core/feature_ablation.py, occlusion.py): the
unperturbed forward pass first; then the 27 x 27 = 729 window positions in chunks of 32, each chunk built as
`input * (1 - mask) + baseline * mask` (baseline 0) by expanding the input, one forward pass per chunk, the score
difference `initial - perturbed` for the target class added into every pixel of the window and divided by the
number of windows covering the pixel at the end.

Usage: /usr/bin/python3 occlusion_captum.py [--shared ../shared] [--threads 2] [--reps 5]
"""
import argparse
import os
import statistics
import time

import numpy as np
import torch

from class_vis_step import load

CLASS = 285


def occlusion(net, x, window=16, stride=8, per_eval=32):
    _, c, h, w = x.shape
    with torch.no_grad():
        initial = net(x)[:, CLASS]
        ys = list(range(0, h - window + 1, stride))
        xs = list(range(0, w - window + 1, stride))
        positions = [(i, j) for i in ys for j in xs]
        total = torch.zeros_like(x)
        counts = torch.zeros_like(x)
        for start in range(0, len(positions), per_eval):
            chunk = positions[start:start + per_eval]
            masks = torch.zeros((len(chunk), 1, h, w), dtype=x.dtype)
            for k, (i, j) in enumerate(chunk):
                masks[k, :, i:i + window, j:j + window] = 1
            batch = x.expand(len(chunk), c, h, w) * (1 - masks)  # baseline 0
            diff = initial - net(batch)[:, CLASS]
            total += (diff.view(-1, 1, 1, 1) * masks).sum(0, keepdim=True)
            counts += masks.sum(0, keepdim=True)
        return total / counts.clamp(min=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "..", "..", "..", "shared"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    d = os.path.join(a.shared, "models", "squeezenet1.1")
    net = load(os.path.join(d, "squeezenet1.1-imagenet.onnx"))
    x = torch.from_numpy(np.load(os.path.join(d, "cat-input.npy")).astype(np.float32))
    occlusion(net, x)
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        m = occlusion(net, x)
        times.append((time.perf_counter() - t0) * 1e3)
    print(f"# torch {torch.__version__}, {a.threads} threads, map range {m.min():.3f}..{m.max():.3f}")
    print(f"torch occlusion 16/8 (729 windows, 32 per eval): min {min(times):.0f} ms, "
          f"median {statistics.median(times):.0f} ms, {a.reps} reps")


if __name__ == "__main__":
    main()
