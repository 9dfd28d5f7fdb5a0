/**
 * The real TF.js model of an architecture written in the lecture's notation.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { checkInteger, describeValue, DimensionError, type Volume } from "./dimensions.ts";
import type { Architecture, DenseLayerSpec, LayerSpec } from "./notation.ts";
import { resolveArch, summarize } from "./architecture.ts";
import { LocalResponseNormalization } from "./lrn.ts";

/** Options for {@link buildModel}. */
export interface BuildModelOptions {
  /** Units of the last FC layer (the number of classes). Default: as described. */
  classes?: number;
  /** Replace the input volume (e.g. `{ width: 32, height: 32, depth: 3 }`); re-checked, may throw. */
  input?: Volume | string;
  /**
   * Dropout rate. Replaces the rate of every DROPOUT layer; when the description has none, a dropout
   * layer of this rate is added after each hidden FC layer (AlexNet's recipe: 0.5).
   */
  dropout?: number;
  /** L2 weight decay on every CONV and FC kernel (AlexNet: 5e-4). Default none. */
  l2?: number;
  /** Seed for the weight initialisers and dropout masks (reproducible models). */
  seed?: number;
  /**
   * What NORM becomes: `"lrn"` (default, {@link LocalResponseNormalization}) or `"identity"` (a linear
   * activation layer, for backends or exports without LRN). Both have 0 parameters.
   */
  norm?: "lrn" | "identity";
  /** Model name. Default: the architecture's name. */
  name?: string;
}

/**
 * Builds the TF.js model of an architecture (channels last: input `[height, width, depth]`). Each summary
 * row becomes the layer with the same name, whose output shape and `countParams()` equal the row's.
 * A numeric padding P becomes `"same"` when stride 1 and 2P = F − 1, otherwise an extra
 * `ZeroPadding2D` layer (`<name>_pad`) before a `"valid"` convolution; an FC layer after a volume gets a
 * `Flatten` (`<name>_flatten`) first. The model is not compiled.
 *
 * @example const model = buildModel(lenet5, { seed: 1 }); model.countParams() // 61706
 */
export function buildModel(arch: Architecture, options: BuildModelOptions = {}): tf.LayersModel {
  const a = resolveArch(arch);
  const opt = options ?? {};
  if (opt.classes !== undefined) checkInteger("options.classes (número de clases)", opt.classes);
  if (opt.dropout !== undefined && !(typeof opt.dropout === "number" && opt.dropout >= 0 && opt.dropout < 1)) {
    throw new DimensionError(
      `options.dropout debe estar en [0, 1), p. ej. 0.5; se recibió ${describeValue(opt.dropout)}.`,
      {
        field: "options.dropout",
        value: opt.dropout,
      },
    );
  }
  if (opt.l2 !== undefined && !(typeof opt.l2 === "number" && opt.l2 >= 0)) {
    throw new DimensionError(`options.l2 debe ser un número ≥ 0, p. ej. 5e-4; se recibió ${describeValue(opt.l2)}.`, {
      field: "options.l2",
      value: opt.l2,
    });
  }
  if (opt.norm !== undefined && opt.norm !== "lrn" && opt.norm !== "identity") {
    throw new DimensionError(`options.norm debe ser "lrn" o "identity"; se recibió ${describeValue(opt.norm)}.`, {
      field: "options.norm",
      value: opt.norm,
    });
  }
  let layers = [...a.layers];
  if (opt.classes !== undefined) {
    const lastDense = layers.map((l) => l.kind).lastIndexOf("dense");
    if (lastDense < 0) {
      throw new DimensionError("options.classes necesita una capa FC final, y esta arquitectura no tiene ninguna.", {
        field: "options.classes",
        value: opt.classes,
      });
    }
    layers[lastDense] = { ...(layers[lastDense] as DenseLayerSpec), units: opt.classes };
  }
  if (opt.dropout !== undefined) {
    if (layers.some((l) => l.kind === "dropout")) {
      layers = layers.map((l) => (l.kind === "dropout" ? { ...l, rate: opt.dropout as number } : l));
    } else {
      const lastDense = layers.map((l) => l.kind).lastIndexOf("dense");
      layers = layers.flatMap((l, i) =>
        l.kind === "dense" && i !== lastDense
          ? [l, { kind: "dropout", rate: opt.dropout as number, name: `${l.name}_dropout` } as LayerSpec]
          : [l]
      );
    }
  }
  const resolved: Architecture = { ...a, layers };
  const rows = summarize(resolved, { input: opt.input }); // throws a DimensionError before building anything
  const input = rows[0].output;
  const seed = opt.seed;
  let k = 0;
  const init = () => (seed === undefined ? "glorotUniform" : tf.initializers.glorotUniform({ seed: seed + 101 * k++ }));
  const reg = () => (opt.l2 ? tf.regularizers.l2({ l2: opt.l2 }) : undefined);
  const model = tf.sequential({ name: opt.name ?? a.name.replace(/[^\w]/g, "_") });
  model.add(tf.layers.inputLayer({ inputShape: [input.height, input.width, input.depth], name: "input" }));
  layers.forEach((spec, i) => {
    const row = rows[i + 1];
    const name = row.name;
    switch (spec.kind) {
      case "conv": {
        const f = spec.size;
        const s = spec.stride ?? 1;
        const p = spec.padding ?? 0;
        let padding: "same" | "valid" = "valid";
        if (p === "same" || (typeof p === "number" && p > 0 && s === 1 && 2 * p === f - 1)) padding = "same";
        else if (typeof p === "number" && p > 0) {
          model.add(tf.layers.zeroPadding2d({ padding: p, name: `${name}_pad` }));
        }
        model.add(tf.layers.conv2d({
          name,
          filters: spec.filters,
          kernelSize: f,
          strides: s,
          padding,
          activation: spec.activation ?? "relu",
          kernelInitializer: init(),
          kernelRegularizer: reg(),
        }));
        break;
      }
      case "pool": {
        const args = { name, poolSize: spec.size, strides: spec.stride ?? spec.size, padding: spec.padding ?? "valid" };
        model.add(spec.mode === "avg" ? tf.layers.averagePooling2d(args) : tf.layers.maxPooling2d(args));
        break;
      }
      case "dense":
        if (!rows[i].flat) model.add(tf.layers.flatten({ name: `${name}_flatten` }));
        model.add(tf.layers.dense({
          name,
          units: spec.units,
          activation: spec.activation ?? "relu",
          kernelInitializer: init(),
          kernelRegularizer: reg(),
        }));
        break;
      case "norm":
        model.add(
          opt.norm === "identity"
            ? tf.layers.activation({ activation: "linear", name })
            : new LocalResponseNormalization({ name }),
        );
        break;
      case "dropout":
        model.add(tf.layers.dropout({ rate: spec.rate, name, seed: seed === undefined ? undefined : seed + i }));
        break;
      case "flatten":
        model.add(tf.layers.flatten({ name }));
        break;
      case "gap":
        model.add(tf.layers.globalAveragePooling2d({ name }));
        break;
      case "activation":
        model.add(tf.layers.activation({ activation: spec.activation, name }));
        break;
    }
  });
  return model;
}
