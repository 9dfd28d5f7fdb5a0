/**
 * The small VGG-style network the project pretrains (`deno task pretrain`) as the base for transfer learning.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

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
 * A small VGG-style network (3×3 convolutions, 2×2 max pooling, depth growing while the size shrinks):
 * `block1` 2×CONV3-16 → POOL2, `block2` 2×CONV3-32 → POOL2, `block3` CONV3-64 → POOL2, then `flatten`,
 * `fc1` (64, ReLU), `dropout`, `predictions` (softmax) — about 72,000 parameters for 28×28×1 and 5 classes. Layer names are stable so a saved model can be
 * cut at `block3_pool` for transfer learning.
 */
export function smallVgg(options: SmallVggOptions = {}): tf.LayersModel {
  const [f1, f2, f3] = options.filters ?? [16, 32, 64];
  const classes = options.classes ?? 5;
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`classes debe ser un entero ≥ 2 y es ${classes}.`);
  const bn = options.batchNorm ?? false;
  let seed = options.seed ?? 0;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  const layers: tf.layers.Layer[] = [];
  const conv = (name: string, filters: number, first = false) => {
    layers.push(tf.layers.conv2d({
      name,
      filters,
      kernelSize: 3,
      padding: "same",
      useBias: !bn,
      kernelInitializer: init(),
      ...(first ? { inputShape: options.inputShape ?? [28, 28, 1] } : {}),
    }));
    if (bn) layers.push(tf.layers.batchNormalization({ name: `${name}_bn` }));
    layers.push(tf.layers.activation({ name: `${name}_relu`, activation: "relu" }));
  };
  conv("block1_conv1", f1, true);
  conv("block1_conv2", f1);
  layers.push(tf.layers.maxPooling2d({ name: "block1_pool", poolSize: 2 }));
  conv("block2_conv1", f2);
  conv("block2_conv2", f2);
  layers.push(tf.layers.maxPooling2d({ name: "block2_pool", poolSize: 2 }));
  conv("block3_conv1", f3);
  layers.push(tf.layers.maxPooling2d({ name: "block3_pool", poolSize: 2 }));
  layers.push(tf.layers.flatten({ name: "flatten" }));
  layers.push(
    tf.layers.dense({ name: "fc1", units: options.hidden ?? 64, activation: "relu", kernelInitializer: init() }),
  );
  layers.push(tf.layers.dropout({ name: "dropout", rate: options.dropout ?? 0.5 })); // masks seeded by train()
  layers.push(
    tf.layers.dense({ name: "predictions", units: classes, activation: "softmax", kernelInitializer: init() }),
  );
  return tf.sequential({ name: "small_vgg", layers });
}
