/**
 * `deno run -A bench/filter_grad.ts [--repeats 15]`: the two filter-gradient paths of
 * `lib/engine/kernels.ts` (im2col + one matrix product, and the transposed convolution) timed on the
 * convolution layers of the course's networks at batch 64, next to the forward convolution of the same
 * layer. One JSON line per layer: median milliseconds of each, and the path the kit picks
 * (`IM2COL_MAX_RATIO`). This is the measurement behind that rule.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initRuntime } from "../lib/engine/runtime.ts";
import { type FilterGradPath, setFilterGradPath, useIm2col } from "../lib/engine/kernels.ts";
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
];

function timeMs(f: () => tf.Tensor, repeats: number): number {
  f().dispose(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    const out = f();
    out.dataSync();
    times.push(performance.now() - t);
    out.dispose();
  }
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
    const grad = () => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, attrs) as tf.Tensor;
    const withPath = (path: FilterGradPath) => {
      const previous = setFilterGradPath(path);
      try {
        return timeMs(grad, repeats);
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
      forward_ms: timeMs(() => tf.conv2d(x, filter, 1, layer.pad), repeats),
      im2col_ms: withPath("im2col"),
      transposed_conv_ms: withPath("transposed-conv"),
      kit_path: useIm2col(info) ? "im2col" : "transposed-conv",
    }));
    tf.dispose([x, filter, y, dy]);
  }
}
