#!/usr/bin/python3
"""Writes the torch.save fixtures of tests/format/state_dict_file_test.cpp.

Run with Debian's python3-torch (PyTorch 1.13):  /usr/bin/python3 make_torch_fixtures.py
Each <name>.pth comes with <name>.json: every tensor's dtype, shape and values as
torch.load reads them, which the C++ reader must reproduce exactly.
"""
import collections
import json
import os
import shutil
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
          torch.bool: "BOOL"}


def tiny_model():
    torch.manual_seed(7)
    m = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(), torch.nn.Linear(8, 3))
    m[1].running_mean.uniform_(-1, 1)
    m[1].running_var.uniform_(0.5, 2)
    m[1].num_batches_tracked.fill_(5)
    return m


def expected(state):
    return {k: {"dtype": DTYPES[v.dtype], "shape": list(v.shape),
                "values": [float(x) for x in v.detach().flatten().to(torch.float64).tolist()]}
            for k, v in state.items()}


def save(name, obj, state, **kwargs):
    torch.save(obj, os.path.join(HERE, name + ".pth"), **kwargs)
    if state is not None:
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump(expected(state), f, indent=0)


def main():
    m = tiny_model()
    sd = m.state_dict()  # an OrderedDict with a _metadata attribute
    save("state_dict", sd, sd)
    save("state_dict_protocol4", sd, sd, pickle_protocol=4)
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    m(torch.randn(2, 1, 4, 4)).sum().backward()
    opt.step()
    save("checkpoint", {"epoch": 3, "best_top1": 91.5, "state_dict": m.state_dict(), "optimizer": opt.state_dict(),
                        "args": {"lr": 0.1, "milestones": [30, 60], "name": "tiny"}}, m.state_dict())
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    views = collections.OrderedDict([
        ("transposed", base.t()),                 # non-contiguous, shares base's storage
        ("sliced", base[1:3, 2:5]),               # storage offset, row stride 6
        ("whole", base),
        ("expanded", torch.tensor([1.5, -2.0]).expand(3, 2)),  # stride 0
        ("half", torch.tensor([0.5, -1.25, 3.0], dtype=torch.float16)),
        ("bfloat", torch.tensor([1.0, -0.375], dtype=torch.bfloat16)),
        ("double", torch.tensor([[1e-3, 2.5]], dtype=torch.float64)),
        ("scalar", torch.tensor(42, dtype=torch.int64)),
        ("flags", torch.tensor([True, False, True])),
        ("bytes", torch.tensor([0, 7, 255], dtype=torch.uint8)),
        ("empty", torch.zeros(0, 3)),
    ])
    save("views", views, views)
    params = {"weight": torch.nn.Parameter(torch.tensor([[1.0, 2.0]])), "bias": torch.nn.Parameter(torch.tensor([0.5]))}
    save("parameters", params, params)
    save("whole_module", m, None)
    save("legacy", sd, None, _use_new_zipfile_serialization=False)
    # The same archive with deflated entries (zip tools may recompress; torch.save never does).
    with zipfile.ZipFile(os.path.join(HERE, "state_dict.pth")) as src, \
            zipfile.ZipFile(os.path.join(HERE, "state_dict_deflated.pth"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    shutil.copy(os.path.join(HERE, "state_dict.json"), os.path.join(HERE, "state_dict_deflated.json"))


if __name__ == "__main__":
    main()
