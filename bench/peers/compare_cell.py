#!/usr/bin/env python3
"""One cell of compare.sh: the four engines' JSON lines -> one JSON line with the ratios.

ONNX Runtime is credited with the faster of its two times: the median measured around
each call from Node.js, and the median of its own profiler's "model_run" durations (the
engine without the binding's per-call cost, what a C/C++ caller would see).
"""
import json
import sys


def main():
    rnd, model_file, ttq_line, ort8_line, ort32_line, lt_line, ops = sys.argv[1:8]
    t, o8, o32, lt = (json.loads(x) for x in (ttq_line, ort8_line, ort32_line, lt_line))

    def ort_best(o):
        return min(o["ms"], o.get("ms_in_ort", o["ms"]))

    cell = {
        "round": int(rnd),
        "model_file": model_file,
        "model": t["model"],
        "batch": t["batch"],
        "threads": t["threads"],
        "ttq_ms": t["runtime_ms"],
        "ort_int8_ms": ort_best(o8),
        "ort_fp32_ms": ort_best(o32),
        "libtorch_ms": lt["libtorch_ms"],
        "ort_int8_ms_node_call": o8["ms"],
        "ort_int8_ms_in_engine": o8.get("ms_in_ort"),
        "ort_fp32_ms_node_call": o32["ms"],
        "ort_fp32_ms_in_engine": o32.get("ms_in_ort"),
        "cpu": t["cpu"],
        "kernel": t["kernel"],
        "isa": t["isa"],
        "onnxruntime": o8["version"],
        "libtorch_blas": lt.get("blas_core"),
        "ort_int8_optimized_ops": json.loads(ops),
    }
    for name, key in (("vs_ort_int8", "ort_int8_ms"), ("vs_ort_fp32", "ort_fp32_ms"), ("vs_libtorch", "libtorch_ms")):
        cell[name] = cell[key] / cell["ttq_ms"]
    print(json.dumps(cell))


if __name__ == "__main__":
    main()
