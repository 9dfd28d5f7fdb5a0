/**
 * Every kernel registered by lib/engine/kernels.ts, checked against the cpu backend's stock kernels
 * (the independent reference) on many shapes; plus one whole LeNet-5 training step. The same
 * comparisons run on webgpu when an adapter exists, and the conv-gradient kernels it registers on the
 * cpu backend are checked against the stock cpu ones.
 */
import { lenet5 } from "../bench/models.ts";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { type BackendName, initRuntime, useBackend, webgpuAdapter } from "../lib/engine/runtime.ts";
import { forcePool, setupPools } from "../lib/engine/pool.ts";
import {
  CPU_FAST_KERNELS,
  fastKernelFuncs,
  fastKernelsActive,
  registerFastKernels,
  restoreStockKernels,
  setFilterGradPath,
  setMaxPoolGradSimd,
  useDirect,
  WASM_FAST_KERNELS,
} from "../lib/engine/kernels.ts";
import { simdKernels } from "../lib/engine/simd.ts";

await initRuntime({ quiet: true, backend: "cpu" });
// The reference is TF.js' own cpu code: the fast cpu kernels (same identities as on wasm) are switched
// off here and checked in their own test below.
const cpuFast = fastKernelsActive("cpu");
restoreStockKernels("cpu");

const TOL = 1e-4;

/** Deterministic values in [-1, 1) (LCG), optionally quantised to produce exact ties (max pooling). */
function values(n: number, seed: number, quantum = 0): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = s / 2 ** 31 - 1;
    out[i] = quantum ? Math.round(v / quantum) * quantum : v;
  }
  return out;
}

function rand(shape: number[], seed: number, quantum = 0): tf.Tensor {
  return tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed, quantum), shape);
}

/** Runs `f` on `backend` and returns its outputs as plain arrays (all tensors disposed). */
async function on(backend: BackendName, f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(list);
  return data;
}

/** Max |a − b| / max |a| over each output; a failing check names the case and the output. */
function assertClose(ref: Float32Array[], got: Float32Array[], label: string, tol = TOL): void {
  assert.equal(got.length, ref.length, `${label}: number of outputs`);
  ref.forEach((r, k) => {
    assert.equal(got[k].length, r.length, `${label}[${k}]: size`);
    let diff = 0, scale = 0;
    for (let i = 0; i < r.length; i++) {
      diff = Math.max(diff, Math.abs(r[i] - got[k][i]));
      scale = Math.max(scale, Math.abs(r[i]));
    }
    assert.ok(scale > 0, `${label}[${k}]: reference is all zeros (case too weak)`);
    assert.ok(diff / scale <= tol, `${label}[${k}]: relative error ${(diff / scale).toExponential(2)} > ${tol}`);
  });
}

async function compare(backend: BackendName, label: string, f: () => tf.Tensor | tf.Tensor[], tol = TOL) {
  assertClose(await on("cpu", f), await on(backend, f), `${backend} ${label}`, tol);
}

type Pad = "same" | "valid" | number | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

