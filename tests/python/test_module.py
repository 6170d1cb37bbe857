"""The `ttq` Python module (src/python) on a trained Fashion-MNIST ResNet-20.

Run by ctest with PYTHONPATH at the module's folder; by hand:
    PYTHONPATH=build-rt/python /usr/bin/python3 tests/python/test_module.py
"""
import os
import shutil
import tempfile
import threading
import time
import unittest

import numpy as np

import fashion_mnist
import ttq

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "onnx", "data", "fashion-resnet20-ttq.ttq")
COUNT = 100


class Fixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        pixels, cls.labels = fashion_mnist.first_test_images(COUNT)
        cls.pixels = pixels[:, None]  # (N, 1, 28, 28)
        cls.model = ttq.Model(MODEL, threads=2)
        cls.images = fashion_mnist.normalize(cls.pixels, cls.model.input_mean, cls.model.input_std)
        cls.logits = cls.model(cls.images)


class Attributes(Fixture):
    def test_what_the_file_says(self):
        m = self.model
        self.assertEqual(m.input_shape, (1, 28, 28))
        self.assertEqual(m.num_classes, 10)
        self.assertEqual(m.precision, "fast")
        self.assertEqual(m.threads, 2)
        self.assertEqual(len(m.input_mean), 1)
        self.assertGreater(m.input_std[0], 0)
        self.assertIn("gemm[u8s8]", m.describe())
        self.assertIn("threads=2", repr(m))
        self.assertEqual(ttq.Model(os.fsencode(MODEL)).path, MODEL)  # bytes and PathLike paths too


class Logits(Fixture):
    def test_shape_dtype_and_accuracy(self):
        self.assertEqual(self.logits.shape, (COUNT, 10))
        self.assertEqual(self.logits.dtype, np.float32)
        # 88.4 % on the 10,000 test images (tests/onnx/data/README.md); a broken binding
        # (wrong layout, normalization, stride) falls to chance.
        accuracy = np.mean(self.logits.argmax(1) == self.labels)
        self.assertGreaterEqual(accuracy, 0.8)

    def test_threads_do_not_change_logits(self):
        one = ttq.Model(MODEL, threads=1)(self.images)
        np.testing.assert_array_equal(one, self.logits)

    def test_batch_of_one_gives_the_batch_rows(self):
        m = ttq.Model(MODEL, threads=1)
        for i in (0, 17, COUNT - 1):
            np.testing.assert_array_equal(m(self.images[i:i + 1])[0], self.logits[i])
            np.testing.assert_array_equal(m(self.images[i]), self.logits[i])  # one (C, H, W) image: (classes,)

    def test_conversions(self):
        m = self.model
        np.testing.assert_array_equal(m(self.images.astype(np.float64)), self.logits)
        nhwc = np.ascontiguousarray(self.images.transpose(0, 2, 3, 1))
        np.testing.assert_array_equal(m(nhwc.transpose(0, 3, 1, 2)), self.logits)  # not C-contiguous
        np.testing.assert_array_equal(m(self.images[::2]), self.logits[::2])  # strided batch
        self.assertEqual(m(self.images[:0]).shape, (0, 10))
        np.testing.assert_array_equal(m.run(self.images[:3].tolist()), self.logits[:3])

    def test_run_pixels_normalizes_as_documented(self):
        m = self.model
        nhwc = np.ascontiguousarray(self.pixels.transpose(0, 2, 3, 1))
        got = m.run_pixels(nhwc)
        # Model::run_pixels: (pixel / 255 - mean) / std in float32.
        want = m((self.pixels.astype(np.float32) / np.float32(255) - np.float32(m.input_mean[0]))
                 / np.float32(m.input_std[0]))
        np.testing.assert_array_equal(got, want)
        self.assertGreaterEqual(np.mean(got.argmax(1) == self.logits.argmax(1)), 0.97)
        np.testing.assert_array_equal(m.run_pixels(nhwc[5]), got[5])

    def test_fp32_reference(self):
        ref = ttq.Model(MODEL, precision="fp32_reference")
        self.assertEqual(ref.precision, "fp32_reference")
        self.assertEqual(ttq.Model(MODEL, precision="fp32-reference").precision, "fp32_reference")
        logits = ref(self.images)
        self.assertGreaterEqual(np.mean(logits.argmax(1) == self.labels), 0.8)
        self.assertGreaterEqual(np.mean(logits.argmax(1) == self.logits.argmax(1)), 0.95)
        self.assertFalse(np.array_equal(logits, self.logits))  # really the other path


def one_line(e):
    return "\n" not in str(e) and len(str(e)) > 0


