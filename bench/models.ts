/**
 * The two benchmark networks, layer for layer the same as `shared/bench/peer_pytorch.py`
 * (channels last here, channels first there; identical parameter counts).
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A benchmark model: how to build it and the shape of one input sample `[height, width, channels]`. */
export interface BenchModel {
  /** Name used in the JSON lines (`lenet5`, `vggish`). */
  name: string;
  /** One sample's shape, channels last. */
  inputShape: [number, number, number];
  /** Number of random samples the protocol trains and infers on. */
  n: number;
  /** Builds a fresh, uncompiled model. */
  build: () => tf.Sequential;
}

/** LeNet-5 on 28×28×1: conv 5×5×6 same → pool → conv 5×5×16 valid → pool → 120 → 84 → 10 (61,706 parameters). */
export function lenet5(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: "same", activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: "valid", activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: "relu" }),
      tf.layers.dense({ units: 84, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
}

/** VGG-ish on 32×32×3: 2× conv 3×3×32 → pool → 2× conv 3×3×64 → pool → dense 128 → dropout 0.5 → 10. */
export function vggish(): tf.Sequential {
  const conv = (filters: number, first = false) =>
    tf.layers.conv2d({
      ...(first ? { inputShape: [32, 32, 3] } : {}),
      filters,
      kernelSize: 3,
      padding: "same",
      activation: "relu",
    });
  return tf.sequential({
    layers: [
      conv(32, true),
      conv(32),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64),
      conv(64),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
}

/** The benchmark suite, in the peer's order and with its sample counts. */
export const BENCH_MODELS: BenchModel[] = [
  { name: "lenet5", inputShape: [28, 28, 1], n: 2048, build: lenet5 },
  { name: "vggish", inputShape: [32, 32, 3], n: 512, build: vggish },
];
