#!/usr/bin/env python3
"""PGD (L-inf, 10 steps) on a batch of SqueezeNet 1.1 images in PyTorch: the twin of cnnviz's AttackBench.pgd32.

The same attack as cnnviz's Pgd with its defaults: images in [0, 1] RGB, the Caffe preprocessing (255 * BGR minus
the mean) on the differentiable path, a uniform random start in the eps-ball, 10 steps of alpha * sign(grad) on the
cross-entropy of the clean top class, projection onto the eps-ball and [0, 1]; plus the model's answer before and
after, as cnnviz computes it. Batch of 32 copies of the shared cat.

The network and its weights come from class_vis_step.py in this folder (SqueezeNet 1.1 in torch.nn with the
shared ONNX file's weights, checked there against cat-logits.npy).

Usage (Debian: apt-get install python3-torch python3-onnx):
    /usr/bin/python3 attack_pgd.py [--shared ../shared] [--threads 2] [--batch 32] [--reps 5]
Prints the min and median milliseconds per batch, and attacks per second.
"""
import argparse
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from class_vis_step import load

MEAN_BGR = torch.tensor([104.0, 117.0, 123.0]).view(1, 3, 1, 1)


def preprocess(u):
    """[N,3,H,W] RGB in [0, 1] -> the Caffe input: BGR, 0..255, minus the mean."""
    return u.flip(1) * 255.0 - MEAN_BGR


def pgd(net, u0, eps=8 / 255, alpha=2 / 255, steps=10, seed=13):
    with torch.no_grad():
        clean = net(preprocess(u0))
    y = clean.argmax(1)
    g = torch.Generator().manual_seed(seed)
    u = (u0 + (torch.rand(u0.shape, generator=g) * 2 - 1) * eps).clamp(0, 1)
    for _ in range(steps):
        u.requires_grad_(True)
        loss = F.cross_entropy(net(preprocess(u)), y, reduction="sum")
        grad, = torch.autograd.grad(loss, u)
        with torch.no_grad():
            u = u + alpha * grad.sign()
            u = torch.min(torch.max(u, u0 - eps), u0 + eps).clamp(0, 1)
    with torch.no_grad():
        after = net(preprocess(u))
    return u, clean, after


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "..", "..", "..", "shared"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    d = os.path.join(a.shared, "models", "squeezenet1.1")
    net = load(os.path.join(d, "squeezenet1.1-imagenet.onnx"))
    cat = torch.from_numpy(np.load(os.path.join(d, "cat-input.npy")).astype(np.float32))
    u0 = ((cat + MEAN_BGR) / 255.0).flip(1).clamp(0, 1).repeat(a.batch, 1, 1, 1)
    for _ in range(a.warmup):
        pgd(net, u0)
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        u, clean, after = pgd(net, u0)
        times.append((time.perf_counter() - t0) * 1e3)
    fooled = (after.argmax(1) != clean.argmax(1)).float().mean().item()
    lo, med = min(times), statistics.median(times)
    print(f"# torch {torch.__version__}, {a.threads} threads, batch {a.batch}, fooled {fooled:.2f}")
    print(f"torch pgd10 batch {a.batch}: min {lo:.1f} ms, median {med:.1f} ms, "
          f"{a.batch / med * 1e3:.1f} attacks/s, {a.reps} reps")


if __name__ == "__main__":
    main()
