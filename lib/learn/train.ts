/**
 * Training with live progress: `train(model, data, options)` runs a seeded mini-batch loop on the active
 * backend, with the lecture's recipes one option away — SGD with momentum 0.9 or Adam, L2 weight decay
 * (5e-4 in AlexNet), "divide the learning rate by 10 when validation stops improving", early stopping,
 * on-the-fly augmentation — and returns a history that can be plotted and saved.
 *
 * The model must end in a softmax over the classes (loss: categorical cross-entropy). Dropout lives in the
 * model (`tf.layers.dropout`); it is active during training only.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset.ts";
import { seededRandom, shuffleInPlace } from "../data/random.ts";
import { type ProgressMode, TrainingProgress } from "../show/progress.ts";
import { saveCheckpoint } from "./checkpoint.ts";
import { predictBatches } from "./evaluate.ts";
import type { EpochLogs, History } from "./history.ts";
import { BATCH_AUGMENT_KEYS, randomAugment, type RandomAugmentOptions } from "../data/augment.ts";
import {
  checkDatasetFitsModel,
  checkModel,
  checkNumber,
  checkOneOf,
  checkOptionalNumber,
  checkOptions,
  checkWritableDir,
  InputError,
  type OptionKeys,
} from "../engine/validate.ts";
import { budgetedEpochs, gradingBudget } from "./grading.ts";
import { formatPercent, formatScientific } from "../engine/format.ts";
import { warnIfTestAsValidation } from "./validation.ts";
import { compileModel, getLearningRate, makeOptimizer, optimizerName, setLearningRate } from "./optimizer.ts";
import { runStoppable, type StoppableLoop } from "../engine/interrupt.ts";

/** Augmentation applied to every training batch: returns a new tensor, must not dispose its input. */
export type AugmentFn = (images: tf.Tensor4D, seed: number) => tf.Tensor4D;

/** Options of "divide the learning rate when validation stops improving" (AlexNet's recipe). */
export interface ReduceLrOptions {
  /** Multiplier applied to the learning rate; default 0.1 (÷10). */
  factor?: number;
  /** Epochs without improvement before reducing; default 2. */
  patience?: number;
  /** Lower bound of the learning rate; default 1e-6. */
  minLr?: number;
  /** Metric watched; default `valLoss` when there is validation data, else `loss`. */
  monitor?: MonitorName;
}

/** Options of early stopping. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping; default 3. */
  patience?: number;
  /** Metric watched; default `valLoss` when there is validation data, else `loss`. */
  monitor?: MonitorName;
  /** Put back the weights of the best epoch at the end (stopped early or not); default true. */
  restoreBestWeights?: boolean;
}

/**
 * A metric {@link train} can watch. `acc`/`valAcc` improve upwards, losses downwards. Keras' spellings
 * (`val_loss`, `val_acc`, `val_accuracy`, `accuracy`) are accepted as aliases of these names; anything else
 * is refused with the list of valid names.
 */
export type MonitorName = "loss" | "acc" | "valLoss" | "valAcc";

const MONITORS: readonly MonitorName[] = ["loss", "acc", "valLoss", "valAcc"];
/** Keras' names of the monitored metrics, accepted as aliases. */
const KERAS_MONITORS: Readonly<Record<string, MonitorName>> = {
  val_loss: "valLoss",
  val_acc: "valAcc",
  val_accuracy: "valAcc",
  accuracy: "acc",
};
const REDUCE_LR_KEYS: OptionKeys<ReduceLrOptions> = { factor: true, patience: true, minLr: true, monitor: true };
const EARLY_STOPPING_KEYS: OptionKeys<EarlyStoppingOptions> = {
  patience: true,
  monitor: true,
  restoreBestWeights: true,
};
const TRAIN_KEYS: OptionKeys<TrainOptions> = {
  epochs: true,
  batchSize: true,
  seed: true,
  shuffle: true,
  validationData: true,
  validationSplit: true,
  validationFreq: true,
  optimizer: true,
  lr: true,
  momentum: true,
  weightDecay: true,
  augment: true,
  reduceLrOnPlateau: true,
  earlyStopping: true,
  callbacks: true,
  progress: true,
  title: true,
  progressId: true,
  checkpointDir: true,
  history: true,
};

