#!/usr/bin/env python3
"""Medians over several speed_matrix.sh runs (the README's speed table).

  speed_summary.py RUNS.jsonl [RUNS2.jsonl ...]

Every line is one `ttq bench --json` result; lines of the same (isa_cap, batch, threads)
from all files are one configuration. Prints one JSON object: per configuration the
median runtime and LibTorch times, the median speed-up and every run's speed-up (so
the spread is in the record, not only the middle).
"""
import json
import statistics
import sys


def main(paths):
    groups = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                if not line.strip():
                    continue
                d = json.loads(line)
                # Our kernels' level, and whether LibTorch was capped too (--isa avx2).
                level = d["isa"] if d["isa_cap"] == "native" else d["isa_cap"] + " (both capped)"
                key = "%s batch %d threads %d" % (level, d["batch"], d["threads"])
                groups.setdefault(key, []).append(d)
    out = {}
    for key, runs in groups.items():
        out[key] = {
            "runs": len(runs),
            "runtime_ms": round(statistics.median(r["runtime_ms"] for r in runs), 3),
            "libtorch_ms": round(statistics.median(r["libtorch_ms"] for r in runs), 3),
            "speedup_median": round(statistics.median(r["speedup"] for r in runs), 2),
            "speedups": [round(r["speedup"], 2) for r in runs],
            "kernel": runs[0]["kernel"],
        }
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: speed_summary.py RUNS.jsonl [RUNS2.jsonl ...]")
    main(sys.argv[1:])