/** Conv2D cases: 1×1, 3×3 same, 5×5 valid, 11×11/4, strides 2 and 3, rectangular, batch 1 and >1. */
const CONV_CASES: ConvCase[] = [
  { name: "1x1", x: [2, 5, 5, 3], f: [1, 1, 3, 4], strides: 1, pad: "valid" },
  { name: "3x3 same b1", x: [1, 8, 8, 3], f: [3, 3, 3, 5], strides: 1, pad: "same" },
  { name: "5x5 valid b3", x: [3, 12, 12, 2], f: [5, 5, 2, 4], strides: 1, pad: "valid" },
  { name: "11x11 s4 p0", x: [2, 27, 27, 3], f: [11, 11, 3, 4], strides: 4, pad: "valid" },
  { name: "3x3 s2 same", x: [2, 9, 9, 4], f: [3, 3, 4, 3], strides: 2, pad: "same" },
  { name: "3x3 s3 valid rect", x: [2, 11, 8, 2], f: [3, 3, 2, 3], strides: 3, pad: "valid" },
  { name: "rect filter 3x2 s[2,1]", x: [2, 7, 9, 3], f: [3, 2, 3, 2], strides: [2, 1], pad: "same" },
  { name: "5x5 s2 same", x: [2, 10, 10, 3], f: [5, 5, 3, 6], strides: 2, pad: "same" },
  { name: "1x1 s2", x: [2, 7, 7, 3], f: [1, 1, 3, 2], strides: 2, pad: "valid" },
  { name: "4x2 s[1,3] valid rect", x: [1, 9, 13, 2], f: [4, 2, 2, 3], strides: [1, 3], pad: "valid" },
  { name: "explicit pad", x: [2, 6, 7, 2], f: [3, 3, 2, 2], strides: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  // filter counts that are multiples of 4 (the direct SIMD kernel on wasm, see DIRECT_MAX_ROWS): strides,
  // explicit and "same" padding, rectangular filters, a layer past the rule (forced direct in its own test)
  { name: "3x3 s2 same k8", x: [2, 9, 9, 3], f: [3, 3, 3, 8], strides: 2, pad: "same" },
  { name: "rect 3x2 s[2,1] same k20", x: [2, 7, 9, 2], f: [3, 2, 2, 20], strides: [2, 1], pad: "same" },
  { name: "explicit pad k12", x: [2, 6, 7, 3], f: [3, 3, 3, 12], strides: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { name: "5x5 s3 valid k36", x: [3, 13, 11, 1], f: [5, 5, 1, 36], strides: 3, pad: "valid" },
  { name: "3x3 same c9 k16", x: [2, 6, 6, 9], f: [3, 3, 9, 16], strides: 1, pad: "same" },
  // more channels: by default these take the transposed-convolution path
  { name: "3x3 same c6", x: [2, 8, 8, 6], f: [3, 3, 6, 4], strides: 1, pad: "same" },
  { name: "5x5 s2 valid c8", x: [2, 11, 11, 8], f: [5, 5, 8, 3], strides: 2, pad: "valid" },
  { name: "3x3 s[1,2] same c5", x: [1, 7, 9, 5], f: [3, 3, 5, 2], strides: [1, 2], pad: "same" },
];

interface DepthwiseCase {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: number | [number, number];
  pad: "same" | "valid";
}

/** Depthwise cases: multiplier 1 and 2, strides 1–3, rectangular inputs and filters, batch 1 and >1. */
const DEPTHWISE_CASES: DepthwiseCase[] = [
  { name: "3x3 same m1", x: [2, 8, 8, 3], f: [3, 3, 3, 1], strides: 1, pad: "same" },
  { name: "3x3 same m2 b1", x: [1, 8, 8, 3], f: [3, 3, 3, 2], strides: 1, pad: "same" },
  { name: "5x5 valid m1", x: [2, 11, 11, 2], f: [5, 5, 2, 1], strides: 1, pad: "valid" },
  { name: "3x3 s2 same m2", x: [2, 9, 9, 4], f: [3, 3, 4, 2], strides: 2, pad: "same" },
  { name: "rect 3x2 s3 valid m1", x: [2, 10, 7, 3], f: [3, 2, 3, 1], strides: 3, pad: "valid" },
  { name: "1x1 m2", x: [2, 5, 6, 2], f: [1, 1, 2, 2], strides: 1, pad: "valid" },
];

function convGrads(c: ConvCase) {
  return () => {
    const x = rand(c.x, 1) as tf.Tensor4D, f = rand(c.f, 2) as tf.Tensor4D;
    const y = tf.conv2d(x, f, c.strides, c.pad as "same");
    const dy = rand(y.shape, 3);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad as "same").mul(dy).sum()
    )([
      x,
      f,
    ]);
  };
}

function depthwiseGrads(c: DepthwiseCase) {
  return () => {
    const x = rand(c.x, 4) as tf.Tensor4D, f = rand(c.f, 5) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(x, f, c.strides, c.pad);
    const dy = rand(y.shape, 6);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad).mul(dy).sum()
    )([
      x,
      f,
    ]);
  };
}

/**
 * Pooling cases; the 2×2 stride-2 ones (the SIMD kernel on wasm) cover channels below 4, multiples of 4 and
 * not, odd heights and widths, batch 1 and > 1.
 */
