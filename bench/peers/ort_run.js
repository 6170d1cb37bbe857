#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (CPU, set up by ort_session.js) on raw inputs and
// writes its raw outputs: how the ONNX export tests (tests/onnx) compare ORT with ttq.
//
//   node ort_run.js MODEL.onnx INPUT.f32 N C H W OUT.f32 [--threads T] [--optimized-model PATH]
//
// INPUT.f32: N*C*H*W little-endian float32 values, NCHW, already normalized as the model
// takes them. OUT.f32: the model's first output (the logits), little-endian float32.
// --optimized-model: also save the graph ORT runs after its optimizations (e.g. to count
// its QLinearConv nodes). Bad arguments or a model ORT refuses: one line on stderr, exit 2.
'use strict';
const fs = require('fs');
const { openSession, inputFeeds } = require('./ort_session.js');

function fail(msg) {
  process.stderr.write(`ort_run: error: ${String(msg).split('\n')[0]}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const usage = 'usage: ort_run.js MODEL.onnx INPUT.f32 N C H W OUT.f32 [--threads T] [--optimized-model PATH]';
  const a = { positional: [], threads: 1, optimized: undefined };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    if (k === '--threads') {
      a.threads = Number(argv[++i]);
      if (!Number.isInteger(a.threads) || a.threads < 1) fail('--threads needs a positive integer');
    } else if (k === '--optimized-model') {
      a.optimized = argv[++i];
      if (!a.optimized) fail('--optimized-model needs a path');
    } else if (k.startsWith('--')) {
      fail(`unknown option ${k} (${usage})`);
    } else {
      a.positional.push(k);
    }
  }
  if (a.positional.length !== 7) fail(usage);
  const [model, input, n, c, h, w, output] = a.positional;
  const dims = [n, c, h, w].map(Number);
  if (!dims.every((d) => Number.isInteger(d) && d >= 1)) fail('N C H W must be positive integers');
  return { model, input, dims, output, threads: a.threads, optimized: a.optimized };
}

function readInput(path, dims) {
  let bytes;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    fail(`cannot read ${path}: ${e.message}`);
  }
  const want = dims.reduce((p, d) => p * d, 1);
  if (bytes.length !== want * 4) fail(`${path} holds ${bytes.length} bytes, not ${want} float32 values (${dims.join('x')})`);
  // A copy: the Buffer's bytes need not be 4-byte aligned.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(a.model)) fail(`no such file: ${a.model}`);
  const x = readInput(a.input, a.dims);
  let session;
  try {
    session = await openSession(a.model, a.threads, a.optimized);
  } catch (e) {
    fail(`ONNX Runtime cannot load ${a.model}: ${e.message}`);
  }
  const results = await session.run(inputFeeds(session, x, a.dims));
  const y = results[session.outputNames[0]];
  if (y.type !== 'float32') fail(`output ${session.outputNames[0]} is ${y.type}, not float32`);
  const tmp = `${a.output}.tmp.${process.pid}`;
  fs.writeFileSync(tmp, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  fs.renameSync(tmp, a.output);
}

main().catch((e) => fail(e && e.message ? e.message : e));
