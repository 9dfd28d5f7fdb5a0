/**
 * Transfer learning (the tfjs-examples recipe): load a pretrained layers model, cut it at a named layer,
 * freeze it, put a new head on it and train; then unfreeze the top layers and fine-tune with a lower
 * learning rate. Also the small VGG-style network the project pretrains (`deno task pretrain`) and the
 * experiment that compares training from scratch, frozen base + new head and fine-tuning.
 *
 * Frozen BatchNorm layers run in inference mode (their moving statistics are used and not updated).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "./datasets/dataset.ts";
import { loadModel } from "./checkpoint.ts";
import { disposeModel, type History, train, type TrainOptions } from "./train.ts";
import { evaluate } from "./evaluate.ts";
import { ExerciseError, UNANSWERED_PREFIX } from "./exercises.ts";
import type { RandomAugmentOptions } from "./augment.ts";
import { plainText } from "./mime.ts";

/** Directory of the project's pretrained base (`deno task pretrain`): small VGG on Fashion-MNIST classes 0–4. */
export const PRETRAINED_BASE: string = new URL("../data/models/fashion_vgg_0_4", import.meta.url).pathname;

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

function allLayers(model: tf.LayersModel): tf.layers.Layer[] {
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
  if (!(model instanceof tf.LayersModel)) {
    throw new Error(`model debe ser un tf.LayersModel (recibido: ${typeof model}).`);
  }
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(layerName);
  } catch {
    throw new Error(
      `No hay ninguna capa "${layerName}" donde cortar. Capas: ${model.layers.map((l) => l.name).join(", ")}.`,
    );
  }
  const idx = model.layers.indexOf(layer);
  const base = tf.model({
    inputs: model.inputs,
    outputs: layer.output as tf.SymbolicTensor,
    name: `${model.name}_base`,
  });
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
      kernelInitializer: tf.initializers.heNormal({ seed }),
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
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
  }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: base.inputs, outputs: out, name: "transfer" });
}

/** Options for {@link transferExperiment}. */
export interface TransferExperimentOptions {
  /** Directory (or URL) of the pretrained model; default `data/models/fashion_vgg_0_4`. */
  pretrained?: string;
  /** Layer where the base is cut; default `block3_pool`. */
  cutLayer?: string;
  /** Units of the new head's hidden FC layer (0 = only the softmax layer); default 64. */
  headHidden?: number;
  /** How the new head turns the base's volume into a vector; default `flatten`. */
  headPooling?: "flatten" | "gap";
  /** Name prefix of the layers unfrozen for fine-tuning (the top block of the base); default `block3`. */
  fineTuneBlock?: string;
  /**
   * Epochs of the frozen-base phase; default 30 (with 100 images an epoch is only a few steps, and a frozen
   * epoch costs a fraction of a full one).
   */
  epochs?: number;
  /** Extra epochs of fine-tuning after the frozen phase; default 10. */
  fineTuneEpochs?: number;
  /** Epochs from scratch; default `epochs + fineTuneEpochs` (the same total as fine-tuning). */
  scratchEpochs?: number;
  /** Learning rate of scratch and frozen training (Adam); default 3e-3. */
  lr?: number;
  /** Learning rate of fine-tuning (lower, so the pretrained weights move little); default `lr / 10`. */
  fineTuneLr?: number;
  /** Batch size; default 32. */
  batchSize?: number;
  /** Seed of initialisers, shuffling and augmentation: the same for every variant; default 0. */
  seed?: number;
  /**
   * Repeat the whole comparison with seeds `seed`, `seed + 1`, … and report mean accuracies (with so few
   * images one run is noisy); default 1. Histories are those of the first repeat.
   */
  repeats?: number;
  /** Which variants to run, in order; default all three. `scratch_aug` adds augmentation to scratch. */
  variants?: TransferVariant[];
  /** Augmentation used by `scratch_aug` (and by every variant when `augmentAll`). */
  augment?: TrainOptions["augment"];
  /** Use `augment` in every variant; default false. */
  augmentAll?: boolean;
  /** Live progress (see `TrainOptions.progress`); default `auto`. */
  progress?: TrainOptions["progress"];
}