const POOL_CASES: Array<{ name: string; x: number[]; size: number; strides: number; pad: "same" | "valid" }> = [
  { name: "2x2 s2", x: [2, 8, 10, 3], size: 2, strides: 2, pad: "valid" },
  { name: "2x2 s2 odd (cropped)", x: [1, 9, 7, 2], size: 2, strides: 2, pad: "valid" },
  { name: "2x2 s2 c1 odd width", x: [2, 6, 5, 1], size: 2, strides: 2, pad: "valid" },
  { name: "2x2 s2 c6 odd b3", x: [3, 7, 9, 6], size: 2, strides: 2, pad: "valid" },
  { name: "2x2 s2 c8", x: [2, 6, 8, 8], size: 2, strides: 2, pad: "valid" },
  { name: "2x2 s2 same even c16", x: [2, 4, 6, 16], size: 2, strides: 2, pad: "same" },
  { name: "3x3 s2 same (overlap)", x: [2, 9, 9, 3], size: 3, strides: 2, pad: "same" },
  { name: "3x3 s1 same", x: [1, 6, 5, 4], size: 3, strides: 1, pad: "same" },
];

/** The input gradient of max pooling; `quantum` quantises `x` (exact ties), `relu` zeroes its negatives. */
function poolGrad(c: typeof POOL_CASES[number], quantum: number, relu = false) {
  return () => {
    const q = rand(c.x, 7, quantum) as tf.Tensor4D; // quantised values: many exact ties
    const x = relu ? tf.relu(q) : q; // after a ReLU: windows of equal zeros
    const y = tf.maxPool(x, c.size, c.strides, c.pad);
    const dy = rand(y.shape, 8);
    return tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, c.size, c.strides, c.pad).mul(dy).sum())(x);
  };
}

function matMulCases(): Array<[string, () => tf.Tensor]> {
  const cases: Array<[string, () => tf.Tensor]> = [];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const a = ta ? [7, 5] : [5, 7], b = tb ? [3, 7] : [7, 3];
      cases.push([
        `matMul tA=${ta} tB=${tb}`,
        () => tf.matMul(rand(a, 9) as tf.Tensor2D, rand(b, 10) as tf.Tensor2D, ta, tb),
      ]);
      cases.push([
        `batched matMul tA=${ta} tB=${tb}`,
        () => tf.matMul(rand([2, ...a], 11) as tf.Tensor3D, rand([2, ...b], 12) as tf.Tensor3D, ta, tb),
      ]);
      cases.push([`fused matMul+bias+relu tA=${ta} tB=${tb}`, () =>
        tf.fused.matMul({
          a: rand(a, 13) as tf.Tensor2D,
          b: rand(b, 14) as tf.Tensor2D,
          transposeA: ta,
          transposeB: tb,
          bias: rand([3], 15),
          activation: "relu",
        })]);
    }
  }
  cases.push(["dense layer gradient", () => {
    const x = rand([6, 40], 16), w = rand([40, 12], 17);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b).square().sum())([x, w])[1];
  }]);
  return cases;
}

const SLICE_GATHER_CASES: Array<[string, () => tf.Tensor]> = [
  ["slice batch rows (contiguous)", () => rand([6, 4, 5, 2], 18).slice([2, 0, 0, 0], [3, 4, 5, 2])],
  ["slice 4D window (strided)", () => rand([3, 5, 6, 4], 19).slice([1, 1, 2, 1], [2, 3, 3, 2])],
  ["slice 2D columns", () => rand([5, 9], 20).slice([1, 3], [3, 4])],
  ["slice 5D", () => rand([2, 3, 4, 3, 2], 21).slice([1, 0, 1, 1, 0], [1, 3, 2, 2, 2])],
  ["slice int32", () => tf.range(0, 60, 1, "int32").reshape([6, 10]).slice([1, 2], [4, 5]).toFloat()],
  ["gather axis 0", () => tf.gather(rand([6, 3, 4], 22), tf.tensor1d([5, 0, 2, 2], "int32"), 0)],
  ["gather axis 1", () => tf.gather(rand([3, 5, 4], 23), tf.tensor1d([4, 1], "int32"), 1)],
  ["gather 2D indices", () => tf.gather(rand([5, 3], 24), tf.tensor2d([[1, 4], [0, 0]], [2, 2], "int32"), 0)],
];

