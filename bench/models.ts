/**
 * The two benchmark networks, layer for layer the same as `shared/bench/peer_pytorch.py`
 * (channels last here, channels first there; identical parameter counts).
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { defineArchitecture } from "../lib/cnn/architecture.ts";
import type { Architecture } from "../lib/cnn/notation.ts";
import { buildModel } from "../lib/cnn/build.ts";
import { lenet5 as lenet5Spec } from "../lib/cnn/catalogue.ts";

/** A benchmark model: how to build it and the shape of one input sample `[height, width, channels]`. */
export interface BenchModel {
  /** Name used in the JSON lines (`lenet5`, `vggish`). */
  name: string;
  /** One sample's shape, channels last. */
  inputShape: [number, number, number];
  /** Number of random samples the protocol trains and infers on. */
  n: number;
  /** Builds a fresh, uncompiled model. */
  build: () => tf.LayersModel;
}

/** LeNet-5 on 28×28×1 (the catalogue's `lenet5`: CONV5-6/p2, POOL2, CONV5-16, POOL2, FC-120, FC-84, FC-10; 61,706 parameters). */
export function lenet5(): tf.LayersModel {
  return buildModel(lenet5Spec);
}

/** VGG-ish on 32×32×3: 2× conv 3×3×32 → pool → 2× conv 3×3×64 → pool → dense 128 → dropout 0.5 → 10. */
export const vggishSpec: Architecture = defineArchitecture("VGG-ish", {
  input: "32x32x3",
  layers: [
    "CONV3-32/p1",
    "CONV3-32/p1",
    "POOL2",
    "CONV3-64/p1",
    "CONV3-64/p1",
    "POOL2",
    "FC-128",
    "DROPOUT0.5",
    "FC-10",
  ],
  description: "Red del benchmark, igual capa a capa que la del par de PyTorch.",
});

/** Builds the {@link vggishSpec} model. */
export function vggish(): tf.LayersModel {
  return buildModel(vggishSpec);
}

/** The benchmark suite, in the peer's order and with its sample counts. */
export const BENCH_MODELS: BenchModel[] = [
  { name: "lenet5", inputShape: [28, 28, 1], n: 2048, build: lenet5 },
  { name: "vggish", inputShape: [32, 32, 3], n: 512, build: vggish },
];