/** `validationFreq` is a whole number ≥ 1 or a non-empty list of epoch numbers (each a whole number ≥ 1). */
function checkValidationFreq(freq: unknown): void {
  if (!Array.isArray(freq)) {
    checkOptionalNumber("validationFreq", freq, { integer: true, min: 1, example: "2, o la lista [5, 10, 15]" });
    return;
  }
  if (freq.length === 0) {
    throw new InputError(
      "validationFreq es una lista vacía: pon las épocas en las que validar (p. ej. [5, 10, 15]) o un número (cada " +
        "cuántas épocas).",
      { field: "validationFreq", value: freq },
    );
  }
  freq.forEach((e, i) => checkNumber(`validationFreq[${i}]`, e, { integer: true, min: 1, example: "5" }));
}

/** Whether epoch `epoch` (1-based) of a training of `epochs` is validated under `freq` (the last always is). */
function isValidationEpoch(epoch: number, epochs: number, freq: number | readonly number[] = 1): boolean {
  return epoch === epochs || (typeof freq === "number" ? epoch % freq === 0 : freq.includes(epoch));
}

/** Checks {@link TrainOptions} at the door of {@link train} (keys, numbers, nested options, data, checkpoint folder). */
async function checkTrainOptions(
  model: tf.LayersModel,
  data: Dataset,
  options: TrainOptions,
  loop: StoppableLoop,
): Promise<void> {
  checkModel("model", model);
  checkOptions("train", options, TRAIN_KEYS);
  checkOptionalNumber("epochs", options.epochs, { integer: true, min: 1 });
  checkOptionalNumber("batchSize", options.batchSize, { integer: true, min: 1 });
  checkOptionalNumber("seed", options.seed, { example: "0" });
  checkOptionalNumber("lr", options.lr, { above: 0, example: "1e-3" });
  checkOptionalNumber("momentum", options.momentum, { min: 0, below: 1, example: "0.9" });
  checkOptionalNumber("weightDecay", options.weightDecay, { min: 0, example: "5e-4" });
  checkOptionalNumber("validationSplit", options.validationSplit, { above: 0, below: 1, example: "0.1" });
  checkValidationFreq(options.validationFreq);
  if (options.validationFreq !== undefined && !options.validationData && !options.validationSplit) {
    throw new InputError(
      "validationFreq dice cada cuántas épocas se valida, pero no hay validación: añade validationData " +
        "(p. ej. una parte de los datos de entrenamiento apartada con splitValidation) o quita validationFreq.",
      { field: "validationFreq", value: options.validationFreq },
    );
  }
  if (
    typeof options.optimizer === "string" ||
    (options.optimizer !== undefined && !(options.optimizer instanceof tf.Optimizer))
  ) {
    checkOneOf("optimizer", options.optimizer, ["adam", "sgd"]);
  }
  checkOptions("train: callbacks", options.callbacks, { onBatchEnd: true, onEpochEnd: true, onTrainEnd: true });
  if (options.augment !== undefined && typeof options.augment !== "function") {
    checkOptions("train: augment", options.augment, BATCH_AUGMENT_KEYS);
  }
  const lrPlateau = options.reduceLrOnPlateau, stopping = options.earlyStopping;
  if (typeof lrPlateau === "object") checkOptions("train: reduceLrOnPlateau", lrPlateau, REDUCE_LR_KEYS);
  if (typeof stopping === "object") checkOptions("train: earlyStopping", stopping, EARLY_STOPPING_KEYS);
  for (const name of ["reduceLrOnPlateau", "earlyStopping"] as const) {
    const o = options[name];
    if (o === undefined || typeof o === "boolean") continue;
    if (o.monitor !== undefined) checkOneOf(`${name}.monitor`, o.monitor, MONITORS, KERAS_MONITORS);
    checkOptionalNumber(`${name}.patience`, o.patience, { integer: true, min: 1 });
  }
  // Their awaits are watched waits: a Stop during the door checks is noticed like one during the epochs.
  await checkDatasetFitsModel("data", data, model, loop);
  if (options.validationData !== undefined) {
    await checkDatasetFitsModel("validationData", options.validationData, model, loop);
  }
  if (options.checkpointDir !== undefined) {
    await loop.wait(checkWritableDir("checkpointDir", options.checkpointDir));
  }
}

/** Hooks called by {@link train}; set `model.stopTraining = true` in one to stop after the current batch. */
export interface TrainCallbacks {
  /** After every batch, with the running epoch means. */
  onBatchEnd?: (batch: number, logs: { loss: number; acc: number }) => void | Promise<void>;
  /** After every epoch. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
  /** Once, at the end. */
  onTrainEnd?: (history: History) => void | Promise<void>;
}

