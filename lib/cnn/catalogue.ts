/**
 * The architectures of the course, all in the lecture's notation: LeNet-5, AlexNet and VGG-16 from the lecture,
 * and the small VGG-style network the project pretrains as the base for transfer learning.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { buildModel } from "./build.ts";
import type { Architecture } from "./notation.ts";
import { defineArchitecture } from "./architecture.ts";
import { checkOptions } from "../engine/validate.ts";

/**
 * LeNet-5 as used in this course (and in the benchmark's PyTorch peer): 28×28×1 input, a padded first
 * convolution (5×5, padding 2, the classic 32×32 input in disguise), ReLU and max pooling:
 * 61,706 parameters.
 */
export const lenet5: Architecture = defineArchitecture("LeNet-5", {
  input: "28x28x1",
  layers: ["CONV5-6/p2", "POOL2", "CONV5-16", "POOL2", "FC-120", "FC-84", "FC-10"],
  description: "LeCun et al. 1998 (dígitos del servicio postal), con ReLU y max pooling; entrada 28×28×1.",
});

/**
 * AlexNet as listed in the lecture (single-GPU version, no groups): CONV1 96 11×11 s4 p0, POOL 3×3 s2,
 * NORM, CONV2 256 5×5 p2, POOL, NORM, CONV3/4 384 3×3 p1, CONV5 256 3×3 p1, POOL, FC6 4096, FC7 4096,
 * FC8 1000 — about 62 M parameters. The input is 227×227×3 (as in CS231n): on the paper's 224×224×3
 * CONV1 does not fit, since (224 − 11)/4 + 1 = 54.25. Dropout 0.5 before FC7 and FC8, as trained.
 */
export const alexnet: Architecture = defineArchitecture("AlexNet", {
  input: "227x227x3",
  layers: [
    "conv1:CONV11-96/s4/p0",
    "pool1:POOL3/s2",
    "norm1:NORM",
    "conv2:CONV5-256/p2",
    "pool2:POOL3/s2",
    "norm2:NORM",
    "conv3:CONV3-384/p1",
    "conv4:CONV3-384/p1",
    "conv5:CONV3-256/p1",
    "pool3:POOL3/s2",
    "fc6:FC-4096",
    "dropout6:DROPOUT0.5",
    "fc7:FC-4096",
    "dropout7:DROPOUT0.5",
    "fc8:FC-1000",
  ],
  description: "Krizhevsky, Sutskever y Hinton 2012, ganadora de ILSVRC 2012; entrada 227×227×3.",
});

/**
 * VGG-16 (configuration D of Simonyan & Zisserman 2014), as in the lecture's table: 13 CONV3 layers
 * (3×3, stride 1, padding 1), 5 POOL2 (2×2, stride 2) and 3 FC; 138,357,544 parameters.
 */
export const vgg16: Architecture = defineArchitecture("VGG-16", {
  input: "224x224x3",
  layers: [
    ...["CONV3-64/p1", "CONV3-64/p1", "POOL2"],
    ...["CONV3-128/p1", "CONV3-128/p1", "POOL2"],
    ...["CONV3-256/p1", "CONV3-256/p1", "CONV3-256/p1", "POOL2"],
    ...["CONV3-512/p1", "CONV3-512/p1", "CONV3-512/p1", "POOL2"],
    ...["CONV3-512/p1", "CONV3-512/p1", "CONV3-512/p1", "POOL2"],
    ...["FC-4096", "FC-4096", "FC-1000"],
  ],
  description: "Simonyan y Zisserman 2014 (configuración D); entrada 224×224×3.",
});

/** Options for {@link smallVgg}. */
export interface SmallVggOptions {
  /** Input `[height, width, channels]`; default `[28, 28, 1]`. */
  inputShape?: [number, number, number];
  /** Number of classes; default 5. */
  classes?: number;
  /** Filters of the three blocks; default `[16, 32, 64]`. */
  filters?: [number, number, number];
  /** Units of the hidden FC layer; default 64. */
  hidden?: number;
  /** Dropout before the last layer; default 0.5. */
  dropout?: number;
  /** BatchNorm after every convolution; default false (it halves the training speed on the wasm backend). */
  batchNorm?: boolean;
  /** Seed of the initialisers. */
  seed?: number;
}

/**
 * The small VGG-style network (3×3 convolutions, 2×2 max pooling, depth growing while the size shrinks) as an
 * architecture: `block1` 2×CONV3-16 → POOL2, `block2` 2×CONV3-32 → POOL2, `block3` CONV3-64 → POOL2, then
 * `flatten`, `fc1` (64, ReLU), `dropout`, `predictions` (softmax) — about 72,000 parameters for 28×28×1 and 5
 * classes. Each convolution is linear and followed by its own `_relu` layer (and, with `batchNorm`, a `_bn` layer
 * in between, the convolution then without bias). Layer names are stable so a saved model can be cut at
 * `block3_pool` for transfer learning.
 */
export function smallVggSpec(options: SmallVggOptions = {}): Architecture {
  checkOptions("smallVgg", options, {
    inputShape: true,
    classes: true,
    filters: true,
    hidden: true,
    dropout: true,
    batchNorm: true,
    seed: true,
  });
  const [f1, f2, f3] = options.filters ?? [16, 32, 64];
  const classes = options.classes ?? 5;
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`classes debe ser un entero ≥ 2 y es ${classes}.`);
  const bn = options.batchNorm ?? false;
  const [height, width, depth] = options.inputShape ?? [28, 28, 1];
  const conv = (name: string, filters: number) => [
    `${name}:CONV3-${filters}/same/linear${bn ? "/nobias" : ""}`,
    ...(bn ? [`${name}_bn:BN`] : []),
    `${name}_relu:RELU`,
  ];
  return defineArchitecture("small_vgg", {
    input: { width, height, depth },
    layers: [
      ...conv("block1_conv1", f1),
      ...conv("block1_conv2", f1),
      "block1_pool:POOL2",
      ...conv("block2_conv1", f2),
      ...conv("block2_conv2", f2),
      "block2_pool:POOL2",
      ...conv("block3_conv1", f3),
      "block3_pool:POOL2",
      "flatten:FLATTEN",
      `fc1:FC-${options.hidden ?? 64}`,
      `dropout:DROPOUT${options.dropout ?? 0.5}`,
      `predictions:FC-${classes}`,
    ],
    rounding: "floor", // 7×7 → POOL2 → 3×3, as TF.js does (the last row and column are dropped)
    description: "Red VGG pequeña del curso (base preentrenada con deno task pretrain).",
  });
}

/** Builds {@link smallVggSpec} with He-normal initial weights (seeded by `options.seed`, default 0). */
export function smallVgg(options: SmallVggOptions = {}): tf.LayersModel {
  return buildModel(smallVggSpec(options), { seed: options.seed ?? 0, initializer: "heNormal", name: "small_vgg" });
}
