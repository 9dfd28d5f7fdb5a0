/**
 * `deno run -A bench/filter_grad.ts [--repeats 15]`: the two filter-gradient paths of
 * `lib/engine/kernels.ts` (the direct SIMD kernel, where the layer's filter count is a multiple of 4, and the
 * transposed convolution) timed on the convolution layers of the course's networks at batch 64, next to the
 * forward convolution of the same layer. One JSON line per layer: median milliseconds of each, and the path
 * the kit picks (`DIRECT_MAX_ROWS`). This is the measurement behind that rule.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initRuntime } from "../lib/engine/runtime.ts";
import { type FilterGradPath, setFilterGradPath, useDirect } from "../lib/engine/kernels.ts";
import { median } from "./bench.ts";

/** A convolution layer: input `[N, H, W, C]`, filter size, output channels, padding. */
interface Layer {
  name: string;
  x: [number, number, number, number];
  size: number;
  k: number;
  pad: "same" | "valid";
}

const LAYERS: Layer[] = [
  { name: "LeNet-5 conv1 (5×5, 1→6)", x: [64, 28, 28, 1], size: 5, k: 6, pad: "same" },
  { name: "LeNet-5 conv2 (5×5, 6→16)", x: [64, 14, 14, 6], size: 5, k: 16, pad: "valid" },
  { name: "MiCNN conv1 (3×3, 1→16)", x: [64, 28, 28, 1], size: 3, k: 16, pad: "same" },
  { name: "MiCNN conv2 (3×3, 16→32)", x: [64, 14, 14, 16], size: 3, k: 32, pad: "same" },
  { name: "VGG-ish conv1 (3×3, 3→32)", x: [64, 32, 32, 3], size: 3, k: 32, pad: "same" },
  { name: "VGG-ish conv2 (3×3, 32→32)", x: [64, 32, 32, 32], size: 3, k: 32, pad: "same" },
  { name: "VGG-ish conv3 (3×3, 32→64)", x: [64, 16, 16, 32], size: 3, k: 64, pad: "same" },
  { name: "3×3, 4→32 at 32×32", x: [64, 32, 32, 4], size: 3, k: 32, pad: "same" },
  { name: "3×3, 8→32 at 32×32", x: [64, 32, 32, 8], size: 3, k: 32, pad: "same" },
  { name: "3×3, 16→32 at 32×32", x: [64, 32, 32, 16], size: 3, k: 32, pad: "same" },
];

/**
 * Median milliseconds of `f` over `repeats` calls after a warm-up. `f` gets a fresh copy of `dy` on every call
 * (made outside the timing), as in training: XNNPACK caches the packed right operand of a matrix product by
 * tensor id, so timing the same `dy` again would time the product without the packing it pays every step.
 */
function timeMs(dy: tf.Tensor, f: (dy: tf.Tensor) => tf.Tensor, repeats: number): number {
  const once = (): number => {
    const fresh = tf.add(dy, 0);
    fresh.dataSync();
    const t = performance.now();
    const out = f(fresh);
    out.dataSync();
    const ms = performance.now() - t;
    tf.dispose([out, fresh]);
    return ms;
  };
  once(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(once());
  return Math.round(median(times) * 100) / 100;
}

if (import.meta.main) {
  const r = Deno.args.indexOf("--repeats");
  const repeats = r >= 0 ? Number(Deno.args[r + 1]) : 15;
  const runtime = await initRuntime({ quiet: true });
  for (const layer of LAYERS) {
    const [n, h, w, c] = layer.x;
    const x = tf.randomNormal(layer.x) as tf.Tensor4D;
    const filter = tf.randomNormal([layer.size, layer.size, c, layer.k]) as tf.Tensor4D;
    const y = tf.conv2d(x, filter, 1, layer.pad);
    const dy = tf.randomNormal(y.shape);
    const attrs = { strides: [1, 1], pad: layer.pad, dataFormat: "NHWC", filterShape: filter.shape };
    const grad = (g: tf.Tensor) => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: g }, attrs) as tf.Tensor;
    const withPath = (path: FilterGradPath) => {
      const previous = setFilterGradPath(path);
      try {
        return timeMs(dy, grad, repeats);
      } finally {
        setFilterGradPath(previous);
      }
    };
    const info = tf.backend_util.computeConv2DInfo(layer.x, filter.shape, 1, 1, layer.pad);
    console.log(JSON.stringify({
      layer: layer.name,
      backend: runtime.backend,
      threads: runtime.threads,
      batch: n,
      input: `${h}x${w}x${c}`,
      forward_ms: timeMs(dy, () => tf.conv2d(x, filter, 1, layer.pad), repeats),
      ...(layer.k % 4 === 0 ? { direct_ms: withPath("direct") } : {}),
      transposed_conv_ms: withPath("transposed-conv"),
      kit_path: useDirect(info) ? "direct" : "transposed-conv",
    }));
    tf.dispose([x, filter, y, dy]);
  }
}
