#!/usr/bin/python3
"""Train a torchvision ResNet-18 on MNIST in PyTorch, the way a user would, for `ttq import`.

The network is torchvision's resnet18 with the small-input stem MNIST users give it (a 3x3
stride-1 first conv on one channel, no max pool), which is the ttq zoo's resnet18 at
1x28x28, so the saved state dict imports under torchvision's names as it is.

usage: train_mnist_resnet18.py MNIST_DIR OUT.pth [--steps 300] [--batch 64] [--threads N]
       train_mnist_resnet18.py MNIST_DIR WEIGHTS.pth --evaluate
MNIST_DIR holds the four raw IDX files (scripts/install-deps.sh puts them in data/mnist).
Prints the test top-1 of the trained model (all 10,000 test images). With --evaluate it
trains nothing: it loads WEIGHTS.pth (e.g. what `ttq export RUN -o W.pth` wrote) strictly
into the same network and prints its test top-1.
"""
import argparse
import os
import time

import numpy as np
import torch
import torchvision

MEAN, STD = 0.1307, 0.3081  # the normalization ttq uses for --dataset mnist


def idx(path, offset):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load(folder, split):
    images = idx(os.path.join(folder, f"{split}-images-idx3-ubyte"), 16).reshape(-1, 1, 28, 28)
    labels = idx(os.path.join(folder, f"{split}-labels-idx1-ubyte"), 8)
    x = (torch.from_numpy(images.astype(np.float32)) / 255 - MEAN) / STD
    return x, torch.from_numpy(labels.astype(np.int64))


def small_input_resnet18():
    m = torchvision.models.resnet18(num_classes=10)
    m.conv1 = torch.nn.Conv2d(1, 64, 3, 1, 1, bias=False)
    m.maxpool = torch.nn.Identity()
    return m


def test_top1(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for b in range(0, len(x), 500):
            correct += (model(x[b:b + 500]).argmax(1) == y[b:b + 500]).sum().item()
    return correct / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mnist_dir")
    p.add_argument("output")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--evaluate", action="store_true", help="only evaluate the weights in OUTPUT")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x_test, y_test = load(a.mnist_dir, "t10k")
    model = small_input_resnet18()
    if a.evaluate:
        model.load_state_dict(torch.load(a.output))
        print(f"test top-1 {100.0 * test_top1(model, x_test, y_test):.2f} % ({len(x_test)} images)")
        return
    x_train, y_train = load(a.mnist_dir, "train")
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.steps)
    model.train()
    start = time.time()
    order = torch.randperm(len(x_train))
    for step in range(a.steps):
        i = order[(step * a.batch) % len(order):][:a.batch]
        loss = torch.nn.functional.cross_entropy(model(x_train[i]), y_train[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == a.steps - 1:
            print(f"step {step + 1}/{a.steps}  loss {loss.item():.4f}  {time.time() - start:.0f} s", flush=True)

    print(f"test top-1 {100.0 * test_top1(model, x_test, y_test):.2f} % ({len(x_test)} images)")
    torch.save(model.state_dict(), a.output)
    print(f"saved {a.output}")


if __name__ == "__main__":
    main()
