#!/usr/bin/env python3
"""Writes an ImageFolder of random RGB PNGs (train/ and val/, one folder per class).

The ImageNet-shape model of the speed comparison needs no real data: speed does
not depend on what the weights learned, so a short run on noise gives a valid
224x224 model file. Standard library only (zlib PNG writer).

  random_imagefolder.py OUT_DIR [--size 224] [--classes 10] [--per-class 8] [--seed 1]
"""
import argparse
import os
import random
import struct
import zlib


def png_bytes(width, height, rgb):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + rgb[y * width * 3:(y + 1) * width * 3] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--per-class", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    if a.size < 8 or a.classes < 2 or a.per_class < 1:
        p.error("need --size >= 8, --classes >= 2, --per-class >= 1")
    rng = random.Random(a.seed)
    for split in ("train", "val"):
        for c in range(a.classes):
            d = os.path.join(a.out, split, "class%02d" % c)
            os.makedirs(d, exist_ok=True)
            for i in range(a.per_class):
                # A per-class mean colour so the short run has something to learn.
                base = [(c * 37 + k * 91) % 256 for k in range(3)]
                px = bytes((base[j % 3] + rng.randrange(-64, 64)) % 256 for j in range(a.size * a.size * 3))
                with open(os.path.join(d, "img%03d.png" % i), "wb") as f:
                    f.write(png_bytes(a.size, a.size, px))
    print("wrote %s: %d classes x %d images per split, %dx%d RGB" % (a.out, a.classes, a.per_class, a.size, a.size))


if __name__ == "__main__":
    main()
