#!/bin/bash
# A/B: br.base (HEAD 2c18366) vs br.new (task sizing per kernel), alternated.
cd "${1:-.}"  # a folder holding f20.ttq and the two bench_runtime builds br.base, br.new
for r in 1 2 3; do
 for isa in amx_int8 avx512_vnni avx2; do
  for t in 1 2; do
   for b in 1 64; do
    it=$([ $b = 1 ] && echo 3000 || echo 30)
    for v in base new; do
      echo "{\"round\":$r,\"isa\":\"$isa\",\"build\":\"$v\",\"result\":$(TTQ_ISA=$isa ./br.$v f20.ttq --batch $b --threads $t --iters $it)}"
    done
   done
  done
 done
done
