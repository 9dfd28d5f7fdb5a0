/**
 * The real TF.js model of an architecture written in the lecture's notation.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { checkInteger, DimensionError, type Volume } from "./dimensions.ts";
import type { Architecture, DenseLayerSpec, LayerSpec } from "./notation.ts";
import { resolveArch, summarize } from "./architecture.ts";
import { kindOf } from "./layer_kinds.ts";
import { checkLayerName, checkOptions, describeValue } from "../engine/validate.ts";

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
  /** Model name (letters, digits, `_`, `-`, `.`; no spaces). Default: the architecture's name. */
  name?: string;
  /**
   * Initialiser of the CONV and FC kernels: `"glorotUniform"` (default, TF.js's and Keras's) or `"heNormal"`
   * (He et al. 2015, suited to ReLU networks trained from scratch).
   */
  initializer?: "glorotUniform" | "heNormal";
}

/** Stand-in for a seed of 0, which TF.js' random generators take as "no seed" (`seed || Math.random()`). */
const ZERO_SEED = 0x5eed;

/**
 * The seed to hand to a TF.js initializer or random op: `seed` itself, except 0, which TF.js would ignore
 * (the weights would come out different on every run) and becomes a fixed nonzero stand-in.
 */
export function tfSeed(seed: number): number {
  return seed === 0 ? ZERO_SEED : seed;
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
  checkBuildOptions(a, options);
  const opt = options ?? {};
  const layers = adjustedLayers(a.layers, opt);
  const resolved: Architecture = { ...a, layers };
  const rows = summarize(resolved, { input: opt.input }); // throws a DimensionError before building anything
  const input = rows[0].output;
  const seed = opt.seed;
  let k = 0;
  const initName = opt.initializer ?? "glorotUniform";
  const init = () => (seed === undefined ? initName : tf.initializers[initName]({ seed: tfSeed(seed + 101 * k++) }));
  const reg = () => (opt.l2 ? tf.regularizers.l2({ l2: opt.l2 }) : undefined);
  const model = tf.sequential({ name: opt.name ?? a.name.replace(/[^\w]/g, "_") });
  model.add(tf.layers.inputLayer({ inputShape: [input.height, input.width, input.depth], name: "input" }));
  layers.forEach((spec, i) => {
    const ctx = { name: rows[i + 1].name, index: i, flatInput: rows[i].flat, init, reg, seed, norm: opt.norm ?? "lrn" };
    for (const layer of kindOf(spec).toTf(spec, ctx)) model.add(layer);
  });
  return model;
}

/** The door of {@link buildModel}: known option keys, layer names TF.js accepts, ranges and enums. */
function checkBuildOptions(a: Architecture, options: BuildModelOptions): void {
  checkOptions("buildModel", options, {
    classes: true,
    input: true,
    dropout: true,
    l2: true,
    seed: true,
    norm: true,
    name: true,
    initializer: true,
  });
  const opt = options ?? {};
  checkLayerName("options.name", opt.name);
  a.layers.forEach((l, i) => checkLayerName(`capa ${i + 1}: name`, l.name));
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
  if (opt.initializer !== undefined && opt.initializer !== "glorotUniform" && opt.initializer !== "heNormal") {
    throw new DimensionError(
      `options.initializer debe ser "glorotUniform" o "heNormal"; se recibió ${describeValue(opt.initializer)}.`,
      { field: "options.initializer", value: opt.initializer },
    );
  }
  if (opt.norm !== undefined && opt.norm !== "lrn" && opt.norm !== "identity") {
    throw new DimensionError(`options.norm debe ser "lrn" o "identity"; se recibió ${describeValue(opt.norm)}.`, {
      field: "options.norm",
      value: opt.norm,
    });
  }
}

/** The layers with `options.classes` (units of the last FC layer) and `options.dropout` applied. */
function adjustedLayers(specs: readonly LayerSpec[], opt: BuildModelOptions): LayerSpec[] {
  let layers = [...specs];
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
  return layers;
}