/** Options for {@link train}. */
export interface TrainOptions {
  /** Total epochs (a resumed run continues up to this number); default 10. */
  epochs?: number;
  /** Mini-batch size; default 32 (AlexNet used 128). */
  batchSize?: number;
  /** Seed of shuffling and augmentation: the same seed gives the same batches; default 0. */
  seed?: number;
  /** Shuffle the examples each epoch (seeded); default true. */
  shuffle?: boolean;
  /**
   * Validation set, evaluated after every epoch in inference mode: carve it from the training set with
   * `splitValidation` (a test split here gets a warning: the test set is measured once, at the end).
   */
  validationData?: Dataset;
  /** Alternatively, hold out this fraction of `data` (its last examples, before shuffling) for validation. */
  validationSplit?: number;
  /**
   * Validate every `validationFreq` epochs, or only at the epochs of a list (`[10, 20, 28, 29, 30]`), and
   * always after the last one; default 1 (Keras' `validation_freq`, which takes both forms). Worth it when
   * the validation pass costs as much as the epoch itself (few training images, many validation ones).
   * Early stopping and reduce-LR on a validation metric then decide only on validated epochs; their
   * `patience` still counts epochs.
   */
  validationFreq?: number | number[];
  /**
   * `"adam"` (default, lr 1e-3), `"sgd"` (lr 1e-2, momentum 0.9 unless `momentum` says otherwise) or an
   * optimizer instance. When omitted and the model already has an optimizer (second call, resumed
   * checkpoint), that one is kept with its state.
   */
  optimizer?: "sgd" | "adam" | tf.Optimizer;
  /** Learning rate (defaults: adam 1e-3, sgd 1e-2). */
  lr?: number;
  /** Momentum for `sgd`; default 0.9 (0 gives plain SGD). */
  momentum?: number;
  /** L2 weight decay on kernels (conv and dense weights, not biases): adds `weightDecay · w` to each gradient. */
  weightDecay?: number;
  /**
   * Per-batch augmentation of the training images, with a fresh seed per batch and epoch: the options of
   * `randomAugment` (e.g. `{ rotation: 10, translate: 0.1 }`) or a function `(x, seed) => augmented x`.
   */
  augment?: AugmentFn | Omit<RandomAugmentOptions, "seed">;
  /** Divide the learning rate when the monitored metric stops improving (`true`: ÷10 after 2 epochs). */
  reduceLrOnPlateau?: boolean | ReduceLrOptions;
  /** Stop when the monitored metric stops improving (`true`: patience 3, restore best weights). */
  earlyStopping?: boolean | EarlyStoppingOptions;
  /** Hooks per batch / epoch / end. */
  callbacks?: TrainCallbacks;
  /** Live progress target (`auto`: notebook output in Jupyter, stderr line in a terminal); `false` = none. */
  progress?: ProgressMode | false;
  /** Title of the progress display. */
  title?: string;
  /** Notebook output for the progress: runs with the same id redraw one output (see `ProgressOptions`). */
  progressId?: string;
  /** Save a checkpoint (weights + optimizer + history, atomically) to this directory after every epoch. */
  checkpointDir?: string;
  /** History of a previous run to continue (from `loadCheckpoint`): training resumes at the next epoch. */
  history?: History;
}

/** Number of classes the model predicts (last dimension of its output). */
export function outputClasses(model: tf.LayersModel): number {
  const shape = model.outputs[0].shape;
  const c = shape[shape.length - 1];
  if (typeof c !== "number") {
    throw new Error("No se puede saber el número de clases: la salida del modelo no tiene forma fija.");
  }
  return c;
}

/** Seeded permutation of 0..n-1 for one epoch. */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return shuffleInPlace(idx, seededRandom(seed * 1000003 + epoch * 7919 + 1));
}

/** The Dropout layers of a model (nested models included), whose `seed` field tfjs reads at call time. */
function dropoutLayers(model: tf.LayersModel): Array<{ seed?: number }> {
  const out: Array<{ seed?: number }> = [];
  const visit = (m: tf.LayersModel) => {
    for (const l of m.layers) {
      if (l instanceof tf.LayersModel) visit(l);
      else if (/Dropout$/.test(l.getClassName())) out.push(l as unknown as { seed?: number });
    }
  };
  visit(model);
  return out;
}

/** Which trainable variables each optimizer was last used with (its state is kept per variable position). */
const optimizerVars = new WeakMap<tf.Optimizer, string>();

function isKernel(v: tf.Variable): boolean {
  return /(^|\/)(kernel|depthwise_kernel|pointwise_kernel|embeddings)(_\d+)?$/.test(v.name);
}

interface Sums {
  loss: number;
  correct: number;
  n: number;
}

/**
 * Loss and accuracy of `model` on a dataset, in batches, in inference mode (no leaks).
 */