/** Reductions: leading axes (bias gradients) take the fast path, the others the stock kernel. */
const SUM_CASES: Array<[string, () => tf.Tensor]> = [
  ["sum [N,H,W,C] over N,H,W (bias gradient)", () => rand([4, 6, 5, 3], 25).sum([0, 1, 2])],
  ["sum leading axes keepDims", () => rand([3, 4, 5], 26).sum([1, 0], true)],
  ["sum all axes", () => rand([3, 4, 5], 27).sum()],
  ["sum batch axis of a matrix", () => rand([7, 4], 28).sum(0)],
  ["sum inner axis (stock path)", () => rand([4, 6], 29).sum(1)],
  ["sum middle axis (stock path)", () => rand([3, 4, 5], 30).sum(1)],
  ["conv bias gradient", () => {
    const x = rand([2, 6, 6, 2], 31) as tf.Tensor4D, f = rand([3, 3, 2, 4], 32) as tf.Tensor4D, b = rand([4], 33);
    return tf.grad((bias: tf.Tensor) => tf.relu(tf.conv2d(x, f, 1, "same").add(bias)).sum())(b);
  }],
];

/** One SGD step of LeNet-5 from fixed weights on a fixed batch; returns the weight updates. */
async function lenetUpdates(backend: BackendName, initial: Float32Array[]): Promise<Float32Array[]> {
  await useBackend(backend);
  const model = lenet5();
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(initial[i], w.shape)));
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
  const x = rand([16, 28, 28, 1], 30).abs();
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => (i * 7) % 10), "int32"), 10).toFloat();
  await model.trainOnBatch(x, y);
  const after = await Promise.all(model.getWeights().map((w) => w.data() as Promise<Float32Array>));
  tf.dispose([x, y]);
  model.optimizer.dispose();
  model.dispose();
  return after.map((w, i) => w.map((v, j) => v - initial[i][j]));
}

// wasm runs threaded by default (one thread per core); every wasm kernel here is forced onto all threads,
// the strictest check of threaded results against the cpu reference (the per-kernel choice would run these
// small shapes on one thread).
await useBackend("wasm");
if (setupPools()) forcePool("all");

const BACKENDS: BackendName[] = ["wasm"];
if (await webgpuAdapter()) BACKENDS.push("webgpu");
else {console.log(
    "kernels_test: sin adaptador WebGPU — se omiten las comparaciones en webgpu (instala mesa-vulkan-drivers)",
  );}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test("wasm: every fast kernel is registered and is ours", () => {
  assert.ok(fastKernelsActive("wasm"));
  for (const name of WASM_FAST_KERNELS) {
    assert.equal(tf.getKernel(name, "wasm")?.kernelFunc, fastKernelFuncs[name], `${name} is not the registered kernel`);
  }
});

Deno.test("cpu: the runtime registered the fast conv gradients (restored to stock for this file)", () => {
  assert.ok(cpuFast, "initRuntime({backend: 'cpu'}) should register the fast cpu kernels");
  for (const name of CPU_FAST_KERNELS) {
    assert.notEqual(tf.getKernel(name, "cpu")?.kernelFunc, fastKernelFuncs[name], `${name}: reference is not stock`);
  }
});

Deno.test({
  name: "cpu: fast conv and depthwise gradients match the stock cpu kernels",
  ...opts,
  fn: async () => {
    const cases: Array<[string, () => tf.Tensor | tf.Tensor[]]> = [
      ...CONV_CASES.filter((_, i) => i % 2 === 0).map((c) =>
        [`conv2d ${c.name}`, convGrads(c)] as [string, () => tf.Tensor[]]
      ),
      ...DEPTHWISE_CASES.filter((_, i) => i % 2 === 1).map((c) =>
        [`depthwise ${c.name}`, depthwiseGrads(c)] as [string, () => tf.Tensor[]]
      ),
    ];
    for (const [label, f] of cases) {
      const ref = await on("cpu", f);
      registerFastKernels({ backend: "cpu" });
      try {
        assert.ok(fastKernelsActive("cpu"));
        assertClose(ref, await on("cpu", f), `cpu fast ${label}`);
      } finally {
        restoreStockKernels("cpu");
      }
    }
  },
});

