// An ONNX Runtime (CPU) session set up as a user who wants speed would set it up:
// every graph optimization on, sequential execution, intra-op threads as asked
// (inter-op threads unused in sequential mode), the memory arena and pattern on.
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

function sessionOptions(threads, optimizedModelPath) {
  const o = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
  };
  if (optimizedModelPath) o.optimizedModelFilePath = optimizedModelPath;
  return o;
}

async function openSession(modelPath, threads, optimizedModelPath) {
  return ort.InferenceSession.create(modelPath, sessionOptions(threads, optimizedModelPath));
}

// One float32 NCHW input tensor for the session's single input.
function inputFeeds(session, data, dims) {
  return { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
}

module.exports = { ort, sessionOptions, openSession, inputFeeds, version: ort.env.versions.common };
