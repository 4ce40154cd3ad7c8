#!/usr/bin/env python3
"""The PyTorch / scikit-learn twins of cnnviz's EmbeddingBench:

- squeezenet-crops: 1,000 224x224 crops of the shared images (cut as EmbeddingBench does: seeded, in memory, as
  8-bit RGB), preprocessed (Caffe: BGR 0..255 minus the mean) and run through SqueezeNet 1.1 in batches of 32 up
  to the
  global average pool of relu(conv10) (1,000 values: cnnviz's default layer, the input of the class node);
- fmnist: the 10,000 Fashion-MNIST test images (read from the gzipped IDX file inside the timed loop, as cnnviz's
  dataset stream does) through the embedded model's architecture in torch.nn (conv 3x3 same + batch norm (eval) +
  ReLU + 2x2 max pool, 32/64/128 channels, global average pool: cnnviz's "gap" layer) in batches of 256; the weights
  are random (the run time does not depend on them; the trained ones live in a DL4J zip);
- tsne: scikit-learn's Barnes-Hut t-SNE (perplexity 30, 1,000 iterations) of 10,000 points of dimension 128
  (a Gaussian mixture of 10 clusters: the run time depends on n, d and the iterations, not on the values).

Usage: /usr/bin/python3 embed_tsne.py [crops|fmnist|tsne] [--shared ../shared] [--threads 2] [--reps 3]
(Debian: python3-torch python3-onnx python3-sklearn python3-pil)
"""
import argparse
import os
import random
import statistics
import time

import numpy as np
import torch

from class_vis_step import load

MEAN_BGR = torch.tensor([104.0, 117.0, 123.0]).view(1, 3, 1, 1)


def crops(shared, n=1000, seed=15):
    from PIL import Image
    d = os.path.join(shared, "images")
    srcs = []
    for f in sorted(os.listdir(d)):
        if f.lower().endswith((".png", ".jpg")):
            im = np.asarray(Image.open(os.path.join(d, f)).convert("RGB"))
            if im.shape[0] >= 224 and im.shape[1] >= 224:
                srcs.append(im)
    r = random.Random(seed)
    out = []
    for i in range(n):
        s = srcs[i % len(srcs)]
        y, x = r.randrange(s.shape[0] - 223), r.randrange(s.shape[1] - 223)
        out.append(s[y:y + 224, x:x + 224])
    return out


def embed(net, images, batch=32):
    feats = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            u = torch.from_numpy(np.stack(images[i:i + batch])).permute(0, 3, 1, 2).float()
            x = u.flip(1) - MEAN_BGR
            feats.append(net(x))  # relu(conv10) averaged: cnnviz's default layer, the class node's input
    return torch.cat(feats)


def fmnist_net():
    layers = []
    c = 1
    for i, out in enumerate([32, 64, 128]):
        layers += [torch.nn.Conv2d(c, out, 3, padding=1), torch.nn.BatchNorm2d(out), torch.nn.ReLU()]
        if i < 2:
            layers.append(torch.nn.MaxPool2d(2))
        c = out
    layers += [torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()]
    return torch.nn.Sequential(*layers).eval()


def fmnist_embed(net, path, batch=256):
    import gzip
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, 28, 28)
    feats = []
    with torch.no_grad():
        for i in range(0, n, batch):
            x = torch.from_numpy(images[i:i + batch].astype(np.float32) / 255.0)
            feats.append(net(x))
    return torch.cat(feats)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("what", choices=["crops", "fmnist", "tsne"])
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "..", "..", "..", "shared"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    times = []
    if a.what == "crops":
        net = load(os.path.join(a.shared, "models", "squeezenet1.1", "squeezenet1.1-imagenet.onnx"))
        imgs = crops(a.shared)
        embed(net, imgs[:64])
        for _ in range(a.reps):
            t0 = time.perf_counter()
            e = embed(net, imgs)
            times.append(time.perf_counter() - t0)
        print(f"# torch {torch.__version__}, {a.threads} threads, embeddings {tuple(e.shape)}")
        print(f"torch squeezenet crops 1000: min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
              f"{1000 / min(times):.0f} images/s")
    elif a.what == "fmnist":
        net = fmnist_net()
        path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
        fmnist_embed(net, path)
        for _ in range(a.reps):
            t0 = time.perf_counter()
            e = fmnist_embed(net, path)
            times.append(time.perf_counter() - t0)
        print(f"# torch {torch.__version__}, {a.threads} threads, embeddings {tuple(e.shape)}")
        print(f"torch fashion-mnist test 10000: min {min(times):.3f} s, median {statistics.median(times):.3f} s, "
              f"{10000 / min(times):.0f} images/s")
    else:
        from sklearn.manifold import TSNE
        import sklearn
        rng = np.random.default_rng(15)
        centres = rng.normal(size=(10, 128)) * 4
        x = (centres[rng.integers(0, 10, 10000)] + rng.normal(size=(10000, 128))).astype(np.float32)
        for _ in range(a.reps):
            t0 = time.perf_counter()
            TSNE(n_components=2, perplexity=30, method="barnes_hut", random_state=15, init="pca",
                 n_jobs=a.threads).fit_transform(x)
            times.append(time.perf_counter() - t0)
        print(f"# scikit-learn {sklearn.__version__}, {a.threads} jobs")
        print(f"sklearn tsne 10000x128: min {min(times):.1f} s, median {statistics.median(times):.1f} s")


if __name__ == "__main__":
    main()
