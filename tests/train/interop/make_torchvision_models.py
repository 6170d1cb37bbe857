#!/usr/bin/python3
"""torchvision models with random weights and randomized BatchNorm statistics, saved the
way users save them, with inputs and torchvision's logits for the interop tests.

usage: make_torchvision_models.py OUTDIR
writes, for resnet18 and densenet121 (torchvision's own 3x224x224 stem):
  NAME.pth               torch.save(model.state_dict())
  NAME.safetensors       the same tensors as safetensors (written here: Debian has no
                         safetensors package)
  NAME_io.pth            {"input": 2x3x224x224, "logits": torchvision's eval-mode logits}
"""
import json
import os
import struct
import sys

import torch
import torchvision


def randomize_batchnorm(model):
    # Fresh BatchNorm layers are the identity in eval mode, which would hide a
    # mis-mapped running_mean / running_var; make every statistic matter.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
            m.num_batches_tracked.fill_(123)


def save_safetensors(state, path):
    names = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name in ("resnet18", "densenet121"):
        model = getattr(torchvision.models, name)(num_classes=10)
        randomize_batchnorm(model)
        model.eval()
        x = torch.randn(2, 3, 224, 224)
        with torch.no_grad():
            logits = model(x)
        torch.save(model.state_dict(), os.path.join(out, name + ".pth"))
        save_safetensors(model.state_dict(), os.path.join(out, name + ".safetensors"))
        torch.save({"input": x, "logits": logits}, os.path.join(out, name + "_io.pth"))


if __name__ == "__main__":
    main(sys.argv[1])