for (const backend of BACKENDS) {
  Deno.test({
    name: `${backend}: Conv2D gradients (filter and input) match cpu on ${CONV_CASES.length} shapes`,
    ...opts,
    fn: async () => {
      for (const c of CONV_CASES) await compare(backend, `conv2d ${c.name}`, convGrads(c));
    },
  });

  if (backend === "wasm") {
    Deno.test({
      name: "wasm: both filter-gradient paths (direct SIMD kernel, transposed convolution) match cpu",
      ...opts,
      fn: async () => {
        const direct = CONV_CASES.filter((c) => c.f[3] % 4 === 0); // the kernel needs K a multiple of 4
        assert.ok(direct.length >= 8, `only ${direct.length} cases for the direct kernel`);
        for (const path of ["direct", "transposed-conv"] as const) {
          const previous = setFilterGradPath(path);
          try {
            for (const c of path === "direct" ? direct : CONV_CASES) {
              await compare(backend, `conv2d ${c.name} (${path})`, convGrads(c));
            }
          } finally {
            setFilterGradPath(previous);
          }
        }
      },
    });
    Deno.test({
      name: "wasm: the direct kernel is taken for few-channel layers (MiCNN's first), not for MiCNN's second",
      ...opts,
      fn: () => {
        const info = (x: [number, number, number, number], f: [number, number, number, number]) =>
          tf.backend_util.computeConv2DInfo(x, f, 1, 1, "same");
        assert.equal(useDirect(info([64, 28, 28, 1], [3, 3, 1, 16])), true);
        assert.equal(useDirect(info([64, 32, 32, 8], [3, 3, 8, 32])), true); // 72 rows: the limit
        assert.equal(useDirect(info([64, 14, 14, 16], [3, 3, 16, 32])), false);
        assert.equal(useDirect(info([64, 28, 28, 1], [5, 5, 1, 6])), false); // K = 6: not a multiple of 4
      },
    });
  }

  Deno.test({
    name: `${backend}: depthwise conv gradients match cpu on ${DEPTHWISE_CASES.length} shapes`,
    ...opts,
    fn: async () => {
      for (const c of DEPTHWISE_CASES) await compare(backend, `depthwise ${c.name}`, depthwiseGrads(c));
    },
  });

  Deno.test({
    name: `${backend}: MaxPoolGrad matches cpu (continuous values; exact ties on wasm)`,
    ...opts,
    fn: async () => {
      // on wasm, 2×2 stride-2 windows take the SIMD kernel, and again the JavaScript loop (its fallback)
      if (backend === "wasm") assert.ok(simdKernels(tf.findBackend("wasm")!), "SIMD kernels unavailable on wasm");
      for (const simd of backend === "wasm" ? [true, false] : [true]) {
        const previous = setMaxPoolGradSimd(simd);
        try {
          for (const c of POOL_CASES) {
            const label = `maxPoolGrad ${c.name}${simd ? "" : " (js)"}`;
            await compare(backend, label, poolGrad(c, 0));
            // Which of several equal maxima gets the gradient is each backend's choice (webgpu takes another);
            // the wasm kernel here follows cpu's rule (first maximum in row-major order).
            if (backend !== "wasm") continue;
            await compare(backend, `${label} ties`, poolGrad(c, 0.25));
            await compare(backend, `${label} ReLU zero ties`, poolGrad(c, 0.25, true));
          }
        } finally {
          setMaxPoolGradSimd(previous);
        }
      }
    },
  });

  Deno.test({
    name: `${backend}: matMul with transposed operands, fused and batched, matches cpu`,
    ...opts,
    fn: async () => {
      for (const [label, f] of matMulCases()) await compare(backend, label, f);
    },
  });

  Deno.test({
    name: `${backend}: slice and gather match cpu`,
    ...opts,
    fn: async () => {
      for (const [label, f] of SLICE_GATHER_CASES) await compare(backend, label, f, 0);
    },
  });

  Deno.test({
    name: `${backend}: sums (bias gradients and other reductions) match cpu`,
    ...opts,
    fn: async () => {
      for (const [label, f] of SUM_CASES) await compare(backend, label, f);
    },
  });

  Deno.test({
    name: `${backend}: one LeNet-5 SGD step gives the same weight updates as cpu`,
    ...opts,
    fn: async () => {
      await useBackend("cpu");
      const probe = lenet5();
      const initial = await Promise.all(probe.getWeights().map((w) => w.data() as Promise<Float32Array>));
      assert.equal(probe.countParams(), 61706);
      probe.dispose();
      const ref = await lenetUpdates("cpu", initial);
      const got = await lenetUpdates(backend, initial);
      assertClose(ref, got, `${backend} LeNet-5 updates`);
    },
  });
}

