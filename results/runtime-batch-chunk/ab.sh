#!/bin/bash
# Batch-chunk A/B (results/runtime-batch-chunk): whole batch (0) vs chunks of 16 images,
# alternated, 3 rounds. Run from the repository root with the torch-free build in
# build-kernels; F20 and M18 are exported ResNet-20 / ResNet-18 model files.
#   F20=f20.ttq M18=m18.ttq bash results/runtime-batch-chunk/ab.sh > ab.jsonl
B=${B:-build-kernels/bench/runtime/bench_runtime}
for r in 1 2 3; do
  for m in "$F20" "$M18"; do
    it=$([ "$m" = "$F20" ] && echo 30 || echo 15)
    for isa in amx_int8 avx2; do for t in 1 2; do for c in 0 16; do
      echo "{\"round\":$r,\"isa\":\"$isa\",\"result\":$(TTQ_ISA=$isa $B "$m" --batch 64 --threads $t --iters $it --batch-chunk $c)}"
    done; done; done
  done
done
