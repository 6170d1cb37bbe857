"""The `ttq` Python module against the `ttq run` command on 100 Fashion-MNIST test images.

`ttq run --logits F.npy` writes the runtime's logits; the module, given the same images
normalized the same way, must return the same logits bit for bit (the runtime's logits do
not depend on the batch split or the thread count), and the same top-1. Needs TTQ_CLI (the
`ttq` binary; ctest sets it); by hand:
    TTQ_CLI=build/src/cli/ttq PYTHONPATH=build/python /usr/bin/python3 tests/python/test_ttq_run_parity.py
"""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np

import fashion_mnist
import ttq

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "onnx", "data", "fashion-resnet20-ttq.ttq")
COUNT = 100
TTQ_CLI = os.environ.get("TTQ_CLI", "")


def ttq_run(*flags):
    """Runs `ttq run` on the first COUNT test images; returns its JSON and its logits."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "logits.npy")
        args = [TTQ_CLI, "run", MODEL, "--dataset", "fashion-mnist", "--data-path", fashion_mnist.DATA,
                "--limit", str(COUNT), "--logits", path, *flags]
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
        return json.loads(done.stdout), np.load(path)


@unittest.skipUnless(TTQ_CLI, "set TTQ_CLI to the ttq binary (built with TTQ_WITH_TORCH=ON)")
class SameAsTtqRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        pixels, cls.labels = fashion_mnist.first_test_images(COUNT)
        model = ttq.Model(MODEL)
        cls.images = fashion_mnist.normalize(pixels[:, None], model.input_mean, model.input_std)

    def check(self, cli_flags, **model_options):
        cli, cli_logits = ttq_run(*cli_flags)
        logits = ttq.Model(MODEL, **model_options)(self.images)
        self.assertEqual(cli["images"], COUNT)
        self.assertEqual(cli_logits.shape, (COUNT, 10))
        self.assertEqual(cli_logits.dtype, np.float32)
        diff = np.abs(logits - cli_logits).max()
        self.assertTrue(np.array_equal(logits, cli_logits), f"max |difference| {diff}")
        self.assertEqual(round(cli["top1"] * COUNT), int(np.sum(logits.argmax(1) == self.labels)))
        return cli

    def test_fast(self):
        # ttq run: 1 thread, batches of 64 and 36; the module: 2 threads, one batch of 100
        cli = self.check(["--threads", "1"], threads=2)
        self.assertEqual(cli["precision"], "fast")

    def test_max_weight_level(self):
        cli = self.check(["--max-weight-level", "32"], max_weight_level=32)
        self.assertEqual(cli["max_weight_level"], 32)

    def test_fp32_reference(self):
        cli = self.check(["--reference"], precision="fp32_reference")
        self.assertEqual(cli["precision"], "fp32_reference")


if __name__ == "__main__":
    unittest.main()