export async function lossAndAccuracy(
  model: tf.LayersModel,
  data: Dataset,
  options: { batchSize?: number } = {},
): Promise<{ loss: number; acc: number }> {
  const s = await runStoppable(
    "Evaluación",
    async (loop) => {
      loop.onStop = () => "Evaluación detenida (Stop): vuelve a ejecutar la celda para calcularla entera.";
      await checkDatasetFitsModel("data", data, checkModel("model", model), loop);
      const numClasses = outputClasses(model);
      return await sumsOver(model, data.images, data.labels, numClasses, options.batchSize ?? 256, loop);
    },
  );
  return { loss: s.loss / s.n, acc: s.correct / s.n };
}

async function sumsOver(
  model: tf.LayersModel,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  numClasses: number,
  batchSize: number,
  loop?: StoppableLoop,
): Promise<Sums> {
  const n = x.shape[0];
  let loss = 0, correct = 0;
  for await (const { output, start, size } of predictBatches(model, x, { batchSize, loop })) {
    const [l, c] = tf.tidy(() => {
      const yb = y.slice([start], [size]).toInt();
      const p = output as tf.Tensor2D;
      const oh = tf.oneHot(yb, numClasses).toFloat();
      return [
        tf.metrics.categoricalCrossentropy(oh, p).sum(),
        tf.equal(p.argMax(1).toInt(), yb).toFloat().sum(),
      ];
    });
    loop?.hold([output, l, c]);
    loop?.idle();
    const [lv, cv] = await Promise.all([l.data(), c.data()]);
    loop?.busy();
    l.dispose();
    c.dispose();
    loop?.released();
    loss += lv[0];
    correct += cv[0];
  }
  return { loss, correct, n };
}

/** Tracks the best value of a monitored metric and the epoch since which it has not improved. */
class Plateau {
  best = NaN;
  /** Epoch of the last improvement (or of the last {@link restart}). */
  since = 0;
  constructor(readonly monitor: MonitorName, readonly patience: number) {}
  /**
   * Records one epoch: `improved`, `waiting`, or `plateau` once `patience` epochs passed without improving.
   * An epoch without the metric (not validated: `validationFreq`) decides nothing.
   */
  update(logs: EpochLogs): "improved" | "waiting" | "plateau" {
    const v = logs[this.monitor] as number | undefined;
    if (v === undefined) return "waiting";
    if (Number.isNaN(this.best) || better(this.monitor, v, this.best)) {
      this.best = v;
      this.since = logs.epoch;
      return "improved";
    }
    return logs.epoch - this.since >= this.patience ? "plateau" : "waiting";
  }
  /** Starts counting the patience again from `epoch` (after the learning rate was reduced). */
  restart(epoch: number): void {
    this.since = epoch;
  }
}

function better(monitor: MonitorName, a: number, b: number): boolean {
  return monitor === "acc" || monitor === "valAcc" ? a > b + 1e-6 : a < b - 1e-6;
}

/**
 * Trains `model` (softmax output) on `data` and returns the {@link History}. See {@link TrainOptions}.
 *
 * Jupyter's Stop (with the kit's kernelspec) ends the cell at once with an `InterruptedError` that says the
 * epoch and batch reached (its `partial` is the history so far); the progress output is marked "detenido",
 * the model keeps the weights of its last batch and the tensors of the interrupted batch are freed.
 *
 * ```ts
 * const history = await train(model, fashion.train, {
 *   epochs: 5, batchSize: 128, optimizer: "sgd", lr: 1e-2, weightDecay: 5e-4,
 *   validationData: fashion.validation, reduceLrOnPlateau: true,
 * });
 * ```
 */
export function train(model: tf.LayersModel, data: Dataset, options: TrainOptions = {}): Promise<History> {
  return runStoppable("Entrenamiento", (loop) => trainWatched(loop, model, data, options));
}

/** The steps of {@link train}, watched by `loop` (Jupyter's Stop). */
async function trainWatched(
  loop: StoppableLoop,
  model: tf.LayersModel,
  data: Dataset,
  options: TrainOptions,
): Promise<History> {
  await checkTrainOptions(model, data, options, loop);
  warnIfTestAsValidation(options.validationData);
  const optimizer = prepareOptimizer(model, options);
  const run = startRun(loop, model, optimizer, trainingSets(data, options), options);
  await loop.wait(run.progress.start({
    epochs: run.epochs,
    batchesPerEpoch: run.batchesPerEpoch,
    samplesPerEpoch: run.n,
    previous: options.history?.epochs ?? [],
  }));
  try {
    for (let epoch = run.firstEpoch; epoch <= run.epochs; epoch++) {
      const logs = await trainEpoch(run, epoch);
      if (await afterEpoch(run, epoch, logs)) break;
    }
    restoreBest(run);
  } finally {
    run.cleanup();
  }
  return await finishRun(run);
}

