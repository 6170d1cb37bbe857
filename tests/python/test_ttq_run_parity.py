"""The `ttq` Python module against the `ttq run` command on 100 Fashion-MNIST test images.

`ttq run` prints no logits, but `--compare-reference` prints the RMS distance between
its fast and fp32-reference logits (report::LogitComparison). The same figures computed
here from the module's logits, in the same double-precision order, must agree to 1e-12:
one float32 ulp of difference in a single logit moves them by about 1e-8. Top-1 counts
must agree exactly. Needs TTQ_CLI (the `ttq` binary; ctest sets it); by hand:
    TTQ_CLI=build/src/cli/ttq PYTHONPATH=build-rt/python /usr/bin/python3 tests/python/test_ttq_run_parity.py
"""
import json
import math
import os
import subprocess
import unittest

import numpy as np

import fashion_mnist
import ttq

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "onnx", "data", "fashion-resnet20-ttq.ttq")
COUNT = 100
TTQ_CLI = os.environ.get("TTQ_CLI", "")


def ttq_run(*flags):
    args = [TTQ_CLI, "run", MODEL, "--dataset", "fashion-mnist", "--data-path", fashion_mnist.DATA,
            "--limit", str(COUNT), *flags]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def logit_comparison(got, want):
    """report::LogitComparison (src/report/logit_comparison.cpp), term by term in doubles."""
    same, squared, squared_scale_free = 0, 0.0, 0.0
    classes = got.shape[1]
    for g_row, w_row in zip(got.tolist(), want.tolist()):
        same += int(np.argmax(g_row) == np.argmax(w_row))
        mg, mw = 0.0, 0.0
        for c in range(classes):
            mg += g_row[c]
            mw += w_row[c]
        mg /= classes
        mw /= classes
        g = [v - mg for v in g_row]
        w = [v - mw for v in w_row]
        gw, ww = 0.0, 0.0
        for c in range(classes):
            gw += g[c] * w[c]
            ww += w[c] * w[c]
        factor = gw / ww if ww > 0 else 0.0
        for c in range(classes):
            squared += (g[c] - w[c]) * (g[c] - w[c])
            squared_scale_free += (g[c] - factor * w[c]) * (g[c] - factor * w[c])
    n = got.shape[0]
    return {"agreement": same / n, "logit_rms_error": math.sqrt(squared / (n * classes)),
            "logit_rms_error_scale_free": math.sqrt(squared_scale_free / (n * classes))}


@unittest.skipUnless(TTQ_CLI, "set TTQ_CLI to the ttq binary (built with TTQ_WITH_TORCH=ON)")
class SameAsTtqRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        pixels, cls.labels = fashion_mnist.first_test_images(COUNT)
        reference = ttq.Model(MODEL, precision="fp32_reference")
        cls.images = fashion_mnist.normalize(pixels[:, None], reference.input_mean, reference.input_std)
        cls.reference = reference(cls.images)

    def correct(self, logits):
        return int(np.sum(logits.argmax(1) == self.labels))

    def check_against_reference(self, cli, logits):
        self.assertEqual(cli["images"], COUNT)
        self.assertEqual(round(cli["top1"] * COUNT), self.correct(logits))
        mine = logit_comparison(logits, self.reference)
        for key, value in mine.items():
            self.assertTrue(math.isclose(value, cli["vs_reference"][key], rel_tol=1e-12, abs_tol=0.0),
                            f"{key}: module {value!r}, ttq run {cli['vs_reference'][key]!r}")

    def test_fast(self):
        cli = ttq_run("--threads", "1", "--compare-reference")
        self.assertEqual(cli["precision"], "fast")
        self.check_against_reference(cli, ttq.Model(MODEL, threads=2)(self.images))
        self.assertGreater(cli["vs_reference"]["logit_rms_error"], 0)  # the two paths do differ

    def test_max_weight_level(self):
        cli = ttq_run("--max-weight-level", "32", "--compare-reference")
        self.assertEqual(cli["max_weight_level"], 32)
        self.check_against_reference(cli, ttq.Model(MODEL, max_weight_level=32)(self.images))

    def test_fp32_reference(self):
        cli = ttq_run("--reference")
        self.assertEqual(cli["precision"], "fp32_reference")
        self.assertEqual(round(cli["top1"] * COUNT), self.correct(self.reference))


if __name__ == "__main__":
    unittest.main()
