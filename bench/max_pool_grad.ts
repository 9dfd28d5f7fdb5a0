/**
 * `deno run -A bench/max_pool_grad.ts [--repeats 31]`: the 2×2/stride-2 `MaxPoolGrad` of
 * `lib/engine/kernels.ts` on the wasm backend, SIMD kernel (`simd_kernels.wat`) against the JavaScript loop,
 * on the pooling layers of the course's networks at batch 64. The two are alternated call by call (this
 * machine is shared: both see the same load). One JSON line per shape: median milliseconds of each, ns per
 * 2×2 window, and the speed-up.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initRuntime } from "../lib/engine/runtime.ts";
import { setMaxPoolGradSimd } from "../lib/engine/kernels.ts";
import { median } from "./bench.ts";

const SHAPES: Array<{ layer: string; x: [number, number, number, number] }> = [
  { layer: "LeNet-5 pool1", x: [64, 28, 28, 6] },
  { layer: "LeNet-5 pool2", x: [64, 10, 10, 16] },
  { layer: "MiCNN pool1", x: [64, 28, 28, 16] },
  { layer: "MiCNN pool2", x: [64, 14, 14, 32] },
  { layer: "VGG-ish pool1", x: [64, 32, 32, 32] },
  { layer: "VGG-ish pool2", x: [64, 16, 16, 64] },
];

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

if (import.meta.main) {
  const r = Deno.args.indexOf("--repeats");
  const repeats = r >= 0 ? Number(Deno.args[r + 1]) : 31;
  const runtime = await initRuntime({ quiet: true, backend: "wasm" });
  for (const { layer, x: shape } of SHAPES) {
    const input = tf.relu(tf.randomNormal(shape)) as tf.Tensor4D; // after ReLU: many zero ties, as in training
    const output = tf.maxPool(input, 2, 2, "valid");
    const dy = tf.randomNormal(output.shape);
    const grad = () =>
      tf.engine().runKernel("MaxPoolGrad", { dy, input, output }, {
        filterSize: [2, 2],
        strides: [2, 2],
        pad: "valid",
      }) as tf.Tensor;
    const times = { js: [] as number[], simd: [] as number[] };
    for (let i = -1; i < repeats; i++) { // i = −1: warm-up
      for (const path of ["js", "simd"] as const) {
        const previous = setMaxPoolGradSimd(path === "simd");
        try {
          const t = performance.now();
          const out = grad();
          const ms = performance.now() - t; // wasm kernels are synchronous
          out.dispose();
          if (i >= 0) times[path].push(ms);
        } finally {
          setMaxPoolGradSimd(previous);
        }
      }
    }
    const js = median(times.js), simd = median(times.simd);
    const windows = output.size;
    console.log(JSON.stringify({
      layer,
      backend: runtime.backend,
      threads: runtime.threads,
      input: shape.join("x"),
      js_ms: round(js, 3),
      simd_ms: round(simd, 3),
      js_ns_per_window: round(js * 1e6 / windows, 2),
      simd_ns_per_window: round(simd * 1e6 / windows, 2),
      speedup: round(js / simd, 1),
    }));
    tf.dispose([input, output, dy]);
  }
}