/** The optimizer of this training: a new one when asked (or none yet), else the model's own (resume). */
function prepareOptimizer(model: tf.LayersModel, options: TrainOptions): tf.Optimizer {
  if (options.optimizer !== undefined || model.optimizer == null) {
    const given = typeof options.optimizer === "object" ? options.optimizer : undefined;
    const opt = given
      ? given
      : makeOptimizer((options.optimizer ?? "adam") as "sgd" | "adam", { lr: options.lr, momentum: options.momentum });
    if (given && options.lr !== undefined) setLearningRate(opt, options.lr);
    compileModel(model, opt);
  } else if (options.lr !== undefined) {
    setLearningRate(model.optimizer, options.lr);
  }
  const optimizer = model.optimizer;
  const signature = model.trainableWeights.map((w) => (w.read() as tf.Variable).name).join("|");
  const previousSignature = optimizerVars.get(optimizer);
  if (previousSignature !== undefined && previousSignature !== signature && optimizer.iterations > 0) {
    throw new Error(
      "Las capas entrenables del modelo cambiaron (freeze/unfreeze) y el optimizador guarda estado de las " +
        'anteriores: pasa un optimizador nuevo, p. ej. train(model, data, { optimizer: "adam", lr: 1e-4 }).',
    );
  }
  optimizerVars.set(optimizer, signature);
  return optimizer;
}

/** The tensors one training reads: training and validation images and labels (slices it owns are in `owned`). */
interface TrainingSets {
  xTrain: tf.Tensor4D;
  yTrain: tf.Tensor1D;
  val?: { x: tf.Tensor4D; y: tf.Tensor1D };
  owned: tf.Tensor[];
}

/** Training and validation sets: `validationData`, or the last `validationSplit` of `data`; the grading budget. */
function trainingSets(data: Dataset, options: TrainOptions): TrainingSets {
  const sets: TrainingSets = { xTrain: data.images, yTrain: data.labels, owned: [] };
  const { owned } = sets;
  const split = options.validationSplit;
  if (options.validationData) sets.val = { x: options.validationData.images, y: options.validationData.labels };
  else if (split !== undefined) {
    const n = data.images.shape[0];
    const nVal = Math.max(1, Math.round(n * split));
    if (nVal >= n) throw new Error(`validationSplit=${split} no deja ejemplos para entrenar (hay ${n}).`);
    sets.xTrain = data.images.slice(0, n - nVal);
    sets.yTrain = data.labels.slice(0, n - nVal);
    sets.val = { x: data.images.slice(n - nVal), y: data.labels.slice(n - nVal) };
    owned.push(sets.xTrain, sets.yTrain, sets.val.x, sets.val.y);
  }
  const budget = gradingBudget(); // `deno task grade`: a small subset (see grading.ts)
  if (budget && sets.xTrain.shape[0] > budget.samples) {
    sets.xTrain = sets.xTrain.slice(0, budget.samples);
    sets.yTrain = sets.yTrain.slice(0, budget.samples);
    owned.push(sets.xTrain, sets.yTrain);
  }
  if (budget && sets.val && sets.val.x.shape[0] > budget.validationSamples) {
    sets.val = { x: sets.val.x.slice(0, budget.validationSamples), y: sets.val.y.slice(0, budget.validationSamples) };
    owned.push(sets.val.x, sets.val.y);
  }
  if (sets.xTrain.shape[0] === 0) {
    tf.dispose(owned);
    throw new Error("data no tiene ejemplos para entrenar.");
  }
  return sets;
}

/** Everything one training keeps between its steps. */
interface Run extends TrainingSets {
  loop: StoppableLoop;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  options: TrainOptions;
  history: History;
  progress: TrainingProgress;
  numClasses: number;
  epochs: number;
  firstEpoch: number;
  /** Validate every this many epochs, or at these epochs (and after the last). */
  validationFreq: number | number[];
  batchSize: number;
  batchesPerEpoch: number;
  n: number;
  seed: number;
  weightDecay: number;
  augmentFn?: AugmentFn;
  dropouts: Array<{ seed?: number }>;
  rlr?: Required<Omit<ReduceLrOptions, "monitor">> & { state: Plateau };
  es?: { restoreBestWeights: boolean; state: Plateau };
  bestWeights?: tf.Tensor[];
  /** Epoch and batch reached (for the message of a stopped training). */
  reached: { epoch: number; batch: number };
  /** Frees what the training owns (once): sliced sets, best weights; restores the dropout seeds. */
  cleanup: () => void;
}

