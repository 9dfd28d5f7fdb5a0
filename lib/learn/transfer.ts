/**
 * Transfer learning (the tfjs-examples recipe): load a pretrained layers model, cut it at a named layer,
 * freeze it, put a new head on it and train; then unfreeze the top layers and fine-tune with a lower
 * learning rate. The experiment comparing the variants is in `course/transfer_experiment.ts`.
 *
 * Frozen BatchNorm layers run in inference mode (their moving statistics are used and not updated).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { loadModel } from "./checkpoint.ts";
import { findLayer, modelUpTo } from "../cnn/layers.ts";
import { tfSeed } from "../cnn/build.ts";
import { checkModel, checkOptions } from "../engine/validate.ts";

/** Directory of the project's pretrained base (`deno task pretrain`): small VGG on Fashion-MNIST classes 0–4. */
export const PRETRAINED_BASE: string = new URL("../../data/models/fashion_vgg_0_4", import.meta.url).pathname;
/**
 * Loads a pretrained layers model from a directory of this project (`data/models/<name>`, offline) or a
 * URL of a public TF.js layers model (`https://…/model.json`, needs network — e.g. MobileNet v1:
 * `https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json`).
 */
export async function loadPretrained(dirOrUrl: string): Promise<tf.LayersModel> {
  return await loadModel(dirOrUrl);
}

const PATCHED = Symbol.for("cnn-course.bnInferenceWhenFrozen");

/** Makes a BatchNorm layer run in inference mode whenever it is not trainable (Keras ≥ 2 behaviour). */
function patchBatchNorm(layer: tf.layers.Layer) {
  // deno-lint-ignore no-explicit-any
  const l = layer as any;
  if (l[PATCHED]) return;
  const call = l.call.bind(l);
  l.call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) =>
    call(inputs, l.trainable ? kwargs : { ...kwargs, training: false });
  l[PATCHED] = true;
}

/** Every layer of `model`, those of nested models included (in order). */
export function allLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const l of model.layers) {
    if (l instanceof tf.LayersModel) out.push(...allLayers(l));
    else out.push(l);
  }
  return out;
}

/** Options for {@link setTrainable}. */
export interface SetTrainableOptions {
  /** Only layers whose name matches (string: prefix; RegExp: test). Default all. */
  match?: string | RegExp;
}

/**
 * Freezes (`trainable = false`) or unfreezes layers of `model`; frozen BatchNorm layers switch to
 * inference mode. Returns the number of layers changed. After changing what is trainable, train with a
 * new optimizer (`train(model, data, { optimizer: "adam", lr })`).
 */
export function setTrainable(model: tf.LayersModel, trainable: boolean, options: SetTrainableOptions = {}): number {
  checkOptions("setTrainable", options, { match: true });
  if (!(model instanceof tf.LayersModel)) {
    throw new Error(`model debe ser un tf.LayersModel (recibido: ${typeof model}).`);
  }
  let changed = 0;
  for (const l of allLayers(model)) {
    const m = options.match;
    if (m !== undefined && !(typeof m === "string" ? l.name.startsWith(m) : m.test(l.name))) continue;
    if (l.getClassName() === "BatchNormalization") patchBatchNorm(l);
    if (l.trainable !== trainable) changed++;
    l.trainable = trainable;
  }
  return changed;
}

/** Freezes every layer of `model` (see {@link setTrainable}). */
export function freeze(model: tf.LayersModel): number {
  return setTrainable(model, false);
}

/**
 * Unfreezes the top `n` layers that have weights (counting from the output; BatchNorm layers travel
 * with their convolution and do not count). Returns the names of the unfrozen layers.
 */
export function unfreezeTop(model: tf.LayersModel, n: number): string[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`n debe ser un entero ≥ 0 (capas a descongelar) y es ${n}.`);
  const layers = allLayers(model);
  const names: string[] = [];
  let count = 0;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    if (l.weights.length === 0) continue;
    // A BatchNorm layer follows its convolution: it goes with the next counted layer (below it).
    const isBn = l.getClassName() === "BatchNormalization";
    if (isBn ? count >= n : ++count > n) break;
    if (isBn) patchBatchNorm(l);
    l.trainable = true;
    names.unshift(l.name);
  }
  return names;
}

/** Number of trainable parameters (what an optimizer updates). */
export function countTrainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((a, w) => a + w.shape.reduce((p: number, d) => p * (d ?? 1), 1), 0);
}

/**
 * The part of `model` from its input up to and including layer `layerName` (shares the same layers and
 * weights). The layers after the cut are disposed: `model` must not be used afterwards.
 */
export function cutAt(model: tf.LayersModel, layerName: string): tf.LayersModel {
  const layer = findLayer(model, layerName, { field: "la capa donde cortar" });
  const idx = model.layers.indexOf(layer);
  const base = modelUpTo(model, layer, `${model.name}_base`);
  for (const l of model.layers.slice(idx + 1)) l.dispose();
  return base;
}

/** Options for {@link addHead}. */
export interface HeadOptions {
  /** Number of classes of the new task. */
  classes: number;
  /** How the base's volume becomes a vector: `flatten` (default) or global average pooling (`gap`). */
  pooling?: "flatten" | "gap";
  /** Units of a hidden FC layer (0 = none); default 64. */
  hidden?: number;
  /** Dropout before the last layer; default 0.5. */
  dropout?: number;
  /** Seed of the initialisers (dropout masks are seeded per batch by `train`). */
  seed?: number;
}

/** Puts a new classifier head (flatten → FC + dropout → softmax) on a base model; returns the whole model. */
export function addHead(base: tf.LayersModel, options: HeadOptions): tf.LayersModel {
  checkModel("base", base);
  checkOptions("addHead", options, { classes: true, pooling: true, hidden: true, dropout: true, seed: true });
  if (!options || !Number.isInteger(options.classes) || options.classes < 2) {
    throw new Error(`options.classes debe ser un entero ≥ 2 (clases de la nueva tarea) y es ${options?.classes}.`);
  }
  const seed = options.seed ?? 0;
  let x = base.outputs[0];
  if (x.shape.length > 2) {
    x = (options.pooling === "gap"
      ? tf.layers.globalAveragePooling2d({ name: "head_gap" })
      : tf.layers.flatten({ name: "head_flatten" })).apply(x) as tf.SymbolicTensor;
  }
  const hidden = options.hidden ?? 64;
  if (hidden > 0) {
    x = tf.layers.dense({
      name: "head_fc",
      units: hidden,
      activation: "relu",
      kernelInitializer: tf.initializers.heNormal({ seed: tfSeed(seed) }),
    }).apply(x) as tf.SymbolicTensor;
  }
  if ((options.dropout ?? 0.5) > 0) {
    x = tf.layers.dropout({ name: "head_dropout", rate: options.dropout ?? 0.5 }).apply(
      x,
    ) as tf.SymbolicTensor;
  }
  const out = tf.layers.dense({
    name: "head_predictions",
    units: options.classes,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: tfSeed(seed + 2) }),
  }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: base.inputs, outputs: out, name: "transfer" });
}