/** A variant of the transfer experiment. */
export type TransferVariant = "scratch" | "scratch_aug" | "frozen" | "finetune";

/** One row of the experiment's results. */
export interface TransferRow {
  /** Variant id. */
  variant: TransferVariant;
  /** Spanish label for tables and plots. */
  label: string;
  /** Test accuracy (mean over the repeats). */
  accuracy: number;
  /** Test accuracy of each repeat. */
  accuracies?: number[];
  /** Trainable parameters during (the last phase of) training. */
  trainableParams: number;
  /** Epochs trained in total. */
  epochs: number;
  /** Seconds of training + evaluation (mean over the repeats). */
  seconds: number;
}

/** What {@link transferExperiment} returns; displays itself as a Markdown table. */
export interface TransferResults {
  /** One row per variant. */
  rows: TransferRow[];
  /** Training histories by label (for `trainingCurves`). */
  histories: Record<string, History>;
  /** Backend that ran the experiment. */
  backend: string;
  /** Training examples and test examples. */
  sizes: { train: number; test: number };
  /** Seeds of the repeats. */
  seeds: number[];
}

const LABELS: Record<TransferVariant, string> = {
  scratch: "desde cero",
  scratch_aug: "desde cero + augmentation",
  frozen: "base congelada + cabeza nueva",
  finetune: "fine-tuning del bloque superior",
};

/** Markdown table of a transfer experiment. */
export function transferMarkdown(r: TransferResults): string {
  return [
    `Entrenamiento con ${r.sizes.train} imágenes, test con ${r.sizes.test} · backend ${r.backend}` +
    (r.seeds.length > 1 ? ` · media de ${r.seeds.length} repeticiones (semillas ${r.seeds.join(", ")})` : ""),
    "",
    "| variante | accuracy (test) | parámetros entrenables | épocas | tiempo |",
    "|---|---:|---:|---:|---:|",
    ...r.rows.map((x) =>
      `| ${x.label} | ${(100 * x.accuracy).toFixed(1)} %${
        x.accuracies && x.accuracies.length > 1 ? ` (${x.accuracies.map((a) => (100 * a).toFixed(1)).join(" / ")})` : ""
      } | ${x.trainableParams.toLocaleString("es-ES")} | ${x.epochs} | ${x.seconds.toFixed(1)} s |`
    ),
  ].join("\n");
}

/** The data of {@link transferExperiment}. */
export interface TransferData {
  /** The small labelled training set. */
  train: Dataset;
  /** Held-out set of the same classes: the accuracy of the table. */
  test: Dataset;
  /** Set for the per-epoch validation curves (default `test`); a small one keeps epochs cheap. */
  validation?: Dataset;
}

/**
 * Compares, on the same small target set and with the same seeds: training the small VGG from scratch,
 * the pretrained base frozen with a new head, and fine-tuning its top block afterwards.
 */