/** Sets up a training: history, schedules (reduce-LR, early stopping), augmentation, dropout seeds, progress, Stop. */
function startRun(
  loop: StoppableLoop,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  sets: TrainingSets,
  options: TrainOptions,
): Run {
  const n = sets.xTrain.shape[0];
  const batchSize = options.batchSize ?? 32;
  const seed = options.seed ?? 0;
  const previous = options.history?.epochs ?? [];
  const history: History = {
    epochs: [...previous],
    backend: tf.getBackend(),
    optimizer: optimizerName(optimizer),
    batchSize,
    seed,
    trainSize: n,
    stopReason: "epochs",
    bestEpoch: options.history?.bestEpoch,
    totalSeconds: options.history?.totalSeconds ?? 0,
  };
  const { rlr, es } = schedules(options, sets.val !== undefined);
  // Dropout masks: tfjs draws the same mask on every call when a Dropout layer has a fixed seed (and an
  // unseeded one is not reproducible), so each batch gets its own seed, derived from `seed`.
  const dropouts = dropoutLayers(model);
  const dropoutSeeds = dropouts.map((l) => l.seed);
  const augment = options.augment;
  const run: Run = {
    ...sets,
    loop,
    model,
    optimizer,
    options,
    history,
    progress: new TrainingProgress({
      mode: options.progress === false ? "none" : options.progress,
      title: options.title ?? `Entrenamiento (${tf.getBackend()}, ${history.optimizer})`,
      displayId: options.progressId,
    }),
    numClasses: outputClasses(model),
    epochs: budgetedEpochs(options.epochs ?? 10, previous.length),
    firstEpoch: previous.length + 1,
    validationFreq: options.validationFreq ?? 1,
    batchSize,
    batchesPerEpoch: Math.ceil(n / batchSize),
    n,
    seed,
    weightDecay: options.weightDecay ?? 0,
    augmentFn: typeof augment === "function"
      ? augment
      : augment
      ? (x, s) => randomAugment(x, { ...augment, seed: s })
      : undefined,
    dropouts,
    rlr,
    es,
    reached: { epoch: previous.length + 1, batch: 0 },
    cleanup: () => {},
  };
  let cleaned = false;
  run.cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    dropouts.forEach((l, i) => l.seed = dropoutSeeds[i]);
    tf.dispose(run.bestWeights);
    tf.dispose(run.owned);
  };
  model.stopTraining = false;
  // Jupyter's Stop: say so in the progress output, keep the weights of the last batch, free the rest.
  loop.partial = history;
  loop.onStop = async () => {
    run.cleanup();
    const where = `época ${run.reached.epoch}/${run.epochs}, lote ${run.reached.batch}/${run.batchesPerEpoch}`;
    await run.progress.stopped(`detenido en la ${where}`);
    return `Entrenamiento detenido en la ${where}: el modelo conserva los pesos del último lote ` +
      `(${history.epochs.length} épocas completas en el historial). Vuelve a llamar a train() para seguir.`;
  };
  return run;
}

/** The reduce-LR-on-plateau and early-stopping settings with their defaults and their plateau trackers. */
function schedules(options: TrainOptions, hasVal: boolean): Pick<Run, "rlr" | "es"> {
  const rlrOpts = options.reduceLrOnPlateau
    ? {
      factor: 0.1,
      patience: 2,
      minLr: 1e-6,
      ...(options.reduceLrOnPlateau === true ? {} : options.reduceLrOnPlateau),
    }
    : undefined;
  const esOpts = options.earlyStopping
    ? { patience: 3, restoreBestWeights: true, ...(options.earlyStopping === true ? {} : options.earlyStopping) }
    : undefined;
  for (const o of [rlrOpts, esOpts]) {
    if (o?.monitor) o.monitor = checkOneOf("monitor", o.monitor, MONITORS, KERAS_MONITORS);
  }
  const defaultMonitor: MonitorName = hasVal ? "valLoss" : "loss";
  for (const [name, m] of [["reduceLrOnPlateau", rlrOpts?.monitor], ["earlyStopping", esOpts?.monitor]] as const) {
    if (m && (m === "valLoss" || m === "valAcc") && !hasVal) {
      throw new Error(`${name}.monitor="${m}" necesita validationData o validationSplit.`);
    }
  }
  if (rlrOpts && !(rlrOpts.factor > 0 && rlrOpts.factor < 1)) {
    throw new Error(`reduceLrOnPlateau.factor debe estar entre 0 y 1 (0.1 divide entre 10) y es ${rlrOpts.factor}.`);
  }
  return {
    rlr: rlrOpts && { ...rlrOpts, state: new Plateau(rlrOpts.monitor ?? defaultMonitor, rlrOpts.patience) },
    es: esOpts && {
      restoreBestWeights: esOpts.restoreBestWeights,
      state: new Plateau(esOpts.monitor ?? defaultMonitor, esOpts.patience),
    },
  };
}

