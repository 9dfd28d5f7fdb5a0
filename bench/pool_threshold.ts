/**
 * `deno run -A bench/pool_threshold.ts [--threads N] [--rounds 15]`: for the kernels of the two benchmark
 * CNNs (forward convolutions, both convolution gradients, dense layers, pooling, element-wise), the time
 * of one call on all threads and on one thread, alternated in the same process (so machine load hits
 * both alike); median of `rounds`. One JSON line per kernel and size: work (multiply-adds or elements),
 * milliseconds with each pool and their ratio. `lib/engine/pool.ts` sets its thresholds from this.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initRuntime } from "../lib/engine/runtime.ts";
import { forcePool, kernelWork, setupPools } from "../lib/engine/pool.ts";
import { median } from "./bench.ts";

interface Case {
  name: string;
  kernel: string;
  inputs: Record<string, number[]>;
  attrs?: Record<string, unknown>;
}

const conv = (tag: string, x: number[], f: number[], pad: "same" | "valid"): Case[] => {
  const out = pad === "same" ? [x[0], x[1], x[2], f[3]] : [x[0], x[1] - f[0] + 1, x[2] - f[1] + 1, f[3]];
  const attrs = { strides: [1, 1], pad, dataFormat: "NHWC", dilations: [1, 1], dimRoundingMode: undefined };
  return [
    { name: `${tag} forward`, kernel: "Conv2D", inputs: { x, filter: f }, attrs },
    {
      name: `${tag} filter grad`,
      kernel: "Conv2DBackpropFilter",
      inputs: { x, dy: out },
      attrs: { ...attrs, filterShape: f },
    },
    {
      name: `${tag} input grad`,
      kernel: "Conv2DBackpropInput",
      inputs: { dy: out, filter: f },
      attrs: { ...attrs, inputShape: x },
    },
  ];
};

const SAME = { strides: [1, 1], pad: "same", dataFormat: "NHWC", dilations: [1, 1], dimRoundingMode: undefined };
const VALID = { ...SAME, pad: "valid" };
const MM = { transposeA: false, transposeB: false };

const CASES: Case[] = [
  ...conv("lenet conv1 b64", [64, 28, 28, 1], [5, 5, 1, 6], "same"),
  ...conv("lenet conv2 b64", [64, 14, 14, 6], [5, 5, 6, 16], "valid"),
  {
    name: "lenet conv1 b256 forward",
    kernel: "Conv2D",
    inputs: { x: [256, 28, 28, 1], filter: [5, 5, 1, 6] },
    attrs: SAME,
  },
  {
    name: "lenet conv2 b256 forward",
    kernel: "Conv2D",
    inputs: { x: [256, 14, 14, 6], filter: [5, 5, 6, 16] },
    attrs: VALID,
  },
  ...conv("vgg conv1 b8", [8, 32, 32, 3], [3, 3, 3, 32], "same"),
  ...conv("vgg conv1 b64", [64, 32, 32, 3], [3, 3, 3, 32], "same"),
  ...conv("vgg conv3 b8", [8, 16, 16, 32], [3, 3, 32, 64], "same"),
  ...conv("vgg conv3 b64", [64, 16, 16, 32], [3, 3, 32, 64], "same"),
  ...conv("vgg conv2 b64", [64, 32, 32, 32], [3, 3, 32, 32], "same"),
  { name: "lenet dense 400x120 b64", kernel: "BatchMatMul", inputs: { a: [1, 64, 400], b: [1, 400, 120] }, attrs: MM },
  {
    name: "lenet dense 400x120 b256",
    kernel: "BatchMatMul",
    inputs: { a: [1, 256, 400], b: [1, 400, 120] },
    attrs: MM,
  },
  { name: "vgg dense 4096x128 b64", kernel: "BatchMatMul", inputs: { a: [1, 64, 4096], b: [1, 4096, 128] }, attrs: MM },
  {
    name: "lenet maxpool b64",
    kernel: "MaxPool",
    inputs: { x: [64, 28, 28, 6] },
    attrs: { filterSize: 2, strides: 2, pad: "valid", dimRoundingMode: undefined },
  },
  {
    name: "vgg maxpool b64",
    kernel: "MaxPool",
    inputs: { x: [64, 32, 32, 32] },
    attrs: { filterSize: 2, strides: 2, pad: "valid", dimRoundingMode: undefined },
  },
  { name: "vgg add b64", kernel: "Add", inputs: { a: [64, 32, 32, 32], b: [64, 32, 32, 32] } },
  { name: "vgg relu b64", kernel: "Relu", inputs: { x: [64, 32, 32, 32] } },
];

function argValue(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

if (import.meta.main) {
  const threads = argValue("--threads", 2);
  const rounds = argValue("--rounds", 15);
  const runtime = await initRuntime({ backend: "wasm", threads, quiet: true });
  if (!setupPools()) throw new Error(`El backend wasm corre con ${runtime.threads} hilo(s): no hay nada que comparar.`);
  for (const c of CASES) {
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, s]) => [k, tf.randomUniform(s)]));
    const once = () => {
      const out = tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap) as tf.Tensor;
      out.dataSync();
      out.dispose();
    };
    const time = (choice: "all" | "one") => {
      forcePool(choice);
      const reps = 3;
      const t = performance.now();
      for (let r = 0; r < reps; r++) once();
      return (performance.now() - t) / reps;
    };
    time("all"), time("one"); // warm-up (XNNPACK operator creation, caches)
    const all: number[] = [], one: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2) all.push(time("all")), one.push(time("one"));
      else one.push(time("one")), all.push(time("all"));
    }
    forcePool(undefined);
    tf.dispose(Object.values(inputs));
    const [msAll, msOne] = [median(all), median(one)];
    console.log(JSON.stringify({
      case: c.name,
      kernel: c.kernel,
      work: kernelWork(c.kernel, inputs, c.attrs),
      threads: runtime.threads,
      ms_all: Math.round(msAll * 1000) / 1000,
      ms_one: Math.round(msOne * 1000) / 1000,
      all_over_one: Math.round(100 * msAll / msOne) / 100,
    }));
  }
}
