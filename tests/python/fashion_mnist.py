"""The first Fashion-MNIST test images (Debian's dataset-fashion-mnist), read with numpy.

normalize() is the float arithmetic of `ttq run` (src/data/transforms.cpp,
augment_and_normalize): pixel * (1 / (255 * std)) - mean / std, all in float32, so
the images it gives are bit for bit the ones `ttq run` feeds the runtime.
"""
import gzip
import os

import numpy as np

DATA = os.environ.get("TTQ_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


def _read_idx(name, magic):
    for path in (os.path.join(DATA, name), os.path.join(DATA, name + ".gz")):
        if os.path.exists(path):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            break
    else:
        raise FileNotFoundError(f"{name}(.gz) not in {DATA}: apt install dataset-fashion-mnist, "
                                "or set TTQ_FASHION_MNIST to the folder holding it")
    if int.from_bytes(data[:4], "big") != magic:
        raise ValueError(f"{name}: not an IDX file of magic {magic:#x}")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def first_test_images(count):
    """(pixels uint8 (count, 28, 28), labels int64 (count,)): the first `count` test images."""
    images = _read_idx("t10k-images-idx3-ubyte", 0x803)[:count]
    labels = _read_idx("t10k-labels-idx1-ubyte", 0x801)[:count].astype(np.int64)
    return images, labels


def normalize(pixels_nchw, mean, std):
    """uint8 (N, C, H, W) -> float32, per channel, exactly as `ttq run` does it."""
    out = np.empty(pixels_nchw.shape, np.float32)
    for c in range(pixels_nchw.shape[1]):
        scale = np.float32(1) / (np.float32(255) * np.float32(std[c]))
        shift = np.float32(mean[c]) / np.float32(std[c])
        out[:, c] = pixels_nchw[:, c].astype(np.float32) * scale - shift
    return out
