#!/usr/bin/env python3
"""compare.sh's JSON lines -> one row per model, batch and threads: the median over rounds
of each engine's time and of each ratio, with the lowest and highest ratio to ONNX Runtime
int8 over the rounds. Prints a Markdown table; --json writes the rows as JSON lines.

  compare_summary.py OUT.jsonl [OUT2.jsonl ...] [--json SUMMARY.jsonl]
"""
import argparse
import json
import statistics


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+")
    p.add_argument("--json")
    a = p.parse_args()
    cells = {}
    for f in a.files:
        for line in open(f):
            if line.strip():
                d = json.loads(line)
                cells.setdefault((d["model_file"], d["batch"], d["threads"]), []).append(d)
    rows = []
    for (model, batch, threads), runs in sorted(cells.items()):
        med = lambda k: statistics.median(r[k] for r in runs)
        rows.append({
            "model_file": model, "model": runs[0]["model"], "batch": batch, "threads": threads, "rounds": len(runs),
            "ttq_ms": med("ttq_ms"), "ort_int8_ms": med("ort_int8_ms"), "ort_fp32_ms": med("ort_fp32_ms"),
            "libtorch_ms": med("libtorch_ms"), "vs_ort_int8": med("vs_ort_int8"),
            "vs_ort_int8_min": min(r["vs_ort_int8"] for r in runs), "vs_ort_int8_max": max(r["vs_ort_int8"] for r in runs),
            "vs_ort_fp32": med("vs_ort_fp32"), "vs_libtorch": med("vs_libtorch"),
            "cpu": runs[0]["cpu"], "kernel": runs[0]["kernel"], "onnxruntime": runs[0]["onnxruntime"],
        })
    print("| model | batch | threads | ttq | ORT int8 | ORT fp32 | LibTorch fp32 | vs ORT int8 | vs ORT fp32 | vs LibTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %d | %d | %.3f ms | %.3f ms | %.3f ms | %.3f ms | **%.2f×** (%.2f–%.2f) | %.2f× | %.2f× |" % (
            r["model_file"], r["batch"], r["threads"], r["ttq_ms"], r["ort_int8_ms"], r["ort_fp32_ms"], r["libtorch_ms"],
            r["vs_ort_int8"], r["vs_ort_int8_min"], r["vs_ort_int8_max"], r["vs_ort_fp32"], r["vs_libtorch"]))
    if a.json:
        with open(a.json, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