class Errors(Fixture):
    def test_wrong_shape(self):
        for bad in (np.zeros((2, 28, 28), np.float32), np.zeros((2, 3, 28, 28), np.float32),
                    np.zeros((784,), np.float32), np.zeros((2, 1, 28, 28, 1), np.float32)):
            with self.assertRaises(ValueError) as c:
                self.model(bad)
            self.assertIsInstance(c.exception, ttq.ShapeError)
            self.assertTrue(one_line(c.exception), str(c.exception))
            self.assertIn("(N, 1, 28, 28)", str(c.exception))
            self.assertIn(str(bad.shape), str(c.exception))
        with self.assertRaises(ValueError):
            self.model.run_pixels(np.zeros((2, 28, 28), np.uint8))
        with self.assertRaises(ttq.ArgumentError) as c:
            self.model.run_pixels(np.zeros((2, 28, 28, 1), np.float32))  # floats are not pixels
        self.assertIn("uint8", str(c.exception))
        with self.assertRaises(ttq.ArgumentError):
            self.model("not an array")

    def test_bad_options(self):
        with self.assertRaises(ValueError) as c:
            ttq.Model(MODEL, precision="int4")
        self.assertIn("int4", str(c.exception))
        with self.assertRaises(ValueError):
            ttq.Model(MODEL, threads=0)

    def test_missing_file(self):
        path = os.path.join(tempfile.gettempdir(), "no-such-dir-ttq", "model.ttq")
        with self.assertRaises(ttq.FileError) as c:
            ttq.Model(path)
        e = c.exception
        self.assertIsInstance(e, OSError)
        self.assertIsInstance(e, ttq.Error)
        self.assertTrue(one_line(e), str(e))
        self.assertIn(path, str(e))
        self.assertTrue(e.hint)
        self.assertEqual(str(e), f"{e.message} ({e.hint})")

    def test_corrupt_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(MODEL, "rb") as f:
                data = f.read()
            cases = {"truncated.ttq": data[:len(data) // 2], "header-only.ttq": data[:64],
                     "empty.ttq": b"", "text.ttq": b"neither a checkpoint nor a model\n"}
            for name, content in cases.items():
                path = os.path.join(tmp, name)
                with open(path, "wb") as f:
                    f.write(content)
                with self.assertRaises(ttq.FormatError, msg=name) as c:
                    ttq.Model(path)
                self.assertTrue(one_line(c.exception), f"{name}: {c.exception!r}")
            shutil.copy(MODEL, os.path.join(tmp, "intact.ttq"))  # the copy itself loads
            ttq.Model(os.path.join(tmp, "intact.ttq"))


class Threads(Fixture):
    def test_gil_released_while_running(self):
        # One call long enough (~0.4 s) that the main thread, if the GIL is released,
        # runs through the middle third of it. Held, the main thread cannot take a single
        # step between the call's start and its end, so the test can fail.
        m = ttq.Model(MODEL, threads=1)
        m(self.images)  # warm: the arena grown, pages touched
        t0 = time.perf_counter()
        m(self.images)
        per_image = (time.perf_counter() - t0) / COUNT
        reps = int(np.clip(np.ceil(0.4 / per_image / COUNT), 1, 200))
        batch = np.tile(self.images, (reps, 1, 1, 1))
        span = {}

        def work():
            span["start"] = time.perf_counter()
            span["logits"] = m(batch)
            span["end"] = time.perf_counter()

        stamps, last = [], 0.0
        worker = threading.Thread(target=work)
        worker.start()
        while worker.is_alive():
            now = time.perf_counter()
            if now - last >= 1e-3:
                stamps.append(now)
                last = now
        worker.join()
        start, end = span["start"], span["end"]
        third = (end - start) / 3
        middle = [s for s in stamps if start + third <= s <= end - third]
        self.assertGreater(len(middle), 0,
                           f"the main thread never ran during a {end - start:.3f} s call: is the GIL held?")
        np.testing.assert_array_equal(span["logits"][:COUNT], self.logits)

    def test_one_model_from_two_threads(self):
        # Calls on one model take turns (the runtime's mutex): each still gets its own logits.
        m = ttq.Model(MODEL, threads=1)
        halves = [self.images[:COUNT // 2], self.images[COUNT // 2:]]
        results = [None, None]

        def work(k):
            for _ in range(5):
                out = m(halves[k])
                if results[k] is None or np.array_equal(out, results[k]):
                    results[k] = out
                else:
                    results[k] = "changed"

        workers = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        np.testing.assert_array_equal(np.concatenate(results), self.logits)


if __name__ == "__main__":
    unittest.main()
