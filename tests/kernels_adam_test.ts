/**
 * The fused wasm Adam update against TF.js' stock Adam on the cpu backend (the reference).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { type BackendName, initRuntime, useBackend } from "../lib/engine/runtime.ts";
import { ADAM_KERNEL, setFusedAdam, wasmAdamActive } from "../lib/engine/adam.ts";

await initRuntime({ quiet: true, backend: "cpu" });

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const SHAPES = [[5, 5, 1, 6], [6], [400, 120], [120], [10]];

/** Three Adam steps on fixed variables with fixed (step-dependent) gradients; returns the final values. */
async function adamSteps(backend: BackendName, steps = 3): Promise<Float32Array[]> {
  await useBackend(backend);
  const vars = SHAPES.map((s, i) =>
    tf.tidy(() => tf.variable(tf.tensor(values(s.reduce((a, b) => a * b, 1), 10 + i), s)))
  );
  const opt = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
  for (let t = 0; t < steps; t++) {
    const grads = tf.tidy(() =>
      vars.map((v, i) => ({
        name: v.name,
        // gradients of a changing scale, including exact zeros (dead units)
        tensor: tf.tensor(values(v.size, 100 * t + i).map((g, j) => (j % 7 === 0 ? 0 : g * (t + 1))), v.shape),
      }))
    );
    opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const out = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
  opt.dispose();
  tf.dispose(vars);
  return out;
}

function assertClose(ref: Float32Array[], got: Float32Array[], label: string, tol = 1e-5): void {
  ref.forEach((r, k) => {
    let diff = 0, scale = 0;
    for (let i = 0; i < r.length; i++) {
      diff = Math.max(diff, Math.abs(r[i] - got[k][i]));
      scale = Math.max(scale, Math.abs(r[i]));
    }
    assert.ok(diff / scale <= tol, `${label}[${k}]: relative error ${(diff / scale).toExponential(2)} > ${tol}`);
  });
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test("fused Adam is registered on wasm and used by AdamOptimizer", () => {
  assert.ok(tf.getKernel(ADAM_KERNEL, "wasm"), `${ADAM_KERNEL} is not registered`);
  assert.ok(wasmAdamActive());
});

Deno.test({
  name: "fused wasm Adam matches stock cpu Adam over three steps (and uses the fused kernel)",
  ...opts,
  fn: async () => {
    const ref = await adamSteps("cpu");
    await useBackend("wasm");
    const before = tf.memory().numTensors;
    let calls = 0;
    const kernel = tf.getKernel(ADAM_KERNEL, "wasm")!;
    tf.unregisterKernel(ADAM_KERNEL, "wasm");
    tf.registerKernel({ ...kernel, kernelFunc: (a) => (calls++, kernel.kernelFunc(a)) });
    try {
      assertClose(ref, await adamSteps("wasm"), "wasm fused Adam");
    } finally {
      tf.unregisterKernel(ADAM_KERNEL, "wasm");
      tf.registerKernel(kernel);
    }
    assert.equal(calls, 3 * SHAPES.length, "the fused kernel should run once per variable and step");
    assert.equal(tf.memory().numTensors, before, "Adam steps leaked tensors");
  },
});

Deno.test({
  name: "stock Adam still runs on wasm when the fused path is switched off",
  ...opts,
  fn: async () => {
    const ref = await adamSteps("cpu");
    setFusedAdam(false);
    try {
      assertClose(ref, await adamSteps("wasm"), "wasm stock Adam");
    } finally {
      setFusedAdam(true);
    }
    assert.ok(wasmAdamActive());
  },
});
