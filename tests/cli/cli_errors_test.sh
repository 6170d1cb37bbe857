#!/usr/bin/env bash
# Bad input to `ttq` gives one line on stderr and exit status 2; help gives 0.
set -u
TTQ="$1"
source "$(dirname "$0")/expect_exit.sh"

printf 'not a checkpoint' >"$tmp/bad.pt"
printf 'not a model file' >"$tmp/bad.ttq"
expect 0 "help" -- --help
expect 0 "train help" -- train --help
expect 2 "no subcommand" --
expect 2 "unknown flag" -- train --bogus
expect 2 "unknown subcommand" -- frobnicate
expect 2 "bad number" -- train --epochs zero
expect 2 "bad choice" -- train --opt rmsprop
expect 2 "no data path" -- train --output-dir "$tmp/o"
expect 2 "missing data" -- train --data-path "$tmp/nowhere" --output-dir "$tmp/o"
expect 2 "unknown dataset" -- train --dataset imagenet21k --data-path "$tmp" --output-dir "$tmp/o"
expect 2 "quantize without --from" -- quantize --data-path "$tmp"
expect 2 "corrupt checkpoint" -- eval "$tmp/bad.pt"
expect 2 "missing checkpoint" -- eval "$tmp/none.pt"
expect 2 "corrupt model file" -- info "$tmp/bad.ttq"
expect 2 "missing model file" -- run "$tmp/none.ttq" --data-path "$tmp"
printf 'not an onnx file' >"$tmp/bad.onnx"
expect 2 "corrupt onnx file" -- info "$tmp/bad.onnx"
expect 2 "int8 first conv into ONNX" -- export "$tmp/bad.ttq" -o "$tmp/x.onnx" --int8-first-conv
[ ! -e "$tmp/x.onnx" ] || { echo "FAIL: a refused export left $tmp/x.onnx"; fail=$((fail + 1)); }
expect 2 "unknown model" -- info --model resnet1000
expect 2 "bad input shape" -- info --model resnet20 --input 3x32
expect 0 "zoo info" -- info --model resnet20 --input 1x28x28
expect 0 "zoo list" -- info --list
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
