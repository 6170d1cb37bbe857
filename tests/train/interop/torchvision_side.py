#!/usr/bin/python3
"""The PyTorch side of interop_cli_test.sh (Debian's python3-torch and torchvision).

  same-logits A B            torchvision resnet18(num_classes=10) loaded from A and from B
                             (.pth or .safetensors) gives identical logits
  small-resnet18 OUT.pth     a random ResNet-18 with the zoo's small-input stem (3x3 stride-1
                             first conv on 1 channel, no max pool), as an MNIST user writes it
  broken DIR SRC.pth         SRC with a key missing, with a key too many, and the pickled module
  fashion-top1 W.pth DATA N  top-1 (a fraction, as ttq eval prints it) of that small ResNet-18
                             with weights W on the first N Fashion-MNIST test images; fails
                             unless every conv but the first holds at most three values (a TTQ
                             export: -Wn, 0, +Wp)
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision

FASHION_MEAN, FASHION_STD = 0.2860, 0.3530  # ttq's normalization of fashion-mnist


def small_resnet18():
    m = torchvision.models.resnet18(num_classes=10)
    m.conv1 = torch.nn.Conv2d(1, 64, 3, 1, 1, bias=False)
    m.maxpool = torch.nn.Identity()
    return m


def load_weights(path):
    if not path.endswith(".safetensors"):
        return torch.load(path)
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header, data = json.loads(raw[8:8 + n]), raw[8 + n:]
    dtypes = {"F32": np.float32, "I64": np.int64}
    return {k: torch.from_numpy(np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]],
                                              dtype=dtypes[v["dtype"]]).reshape(v["shape"]).copy())
            for k, v in header.items() if k != "__metadata__"}


def same_logits(a, b):
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(3))
    out = []
    for path in (a, b):
        m = torchvision.models.resnet18(num_classes=10)
        m.load_state_dict(load_weights(path))  # strict: every name and shape
        m.eval()
        with torch.no_grad():
            out.append(m(x))
    diff = (out[0] - out[1]).abs().max().item()
    print(f"max |logit difference| {diff}")
    sys.exit(0 if diff == 0 else 1)


def broken(out, src):
    sd = torch.load(src)
    missing = dict(sd)
    del missing["layer3.0.downsample.1.running_mean"]
    torch.save(missing, os.path.join(out, "missing.pth"))
    extra = dict(sd)
    extra["head.weight"] = torch.zeros(3)
    torch.save(extra, os.path.join(out, "extra.pth"))
    torch.save(torchvision.models.resnet18(num_classes=10), os.path.join(out, "module.pth"))


def fashion_top1(weights, data, n):
    m = small_resnet18()
    sd = torch.load(weights)
    m.load_state_dict(sd)
    for name, w in sd.items():
        if name.endswith(".weight") and w.dim() == 4 and name != "conv1.weight":
            values = torch.unique(w).numel()
            if values > 3:
                sys.exit(f"{name} holds {values} distinct values, not a ternary layer")
    m.eval()
    with gzip.open(os.path.join(data, "t10k-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    with gzip.open(os.path.join(data, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    x = (torch.from_numpy(images.astype(np.float32)) / 255 - FASHION_MEAN) / FASHION_STD
    with torch.no_grad():
        pred = m(x).argmax(1).numpy()
    print(f"{(pred == labels).mean():.4f}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "same-logits":
        same_logits(*args)
    elif cmd == "small-resnet18":
        torch.manual_seed(5)
        torch.save(small_resnet18().state_dict(), args[0])
    elif cmd == "broken":
        broken(*args)
    elif cmd == "fashion-top1":
        fashion_top1(args[0], args[1], int(args[2]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
