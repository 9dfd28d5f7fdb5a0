/**
 * Per-kernel thread choice (lib/engine/pool.ts): work sizes against hand-computed multiply-adds,
 * and the engine wrapper running a kernel on the pool its work calls for (checked from inside a probe
 * kernel). Results with threads against one thread: tests/kernels_wasm_threads_test.ts and, kernel by
 * kernel against the cpu reference, tests/kernels_test.ts (which runs on the default, threaded backend).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initRuntime } from "../lib/engine/runtime.ts";
import { activePoolThreads, installPoolChoice, kernelWork, POOL_MIN_WORK, usesAllThreads } from "../lib/engine/pool.ts";

const s = (shape: number[]) => ({ shape });
const SAME = { strides: 1, pad: "same" };

Deno.test("kernelWork: multiply-adds of convolutions and matrix products, elements otherwise", () => {
  // LeNet-5 conv1, batch 64: 64·28·28 positions × 6 filters × 5·5·1 taps.
  const f = [5, 5, 1, 6];
  assert.deepEqual(kernelWork("Conv2D", { x: s([64, 28, 28, 1]), filter: s(f) }, SAME), {
    macs: 64 * 28 * 28 * 6 * 25,
  });
  assert.deepEqual(kernelWork("FusedConv2D", { x: s([64, 28, 28, 1]), filter: s(f), bias: s([6]) }, SAME), {
    macs: 64 * 28 * 28 * 6 * 25,
  });
  // Valid padding and strides shrink the output: LeNet-5 conv2 gives 10×10, stride 2 gives 5×5.
  const x2 = s([64, 14, 14, 6]);
  assert.deepEqual(kernelWork("Conv2D", { x: x2, filter: s([5, 5, 6, 16]) }, { strides: 1, pad: "valid" }), {
    macs: 64 * 10 * 10 * 16 * 150,
  });
  assert.deepEqual(
    kernelWork("Conv2D", { x: s([64, 10, 10, 6]), filter: s([5, 5, 6, 16]) }, { strides: 2, pad: "same" }),
    {
      macs: 64 * 5 * 5 * 16 * 150,
    },
  );
  // Gradients: dy holds the output positions × channels.
  const dy = s([64, 10, 10, 16]);
  const f2 = [5, 5, 6, 16];
  assert.deepEqual(kernelWork("Conv2DBackpropFilter", { x: s([64, 14, 14, 6]), dy }, { filterShape: f2 }), {
    macs: 64 * 100 * 16 * 150,
  });
  assert.deepEqual(kernelWork("Conv2DBackpropInput", { dy, filter: s(f2) }, { inputShape: [64, 14, 14, 6] }), {
    macs: 64 * 100 * 16 * 150,
  });
  // Depthwise, multiplier 2: every output channel sees fh·fw taps.
  assert.deepEqual(kernelWork("DepthwiseConv2dNative", { x: s([8, 16, 16, 4]), filter: s([3, 3, 4, 2]) }, SAME), {
    macs: 8 * 16 * 16 * 8 * 9,
  });
  assert.deepEqual(
    kernelWork("BatchMatMul", { a: s([1, 64, 400]), b: s([1, 400, 120]) }, { transposeA: false, transposeB: false }),
    { macs: 64 * 400 * 120 },
  );
  assert.deepEqual(
    kernelWork("BatchMatMul", { a: s([1, 400, 64]), b: s([1, 120, 400]) }, { transposeA: true, transposeB: true }),
    { macs: 64 * 400 * 120 },
  );
  assert.deepEqual(kernelWork("MaxPool", { x: s([64, 28, 28, 6]) }), { elements: 64 * 28 * 28 * 6 });
  assert.equal(usesAllThreads({ macs: POOL_MIN_WORK.macs }), true);
  assert.equal(usesAllThreads({ macs: POOL_MIN_WORK.macs - 1 }), false);
});

Deno.test("installPoolChoice: each top-level wasm kernel runs on the pool its work calls for", async () => {
  const info = await initRuntime({ quiet: true, backend: "wasm" });
  if (info.threads < 2) {
    assert.equal(installPoolChoice(), false, "one thread: nothing to choose");
    return;
  }
  assert.equal(installPoolChoice(), true);
  const seen: number[] = [];
  tf.registerKernel({
    kernelName: "PoolProbe",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend }) => {
      seen.push(activePoolThreads());
      const x = inputs.x as tf.TensorInfo;
      (backend as tf.KernelBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  const saved = POOL_MIN_WORK.elements;
  POOL_MIN_WORK.elements = 1000;
  try {
    const small = tf.zeros([10]), large = tf.zeros([2000]);
    tf.dispose([tf.engine().runKernel("PoolProbe", { x: small }), tf.engine().runKernel("PoolProbe", { x: large })]);
    tf.dispose([small, large]);
  } finally {
    POOL_MIN_WORK.elements = saved;
    tf.unregisterKernel("PoolProbe", "wasm");
  }
  assert.deepEqual(seen, [1, info.threads]);
  assert.equal(activePoolThreads(), info.threads, "between kernels the backend keeps all its threads");
});
