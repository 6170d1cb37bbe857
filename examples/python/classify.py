#!/usr/bin/env python3
"""Classify images with a ttq model file through the `ttq` Python module (docs/PYTHON.md).

    PYTHONPATH=build/python /usr/bin/python3 examples/python/classify.py MODEL.ttq IMAGES... \
        [--threads N] [--reference] [--labels FILE] [--limit N]

IMAGES: IDX image files as MNIST / Fashion-MNIST ship them (*-images-idx3-ubyte, .gz too;
the matching labels file beside it gives the accuracy), binary PGM / PPM (numpy only), or
any format Pillow reads (PNG, JPEG...) when python3-pil is installed. Images of another
size are resized (nearest neighbour); the model file's mean/std normalize them.
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np

import ttq


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def read_netpbm(path):
    """Binary PGM (P5) or PPM (P6), maxval 255: uint8 (H, W, C)."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 2
    while len(fields) < 3:  # width, height, maxval; '#' comments between them
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(int(data[pos:end]))
        pos = end
    w, h, maxval = fields
    if maxval != 255:
        raise ValueError(f"{path}: maxval {maxval}, only 8-bit (255) is read here")
    c = 1 if data[:2] == b"P5" else 3
    return np.frombuffer(data, np.uint8, count=w * h * c, offset=pos + 1).reshape(h, w, c)


def read_image(path):
    if open(path, "rb").read(2) in (b"P5", b"P6"):
        return read_netpbm(path)
    try:
        from PIL import Image
    except ImportError:
        raise ValueError(f"{path}: not IDX / PGM / PPM, and Pillow is not installed (apt install python3-pil)")
    return np.asarray(Image.open(path).convert("RGB"))


def fit(pixels, c, h, w):
    """uint8 (H, W, C') -> (h, w, c): nearest-neighbour resize, gray <-> RGB."""
    sh, sw = pixels.shape[:2]
    ys = np.minimum(((np.arange(h) + 0.5) * sh / h).astype(int), sh - 1)
    xs = np.minimum(((np.arange(w) + 0.5) * sw / w).astype(int), sw - 1)
    pixels = pixels[ys][:, xs]
    if pixels.shape[2] != c:
        pixels = pixels.mean(2, keepdims=True).round().astype(np.uint8) if c == 1 else np.repeat(pixels[:, :, :1], c, 2)
    return pixels


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model")
    p.add_argument("images", nargs="+")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reference", action="store_true", help="the fp32 reference path")
    p.add_argument("--labels", help="text file, one class name per line")
    p.add_argument("--limit", type=int, default=0, help="only the first N images of an IDX file")
    a = p.parse_args()
    try:
        model = ttq.Model(a.model, threads=a.threads, precision="fp32_reference" if a.reference else "fast")
        names = open(a.labels).read().splitlines() if a.labels else []
        c, h, w = model.input_shape
        for path in a.images:
            if "idx3-ubyte" in os.path.basename(path):
                pixels = read_idx(path)[:a.limit or None]
                pixels = pixels[..., None] if pixels.ndim == 3 else pixels
                if pixels.shape[1:] != (h, w, c):
                    pixels = np.stack([fit(px, c, h, w) for px in pixels])
                t0 = time.perf_counter()
                predicted = model.run_pixels(pixels).argmax(1)
                rate = len(pixels) / (time.perf_counter() - t0)
                print(f"{path}: {len(pixels)} images, {rate:,.0f} images/s")
                labels_path = path.replace("images-idx3", "labels-idx1")
                if os.path.exists(labels_path):
                    truth = read_idx(labels_path)[:len(pixels)]
                    print(f"  top-1 {np.mean(predicted == truth):.2%}")
                continue
            logits = model.run_pixels(fit(read_image(path), c, h, w)).astype(np.float64)
            prob = np.exp(logits - logits.max())
            prob /= prob.sum()
            k = int(prob.argmax())
            print(f"{path}: {names[k] if k < len(names) else f'class {k}'} ({prob[k]:.1%})")
    except (ttq.Error, OSError, ValueError) as e:  # one line, as the ttq command prints it
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