/** One epoch: every batch in a seeded order, then validation; returns the epoch's logs (also in the history). */
async function trainEpoch(run: Run, epoch: number): Promise<EpochLogs> {
  const { loop, options, n, batchSize } = run;
  const t0 = performance.now();
  const lr = getLearningRate(run.optimizer);
  const perm = options.shuffle === false
    ? Int32Array.from({ length: n }, (_, i) => i)
    : epochPermutation(n, run.seed, epoch);
  let lossSum = 0, correctSum = 0, seen = 0;
  const trainable = run.model.trainableWeights.map((w) => w.read() as tf.Variable);
  for (let b = 0; b < run.batchesPerEpoch; b++) {
    run.reached = { epoch, batch: b };
    const idx = perm.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
    const { loss, correct } = await trainBatch(run, trainable, idx, epoch, b);
    run.reached = { epoch, batch: b + 1 };
    lossSum += loss * idx.length;
    correctSum += correct;
    seen += idx.length;
    const running = { loss: lossSum / seen, acc: correctSum / seen };
    await loop.wait(Promise.resolve(options.callbacks?.onBatchEnd?.(b + 1, running)));
    await loop.wait(
      run.progress.batch({ epoch, batch: b + 1, ...running, samplesDone: (epoch - run.firstEpoch) * n + seen }),
    );
    if (run.model.stopTraining) break;
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const logs: EpochLogs = {
    epoch,
    loss: lossSum / seen,
    acc: correctSum / seen,
    lr,
    seconds: 0,
    samplesPerSecond: seen / trainSeconds,
  };
  if (run.val && isValidationEpoch(epoch, run.epochs, run.validationFreq)) {
    const s = await sumsOver(run.model, run.val.x, run.val.y, run.numClasses, Math.max(256, batchSize), loop);
    logs.valLoss = s.loss / s.n;
    logs.valAcc = s.correct / s.n;
  }
  logs.seconds = (performance.now() - t0) / 1000;
  run.history.epochs.push(logs);
  run.history.totalSeconds += logs.seconds;
  await loop.wait(run.progress.epochEnd(logs, logs.seconds));
  await loop.wait(Promise.resolve(options.callbacks?.onEpochEnd?.(epoch, logs)));
  return logs;
}

/**
 * One optimisation step on the examples `idx`: augmentation, seeded dropout, gradients (+ L2 weight decay),
 * update. A failing step leaves no batch tensor behind; a step whose predictions are not finite stops the
 * training with a message (a diverged model reports no meaningful loss).
 */
async function trainBatch(
  run: Run,
  trainable: tf.Variable[],
  idx: Int32Array,
  epoch: number,
  b: number,
): Promise<{ loss: number; correct: number }> {
  const { loop, model, seed } = run;
  loop.startStep(); // the batch's tensors are freed even if Stop interrupts it
  const idxT = tf.tensor1d(idx, "int32");
  let xb = tf.gather(run.xTrain, idxT) as tf.Tensor4D;
  const yb = tf.tidy(() => tf.oneHot(tf.gather(run.yTrain, idxT).toInt(), run.numClasses).toFloat());
  idxT.dispose();
  let correct: tf.Scalar | undefined, finite: tf.Tensor | undefined, value: tf.Scalar | undefined;
  try { // a failing augmentation or model call leaves no batch tensor behind
    if (run.augmentFn) {
      const aug = run.augmentFn(xb, seed * 1000003 + epoch * 100003 + b);
      if (aug !== xb) xb.dispose();
      xb = aug;
    }
    run.dropouts.forEach((l, i) => l.seed = (seed * 1000003 + epoch * 100003 + b * 101 + i) >>> 0);
    const vg = tf.variableGrads(() => {
      const p = model.apply(xb, { training: true }) as tf.Tensor2D;
      correct = tf.keep(tf.equal(p.argMax(1), yb.argMax(1)).toFloat().sum());
      finite = tf.keep(tf.isFinite(p).all());
      loop.hold([correct, finite]); // kept tensors outlive the step's scope: freed by the loop if Stop cuts it
      return tf.metrics.categoricalCrossentropy(yb, p).mean() as tf.Scalar;
    }, trainable);
    value = vg.value;
    const grads = vg.grads;
    if (run.weightDecay > 0) {
      for (const v of trainable) {
        if (!isKernel(v) || !grads[v.name]) continue;
        const g = grads[v.name];
        grads[v.name] = tf.tidy(() => g.add(v.mul(run.weightDecay)));
        g.dispose();
      }
    }
    try {
      run.optimizer.applyGradients(grads);
    } finally {
      tf.dispose(grads);
    }
  } catch (e) {
    tf.dispose([value!, correct!, finite!].filter((t) => t));
    throw e;
  } finally {
    xb.dispose();
    yb.dispose();
  }
  loop.endStep([value, correct!, finite!]);
  const [lv, cv, fv] = await loop.wait(Promise.all([value.data(), correct!.data(), finite!.data()]));
  value.dispose();
  correct!.dispose();
  finite!.dispose();
  loop.released();
  if (!fv[0] || !Number.isFinite(lv[0])) {
    throw new InputError(
      `El entrenamiento ha divergido en la época ${epoch}, lote ${b + 1}: las predicciones del modelo ya no ` +
        `son números finitos (NaN o Infinity), así que la pérdida no significa nada. Suele deberse a una ` +
        `tasa de aprendizaje demasiado alta (lr = ${getLearningRate(run.optimizer)}): prueba una 10 veces menor, ` +
        `con un modelo nuevo (sus pesos ya no sirven). También pasa si las imágenes contienen NaN.`,
      { field: "lr", value: getLearningRate(run.optimizer) },
    );
  }
  return { loss: lv[0], correct: cv[0] };
}

/**
 * After an epoch: early stopping (remembering the best weights), reduce-LR-on-plateau, the checkpoint.
 * Returns true when training must stop (early stopping or a callback's `model.stopTraining`).
 */
async function afterEpoch(run: Run, epoch: number, logs: EpochLogs): Promise<boolean> {
  const { history, progress, es, rlr } = run;
  if (es) {
    const state = es.state.update(logs);
    if (state === "improved") {
      history.bestEpoch = epoch;
      if (es.restoreBestWeights) {
        tf.dispose(run.bestWeights);
        run.bestWeights = run.model.getWeights().map((w) => w.clone());
      }
    } else if (state === "plateau") {
      history.stopReason = "earlyStopping";
      progress.note(`Early stopping: ${es.state.monitor} no mejora desde la época ${history.bestEpoch}.`);
    }
  }
  if (rlr && rlr.state.update(logs) === "plateau") {
    const lr = logs.lr;
    const newLr = Math.max(rlr.minLr, lr * rlr.factor);
    if (newLr < lr) {
      setLearningRate(run.optimizer, newLr);
      progress.note(
        `Época ${epoch}: ${rlr.state.monitor} no mejora; tasa de aprendizaje ${formatScientific(lr)} → ${
          formatScientific(newLr)
        }.`,
      );
    }
    rlr.state.restart(epoch);
  }
  if (run.options.checkpointDir) {
    await run.loop.wait(saveCheckpoint(run.model, run.options.checkpointDir, { history }));
  }
  if (history.stopReason === "earlyStopping") return true;
  if (run.model.stopTraining) {
    history.stopReason = "callback";
    return true;
  }
  return false;
}

/**
 * Keras 3 behaviour: the best epoch's weights come back whenever they are not the last ones, whether
 * training stopped early or ran all its epochs (a run must not end on a collapse).
 */
function restoreBest(run: Run): void {
  const { es, history } = run;
  if (es?.restoreBestWeights && run.bestWeights && history.bestEpoch !== history.epochs.at(-1)?.epoch) {
    run.model.setWeights(run.bestWeights);
    if (history.stopReason !== "earlyStopping") {
      run.progress.note(`Se recuperan los pesos de la mejor época (${history.bestEpoch}) según ${es.state.monitor}.`);
    }
  }
}

/** The last word of the progress display and the `onTrainEnd` callback; returns the history. */
async function finishRun(run: Run): Promise<History> {
  const { history, loop } = run;
  const last = history.epochs[history.epochs.length - 1];
  const summary = last
    ? `terminado: ${history.epochs.length} épocas, exactitud ${formatPercent(last.acc)}` +
      (last.valAcc !== undefined ? `, en validación ${formatPercent(last.valAcc)}` : "") +
      (history.stopReason === "earlyStopping" ? ` (parada temprana; mejor época ${history.bestEpoch})` : "")
    : "terminado";
  await loop.wait(run.progress.end(summary));
  await loop.wait(Promise.resolve(run.options.callbacks?.onTrainEnd?.(history)));
  return history;
}