Deno.test({
  name: "wasm: dilated depthwise gradients match a reference built from forward convolutions",
  ...opts,
  fn: async () => {
    // The cpu backend ignores dilations in these two kernels, so the reference uses linearity instead:
    // dW[i] = Σ dy · conv(x, e_i) and dx[i] = Σ dy · conv(e_i, W), with e_i a one-hot tensor.
    const xShape = [1, 7, 7, 2], fShape = [3, 3, 2, 2], dyShape = [1, 3, 3, 4];
    const attrs = { strides: 1, pad: "valid", dilations: 2 };
    const fwd = (x: tf.Tensor, f: tf.Tensor) =>
      tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, "valid", "NHWC", 2);
    const byLinearity = (shape: number[], f: (e: tf.Tensor) => tf.Tensor) =>
      tf.tidy(() => {
        const n = shape.reduce((a, b) => a * b, 1);
        return tf.stack(Array.from({ length: n }, (_, i) => f(tf.oneHot(i, n).reshape(shape).toFloat()))).reshape(
          shape,
        );
      });
    const ref = await on("cpu", () => {
      const x = rand(xShape, 40), w = rand(fShape, 41), dy = rand(dyShape, 42);
      return [byLinearity(fShape, (e) => fwd(x, e).mul(dy).sum()), byLinearity(xShape, (e) => fwd(e, w).mul(dy).sum())];
    });
    const got = await on("wasm", () => {
      const x = rand(xShape, 40), w = rand(fShape, 41), dy = rand(dyShape, 42);
      return [
        tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, {
          ...attrs,
          filterShape: fShape,
        }) as tf.Tensor,
        tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter: w }, {
          ...attrs,
          inputShape: xShape,
        }) as tf.Tensor,
      ];
    });
    assertClose(ref, got, "wasm dilated depthwise");
  },
});

Deno.test({
  name: "wasm: gather rejects an out-of-range index",
  ...opts,
  fn: async () => {
    await useBackend("wasm");
    const x = tf.ones([3, 2]);
    const idx = tf.tensor1d([0, 3], "int32");
    assert.throws(() => tf.gather(x, idx), /index value 3/);
    tf.dispose([x, idx]);
  },
});

Deno.test({
  name: "wasm: fast kernels do not leak tensors across repeated calls",
  ...opts,
  fn: async () => {
    await useBackend("wasm");
    const run = () => {
      convGrads(CONV_CASES[4])();
      depthwiseGrads(DEPTHWISE_CASES[3])();
      poolGrad(POOL_CASES[0], 0)();
      poolGrad(POOL_CASES.find((c) => c.size === 3)!, 0)();
      for (const [, f] of matMulCases()) f();
      for (const [, f] of SLICE_GATHER_CASES) f();
      for (const [, f] of SUM_CASES) f();
    };
    tf.tidy(run);
    const before = tf.memory().numTensors;
    // deno-lint-ignore no-explicit-any
    const backendIds = () => (tf.backend() as any).numDataIds() as number;
    const idsBefore = backendIds();
    for (let i = 0; i < 3; i++) tf.tidy(run);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(backendIds(), idsBefore, "backend data ids leaked (an intermediate was not disposed)");
  },
});
