#!/usr/bin/env python3
"""One training step of the feed-forward style network in PyTorch: the twin of cnnviz's TrainStepBench.

The step (Johnson, Alahi & Fei-Fei 2016, as cnnviz's FeedForwardTraining runs it): a batch of RGB 0..255 crops goes
through the transformation network (width 32, 5 residual blocks, 9x9 outer convolutions, instance norm, reflect
padding, nearest upsampling + conv, 150*tanh + 127.5), then through the loss network's preprocessing (BGR minus the
Caffe mean) and SqueezeNet 1.1 (the shared ONNX weights, frozen) up to fire5; the perceptual loss is content
(MSE at fire2's output) + 100 * style (Gram matrices over C*H*W, MSE, averaged over the batch, at relu(conv1),
fire3, fire4, fire5) + 1e-6 * TV (sum of squared neighbour differences); backward to the network's weights; one
Adam step (lr 1e-3). The style targets come from the style image (or, without Pillow, a generated gradient).

Usage (Debian: apt-get install python3-torch python3-onnx):
    /usr/bin/python3 train_style_step.py [--shared ../shared] [--threads 2] [--batch 4] [--size 128] [--reps 20]
Prints the min and median milliseconds per training step.
"""
import argparse
import os
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from class_vis_step import load

CONTENT = 3                # features[3]: fire2's output (concat_fire2/concat_1)
STYLE = (1, 4, 6, 7)       # relu(conv1), fire3, fire4, fire5
STYLE_WEIGHT, TV_WEIGHT, LR = 100.0, 1e-6, 1e-3
CAFFE_MEAN_BGR = (104.0, 117.0, 123.0)


def conv(cin, cout, k, stride=1):
    return nn.Sequential(nn.ReflectionPad2d(k // 2), nn.Conv2d(cin, cout, k, stride))


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.n1 = conv(c, c, 3), nn.InstanceNorm2d(c, affine=True)
        self.c2, self.n2 = conv(c, c, 3), nn.InstanceNorm2d(c, affine=True)

    def forward(self, x):
        return x + self.n2(self.c2(torch.relu(self.n1(self.c1(x)))))


class TransformNet(nn.Module):
    """cnnviz's TransformNet: the same layers in the same order."""

    def __init__(self, w=32, blocks=5, k=9):
        super().__init__()
        layers = [conv(3, w, k), nn.InstanceNorm2d(w, affine=True), nn.ReLU(),
                  conv(w, 2 * w, 3, 2), nn.InstanceNorm2d(2 * w, affine=True), nn.ReLU(),
                  conv(2 * w, 4 * w, 3, 2), nn.InstanceNorm2d(4 * w, affine=True), nn.ReLU()]
        layers += [Residual(4 * w) for _ in range(blocks)]
        layers += [nn.Upsample(scale_factor=2, mode="nearest"), conv(4 * w, 2 * w, 3),
                   nn.InstanceNorm2d(2 * w, affine=True), nn.ReLU(),
                   nn.Upsample(scale_factor=2, mode="nearest"), conv(2 * w, w, 3),
                   nn.InstanceNorm2d(w, affine=True), nn.ReLU(), conv(w, 3, k)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return 150 * torch.tanh(self.net(x)) + 127.5


def preprocess(rgb):
    """RGB 0..255 to the ONNX SqueezeNet's input: BGR minus the Caffe mean."""
    mean = torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    return rgb.flip(1) - mean


def features(squeeze, x, wanted):
    out = {}
    for i, layer in enumerate(squeeze.features):
        x = layer(x)
        if i in wanted:
            out[i] = x
        if i >= max(wanted):
            break
    return out


def gram(f):
    n, c, h, w = f.shape
    f = f.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "..", "..", "..", "shared"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    squeeze = load(os.path.join(a.shared, "models", "squeezenet1.1", "squeezenet1.1-imagenet.onnx"))
    try:
        from PIL import Image
        img = Image.open(os.path.join(a.shared, "images", "starry_night.jpg")).convert("RGB").resize((256, 256))
        style = torch.from_numpy(np.asarray(img, dtype=np.float32).transpose(2, 0, 1).copy())[None]
    except ImportError:
        g = np.linspace(0, 255, 256, dtype=np.float32)
        style = torch.from_numpy(np.stack([np.tile(g, (256, 1)), np.tile(g[:, None], (1, 256)),
                                           np.full((256, 256), 128, np.float32)]))[None]
    wanted = set(STYLE) | {CONTENT}
    with torch.no_grad():
        targets = {i: gram(f) for i, f in features(squeeze, preprocess(style), wanted).items() if i in STYLE}
    net = TransformNet()
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    x = torch.rand(a.batch, 3, a.size, a.size) * 255

    def step():
        opt.zero_grad()
        y = net(x)
        with torch.no_grad():
            content_target = features(squeeze, preprocess(x), {CONTENT})[CONTENT]
        fy = features(squeeze, preprocess(y), wanted)
        loss = F.mse_loss(fy[CONTENT], content_target)
        for i in STYLE:
            loss = loss + STYLE_WEIGHT * F.mse_loss(gram(fy[i]), targets[i].expand(a.batch, -1, -1))
        tv = ((y[:, :, :, 1:] - y[:, :, :, :-1]) ** 2).sum() + ((y[:, :, 1:, :] - y[:, :, :-1, :]) ** 2).sum()
        loss = loss + TV_WEIGHT * tv
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    print(f"# torch {torch.__version__}, {a.threads} threads, batch {a.batch} of {a.size}x{a.size}")
    print(f"torch training step: min {min(times):.2f} ms, median {statistics.median(times):.2f} ms ({a.reps} steps)")


if __name__ == "__main__":
    main()
