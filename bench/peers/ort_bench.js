#!/usr/bin/env node
// Times one ONNX model in ONNX Runtime (CPU) as a user who wants speed runs it
// (ort_session.js: all graph optimizations, sequential execution, intra-op threads):
// warm-up runs, then timed runs, the median reported. One JSON line on stdout.
//
//   node ort_bench.js MODEL.onnx --batch N --threads T [--iters 50] [--warmup 5]
//                     [--optimized-model PATH] [--in-ort]
//
// --in-ort also runs the model with ORT's profiler on (a second session) and reports
// the median of ORT's own "model_run" durations: the time inside the engine, without
// what the Node.js binding adds per call (a C/C++ caller would not pay that).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { openSession, sessionOptions, inputFeeds, ort, version } = require('./ort_session.js');

function fail(msg) {
  process.stderr.write(`ort_bench: error: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const a = { model: null, batch: 1, threads: 1, iters: 50, warmup: 5, optimized: null, inOrt: false };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) fail(`${k} needs a positive integer`);
      return v;
    };
    if (k === '--batch') a.batch = num();
    else if (k === '--threads') a.threads = num();
    else if (k === '--iters') a.iters = num();
    else if (k === '--warmup') a.warmup = num();
    else if (k === '--optimized-model') a.optimized = argv[++i];
    else if (k === '--in-ort') a.inOrt = true;
    else if (k.startsWith('-')) fail(`unknown option ${k}`);
    else if (a.model === null) a.model = k;
    else fail(`unexpected argument ${k}`);
  }
  if (!a.model) fail('usage: ort_bench.js MODEL.onnx --batch N --threads T [--iters N] [--warmup N]');
  if (!fs.existsSync(a.model)) fail(`no such file: ${a.model}`);
  return a;
}

// The input `ttq bench` feeds: the same deterministic pattern (speed does not depend on it).
function benchInput(n) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; ++i) x[i] = Number((BigInt(i) * 2654435761n) % 1000n) / 500 - 1;
  return x;
}

function median(v) {
  const s = [...v].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}

async function inputDims(session, batch) {
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  const shape = meta && meta.shape ? meta.shape : null;
  if (!shape || shape.length !== 4 || shape.slice(1).some((d) => typeof d !== 'number')) {
    fail('the model needs one input of shape [batch, C, H, W] with fixed C, H, W');
  }
  return [batch, shape[1], shape[2], shape[3]];
}

async function timeRuns(session, feeds, warmup, iters) {
  for (let i = 0; i < warmup; ++i) await session.run(feeds);
  const ms = [];
  for (let i = 0; i < iters; ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms;
}

// ORT's own duration of each run, from its profiler's trace (microseconds -> ms).
async function inOrtRuns(a, dims) {
  const prefix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ort-prof-')), 'run');
  const session = await ort.InferenceSession.create(a.model, {
    ...sessionOptions(a.threads),
    enableProfiling: true,
    profileFilePrefix: prefix,
  });
  const feeds = inputFeeds(session, benchInput(dims.reduce((p, q) => p * q, 1)), dims);
  await timeRuns(session, feeds, a.warmup, a.iters);
  await session.endProfiling();  // writes <prefix>_<timestamp>.json (the Node binding returns no name)
  const dir = path.dirname(prefix);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (files.length !== 1) fail(`expected one ONNX Runtime profile in ${dir}, found ${files.length}`);
  const events = JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => e.dur / 1000);
  return runs.slice(a.warmup);
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  let session;
  try {
    session = await openSession(a.model, a.threads, a.optimized);
  } catch (e) {
    fail(`ONNX Runtime cannot load ${a.model}: ${String(e.message || e).split('\n')[0]}`);
  }
  const dims = await inputDims(session, a.batch);
  const feeds = inputFeeds(session, benchInput(dims.reduce((p, q) => p * q, 1)), dims);
  const ms = await timeRuns(session, feeds, a.warmup, a.iters);
  const out = {
    engine: 'onnxruntime', version, model: a.model, batch: a.batch, threads: a.threads,
    iters: a.iters, warmup: a.warmup, ms: median(ms), ms_min: Math.min(...ms),
  };
  if (a.inOrt) {
    const inside = await inOrtRuns(a, dims);
    if (inside.length) out.ms_in_ort = median(inside);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => fail(String(e.message || e).split('\n')[0]));