export async function transferExperiment(
  data: TransferData,
  options: TransferExperimentOptions = {},
): Promise<TransferResults> {
  if (!data?.train?.images || !data?.test?.images) {
    throw new Error("data debe ser { train: Dataset, test: Dataset } (p. ej. de subset(loadFashionMnist(...))).");
  }
  const repeats = options.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new Error(`repeats debe ser un entero ≥ 1 (repeticiones con semillas distintas) y es ${repeats}.`);
  }
  const first = options.seed ?? 0;
  const runs: Array<{ rows: TransferRow[]; histories: Record<string, History> }> = [];
  const runId = `transfer-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  for (let r = 0; r < repeats; r++) runs.push(await runVariants(data, { ...options, seed: first + r }, runId));
  const rows = runs[0].rows.map((row, i) => {
    const accuracies = runs.map((run) => run.rows[i].accuracy);
    return {
      ...row,
      accuracy: accuracies.reduce((a, b) => a + b, 0) / repeats,
      accuracies,
      seconds: runs.reduce((a, run) => a + run.rows[i].seconds, 0) / repeats,
    };
  });
  const results: TransferResults = {
    rows,
    histories: runs[0].histories,
    backend: tf.getBackend(),
    sizes: { train: data.train.images.shape[0], test: data.test.images.shape[0] },
    seeds: runs.map((_, r) => first + r),
  };
  Object.defineProperty(results, Symbol.for("Jupyter.display"), {
    enumerable: false,
    value: () => ({ "text/markdown": transferMarkdown(results), "text/plain": plainText(transferMarkdown(results)) }),
  });
  return results;
}

/** One run of every variant with one seed. */
async function runVariants(
  data: TransferData,
  options: TransferExperimentOptions,
  runId: string,
): Promise<{ rows: TransferRow[]; histories: Record<string, History> }> {
  const classes = data.train.classNames.length;
  const pretrained = options.pretrained ?? PRETRAINED_BASE;
  const cutLayer = options.cutLayer ?? "block3_pool";
  const epochs = options.epochs ?? 30;
  const ftEpochs = options.fineTuneEpochs ?? 10;
  const scratchEpochs = options.scratchEpochs ?? epochs + ftEpochs;
  const seed = options.seed ?? 0;
  const variants = options.variants ?? ["scratch", "frozen", "finetune"];
  const tag = (variant: TransferVariant) => ({
    title: `${LABELS[variant]} (semilla ${seed})`,
    progressId: `${runId}-${variant}`,
  });
  const common: TrainOptions = {
    batchSize: options.batchSize ?? 32,
    seed,
    progress: options.progress,
    validationData: data.validation ?? data.test,
  };
  const rows: TransferRow[] = [];
  const histories: Record<string, History> = {};
  const inputShape = data.train.images.shape.slice(1) as [number, number, number];
  const lr = options.lr ?? 3e-3;
  // The frozen model, kept when fine-tuning follows, with its history and time.
  let kept: { model: tf.LayersModel; history: History; seconds: number } | undefined;

  const trainFrozen = async (augment: TrainOptions["augment"]) => {
    const t0 = performance.now();
    const full = await loadPretrained(pretrained);
    const base = cutAt(full, cutLayer);
    freeze(base);
    const model = addHead(base, { classes, seed, hidden: options.headHidden, pooling: options.headPooling });
    const history = await train(model, data.train, {
      ...common,
      epochs,
      lr,
      optimizer: "adam",
      augment,
      ...tag("frozen"),
    });
    return { model, history, seconds: (performance.now() - t0) / 1000 };
  };
  const record = async (variant: TransferVariant, model: tf.LayersModel, history: History, seconds: number) => {
    const ev = await evaluate(model, data.test, { topWrong: 0 });
    rows.push({
      variant,
      label: LABELS[variant],
      accuracy: ev.accuracy,
      trainableParams: countTrainableParams(model),
      epochs: history.epochs.length,
      seconds,
    });
    histories[LABELS[variant]] = history;
  };

  try {
    for (const [i, variant] of variants.entries()) {
      if (!(variant in LABELS)) {
        throw new Error(`variants contiene "${variant}": usa "scratch", "scratch_aug", "frozen" o "finetune".`);
      }
      const augment = variant === "scratch_aug" || options.augmentAll ? options.augment : undefined;
      if (variant === "scratch_aug" && !augment) {
        throw new Error(
          'La variante "scratch_aug" necesita options.augment (p. ej. (x, s) => randomAugment(x, { seed: s, … })).',
        );
      }
      const t0 = performance.now();
      if (variant === "scratch" || variant === "scratch_aug") {
        const model = smallVgg({ inputShape, classes, seed });
        try {
          const history = await train(model, data.train, {
            ...common,
            epochs: scratchEpochs,
            optimizer: "adam",
            lr,
            augment,
            ...tag(variant),
          });
          await record(variant, model, history, (performance.now() - t0) / 1000);
        } finally {
          disposeModel(model);
        }
      } else if (variant === "frozen") {
        const run = await trainFrozen(augment);
        await record(variant, run.model, run.history, (performance.now() - t0) / 1000);
        if (variants.slice(i + 1).includes("finetune")) kept = run;
        else disposeModel(run.model);
      } else {
        const run = kept ?? await trainFrozen(augment);
        kept = undefined;
        try {
          const t1 = performance.now();
          // Unfreeze the top block of the base and continue with a 10× lower learning rate (new optimizer).
          setTrainable(run.model, true, { match: options.fineTuneBlock ?? "block3" });
          const history = await train(run.model, data.train, {
            ...common,
            epochs: epochs + ftEpochs,
            history: run.history,
            optimizer: "adam",
            lr: options.fineTuneLr ?? lr / 10,
            augment,
            ...tag("finetune"),
          });
          await record(variant, run.model, history, run.seconds + (performance.now() - t1) / 1000);
        } finally {
          disposeModel(run.model);
        }
      }
    }
  } finally {
    if (kept) disposeModel(kept.model);
  }
  return { rows, histories };
}

// ---------------------------------------------------------------------------------------------------
// Checks for the lab (notebook 10): they throw an ExerciseError with a hint, never the answer.

function unansweredLab(task: string, example: string): never {
  throw new ExerciseError(
    `${UNANSWERED_PREFIX} (${task}): completa el TODO de la celda, p. ej. ${example}, y vuelve a ejecutarla.`,
  );
}

/**
 * Checks augmentation options for small grey clothing images (prints a confirmation or throws an
 * `ExerciseError` with a hint): at least one geometric transform, in ranges
 * that keep the garment recognisable (rotation ≤ 30°, translate/zoom/crop moderate), and no vertical flip.
 */
export function checkAugmentation(options: Omit<RandomAugmentOptions, "seed"> | undefined): void {
  const task = "augmentation";
  if (options === undefined) unansweredLab(task, "{ rotation: 10 }");
  if (typeof options !== "object" || options === null) {
    throw new ExerciseError(`Las opciones de augmentation deben ser un objeto { … }; se recibió ${typeof options}.`);
  }
  const o = options as Record<string, unknown>;
  const geometric = ["rotation", "translate", "zoom", "crop", "flip"].filter((k) => o[k] !== undefined && o[k] !== 0);
  if (geometric.length === 0) {
    throw new ExerciseError(
      "Sin transformaciones geométricas la red ve siempre la misma prenda en la misma posición. Pista: prueba " +
        "rotation, translate o zoom.",
    );
  }
  const limits: Array<[string, number, string]> = [
    ["rotation", 30, "grados"],
    ["translate", 0.25, "del tamaño"],
    ["zoom", 0.3, ""],
    ["brightness", 0.4, ""],
    ["contrast", 0.6, ""],
  ];
  for (const [k, max, unit] of limits) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v >= 0)) {
      throw new ExerciseError(`${k} debe ser un número ≥ 0; se recibió ${JSON.stringify(v)}.`);
    }
    if (v > max) {
      throw new ExerciseError(
        `${k} = ${v} es demasiado: con 28×28 píxeles la prenda deja de reconocerse y la etiqueta ya no describe la ` +
          `imagen. Pista: usa valores más pequeños${unit ? ` (en ${unit})` : ""}.`,
      );
    }
  }
  if (o.crop !== undefined && !(typeof o.crop === "number" && o.crop >= 0.6 && o.crop <= 1)) {
    throw new ExerciseError(
      `crop es la fracción del lado que se conserva: un valor entre 0.6 y 1 (se recibió ${o.crop}).`,
    );
  }
  if (o.flip === "vertical" || o.flip === "both") {
    throw new ExerciseError(
      "Un volteo vertical pone zapatos y bolsos boca abajo, algo que nunca aparece en los datos. Pista: el volteo " +
        "horizontal sí conserva la clase.",
    );
  }
  console.log(`✔ Augmentation razonable: ${geometric.join(", ")}.`);
}

function layerState(model: tf.LayersModel) {
  const withWeights = model.layers.filter((l) => l.weights.length > 0);
  const base = withWeights.filter((l) => l.name.startsWith("block"));
  const head = withWeights.filter((l) => !l.name.startsWith("block"));
  return { base, head };
}

/**
 * Checks the transfer model of the lab: pretrained `block…` layers frozen, a new head (trainable) with
 * `classes` outputs.
 */
export function checkFrozenModel(model: tf.LayersModel | undefined, classes = 5): void {
  const task = "base congelada";
  if (model === undefined) unansweredLab(task, "addHead(base, { classes: 5 })");
  if (!(model instanceof tf.LayersModel)) {
    throw new ExerciseError(`Se esperaba un modelo (tf.LayersModel); se recibió ${typeof model}.`);
  }
  const { base, head } = layerState(model);
  if (base.length === 0) {
    throw new ExerciseError(
      "El modelo no contiene las capas block… de la base preentrenada. Pista: usa cutAt(base, …).",
    );
  }
  const trainableBase = base.filter((l) => l.trainable).map((l) => l.name);
  if (trainableBase.length > 0) {
    throw new ExerciseError(
      `Hay capas de la base que se siguen entrenando (${trainableBase.join(", ")}): con tan pocas imágenes ` +
        "estropearían lo aprendido. Pista: congela la base antes de añadir la cabeza.",
    );
  }
  if (head.length === 0 || head.some((l) => !l.trainable)) {
    throw new ExerciseError("La cabeza nueva debe poder entrenarse. Pista: congela solo la base, no el modelo entero.");
  }
  const out = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (out !== classes) {
    throw new ExerciseError(
      `La salida tiene ${out} neuronas y la nueva tarea tiene otro número de clases. Pista: mira classNames.`,
    );
  }
  console.log(`✔ Base congelada (${base.length} capas) y cabeza nueva entrenable (${head.length} capas).`);
}

/** The learning rates compared by {@link checkFineTune}. */
export interface FineTuneAnswer {
  /** The learning rate chosen for fine-tuning (the learner's answer; `undefined` = not answered yet). */
  lr: number | undefined;
  /** The learning rate used with the frozen base. */
  frozenLr: number;
}

/**
 * Checks a fine-tuning setup: the top block (`block3…`) unfrozen, the lower blocks still frozen, and a
 * learning rate clearly lower than the one used with the frozen base.
 */
export function checkFineTune(model: tf.LayersModel | undefined, options: FineTuneAnswer): void {
  const { lr, frozenLr } = options;
  const task = "fine-tuning";
  if (model === undefined || lr === undefined) unansweredLab(task, 'setTrainable(modelo, true, { match: "…" })');
  const { base } = layerState(model);
  const top = base.filter((l) => l.name.startsWith("block3"));
  const lower = base.filter((l) => !l.name.startsWith("block3"));
  if (top.length === 0 || top.some((l) => !l.trainable)) {
    throw new ExerciseError(
      "El bloque superior de la base sigue congelado: así no hay fine-tuning. Pista: descongela las capas del último " +
        "bloque (las más cercanas a la cabeza).",
    );
  }
  if (lower.some((l) => l.trainable)) {
    throw new ExerciseError(
      "Has descongelado también bloques inferiores: con tan pocas imágenes conviene tocar solo el bloque superior. Pista: " +
        "filtra por el nombre del bloque.",
    );
  }
  if (typeof lr !== "number" || !(lr > 0)) {
    throw new ExerciseError(`El learning rate debe ser un número > 0; se recibió ${JSON.stringify(lr)}.`);
  }
  if (lr > frozenLr / 3) {
    throw new ExerciseError(
      "Ese learning rate es demasiado alto para ajustar pesos ya entrenados: los movería tanto que se perdería lo " +
        "aprendido. Pista: usa uno bastante menor que el de la fase con la base congelada.",
    );
  }
  console.log(`✔ Fine-tuning: ${top.map((l) => l.name).join(", ")} descongelado, lr ${Number(lr.toPrecision(3))}.`);
}
