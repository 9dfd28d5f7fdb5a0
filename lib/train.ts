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
import type { Dataset } from "./datasets/dataset.ts";
import { seededRandom, shuffleInPlace } from "./datasets/random.ts";
import { type ProgressEpoch, type ProgressMode, TrainingProgress } from "./progress.ts";
import { saveCheckpoint } from "./checkpoint.ts";
import { writeFileAtomic } from "./checkpoint.ts";
import { randomAugment, type RandomAugmentOptions } from "./augment.ts";
import { runStoppable, type StoppableLoop } from "./interrupt.ts";

/** Metrics of one epoch: what the progress display shows, plus timing. */
export interface EpochLogs extends ProgressEpoch {
  /** Wall-clock seconds of the epoch (training + validation). */
  seconds: number;
  /** Training throughput, samples per second. */
  samplesPerSecond: number;
}

/** What {@link train} returns: per-epoch metrics plus the settings that produced them. */
export interface History {
  /** One entry per epoch, in order. */
  epochs: EpochLogs[];
  /** Backend that ran the training. */
  backend: string;
  /** Optimizer name (`sgd`, `adam`, or the class name of a custom one). */
  optimizer: string;
  /** Mini-batch size. */
  batchSize: number;
  /** Seed of the shuffling and augmentation. */
  seed: number;
  /** Number of training examples per epoch. */
  trainSize: number;
  /** Why training ended: `epochs` (all done), `earlyStopping`, or `callback`. */
  stopReason: "epochs" | "earlyStopping" | "callback";
  /** Epoch with the best monitored value (when early stopping restored it, the model's weights). */
  bestEpoch?: number;
  /** Total seconds over all epochs (including resumed ones). */
  totalSeconds: number;
}

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
  /** Put back the weights of the best epoch at the end; default true. */
  restoreBestWeights?: boolean;
}

/** A metric {@link train} can watch. `acc`/`valAcc` improve upwards, losses downwards. */
export type MonitorName = "loss" | "acc" | "valLoss" | "valAcc";

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
  /** Validation set, evaluated after every epoch in inference mode. */
  validationData?: Dataset;
  /** Alternatively, hold out this fraction of `data` (its last examples, before shuffling) for validation. */
  validationSplit?: number;
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

function checkPositiveInt(name: string, v: number | undefined) {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
    throw new Error(`${name} debe ser un entero ≥ 1 y es ${v}.`);
  }
}

function checkDataset(name: string, ds: Dataset | undefined) {
  if (!ds || !(ds.images instanceof tf.Tensor) || !(ds.labels instanceof tf.Tensor)) {
    throw new Error(`${name} debe ser un Dataset { images, labels, classNames } (recibido: ${typeof ds}).`);
  }
  if (ds.images.rank !== 4) {
    throw new Error(`${name}.images debe tener forma [n, alto, ancho, canales] y tiene forma [${ds.images.shape}].`);
  }
  if (ds.labels.rank !== 1 || ds.labels.shape[0] !== ds.images.shape[0]) {
    throw new Error(
      `${name}.labels debe tener forma [${ds.images.shape[0]}] (una etiqueta por imagen) y tiene [${ds.labels.shape}].`,
    );
  }
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

/** Builds the optimizer named in the options (see {@link TrainOptions.optimizer}). */
export function makeOptimizer(
  name: "sgd" | "adam",
  options: { lr?: number; momentum?: number } = {},
): tf.Optimizer {
  if (options.lr !== undefined && !(options.lr > 0)) throw new Error(`lr debe ser > 0 y es ${options.lr}.`);
  if (name === "adam") return tf.train.adam(options.lr ?? 1e-3);
  if (name === "sgd") {
    const momentum = options.momentum ?? 0.9;
    if (!(momentum >= 0 && momentum < 1)) throw new Error(`momentum debe estar en [0, 1) y es ${momentum}.`);
    return momentum === 0 ? tf.train.sgd(options.lr ?? 1e-2) : tf.train.momentum(options.lr ?? 1e-2, momentum);
  }
  throw new Error(`optimizer="${name}" no es válido: usa "sgd", "adam" o una instancia de tf.Optimizer.`);
}

function optimizerName(opt: tf.Optimizer): string {
  const cls = opt.getClassName();
  return cls === "Momentum" || cls === "SGD" ? "sgd" : cls === "Adam" ? "adam" : cls;
}

/** Current learning rate of an optimizer. */
export function getLearningRate(opt: tf.Optimizer): number {
  // deno-lint-ignore no-explicit-any
  return Number((opt as any).learningRate);
}

/** Changes the learning rate of an optimizer in place (its state — momentum, moments — is kept). */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  if (!(lr > 0)) throw new Error(`lr debe ser > 0 y es ${lr}.`);
  // deno-lint-ignore no-explicit-any
  const o = opt as any;
  if (typeof o.setLearningRate === "function") o.setLearningRate(lr); // SGD/Momentum cache a scalar
  else o.learningRate = lr;
}

/**
 * Compiles `model` with `optimizer` (categorical cross-entropy, accuracy), disposing the optimizer it had
 * before, so `model.optimizer` is the one to dispose with the model (see {@link disposeModel}).
 */
export function compileModel(model: tf.LayersModel, optimizer: tf.Optimizer): void {
  const old = model.optimizer;
  model.compile({ optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  if (old && old !== optimizer) disposeOptimizer(old);
}

/** Disposes a model and its optimizer (`model.dispose()` alone leaves the optimizer's tensors). */
export function disposeModel(model: tf.LayersModel | undefined): void {
  if (!model) return;
  const opt = model.optimizer;
  model.dispose();
  disposeOptimizer(opt);
}

/** Disposes an optimizer, including the learning-rate scalar that tfjs' Momentum optimizer forgets. */
export function disposeOptimizer(opt: tf.Optimizer | undefined): void {
  if (!opt) return;
  opt.dispose();
  // deno-lint-ignore no-explicit-any
  const c = (opt as any).c as tf.Tensor | undefined;
  if (c instanceof tf.Tensor && !c.isDisposed) c.dispose();
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
  checkDataset("data", data);
  const numClasses = outputClasses(model);
  const s = await runStoppable(
    "Evaluación",
    (loop) => {
      loop.onStop = () => "Evaluación detenida (Stop): vuelve a ejecutar la celda para calcularla entera.";
      return sumsOver(model, data.images, data.labels, numClasses, options.batchSize ?? 256, loop);
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
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const [l, c] = tf.tidy(() => {
      const xb = x.slice([start, 0, 0, 0], [size, -1, -1, -1]);
      const yb = y.slice([start], [size]).toInt();
      const p = model.predict(xb) as tf.Tensor2D;
      const oh = tf.oneHot(yb, numClasses).toFloat();
      return [
        tf.metrics.categoricalCrossentropy(oh, p).sum(),
        tf.equal(p.argMax(1).toInt(), yb).toFloat().sum(),
      ];
    });
    loop?.hold([l, c]);
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

/** Tracks the best value of a monitored metric and for how many epochs it has not improved. */
class Plateau {
  best = NaN;
  wait = 0;
  constructor(readonly monitor: MonitorName, readonly patience: number) {}
  /** Records one epoch: `improved`, `waiting`, or `plateau` once `patience` epochs passed without improving. */
  update(logs: EpochLogs): "improved" | "waiting" | "plateau" {
    const v = logs[this.monitor] as number;
    if (Number.isNaN(this.best) || better(this.monitor, v, this.best)) {
      this.best = v;
      this.wait = 0;
      return "improved";
    }
    return ++this.wait >= this.patience ? "plateau" : "waiting";
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
 *   validationData: fashion.test, reduceLrOnPlateau: true,
 * });
 * ```
 */
export function train(model: tf.LayersModel, data: Dataset, options: TrainOptions = {}): Promise<History> {
  return runStoppable("Entrenamiento", (loop) => trainWatched(loop, model, data, options));
}

async function trainWatched(
  loop: StoppableLoop,
  model: tf.LayersModel,
  data: Dataset,
  options: TrainOptions,
): Promise<History> {
  if (!(model instanceof tf.LayersModel)) {
    throw new Error(
      `model debe ser un tf.LayersModel (recibido: ${typeof model}); constrúyelo con buildModel o tf.sequential.`,
    );
  }
  checkDataset("data", data);
  checkPositiveInt("epochs", options.epochs);
  checkPositiveInt("batchSize", options.batchSize);
  if (options.validationData) checkDataset("validationData", options.validationData);
  const split = options.validationSplit;
  if (split !== undefined && !(split > 0 && split < 1)) {
    throw new Error(`validationSplit debe estar entre 0 y 1 (fracción para validación) y es ${split}.`);
  }
  if (options.weightDecay !== undefined && !(options.weightDecay >= 0)) {
    throw new Error(`weightDecay debe ser ≥ 0 (p. ej. 5e-4) y es ${options.weightDecay}.`);
  }
  const numClasses = outputClasses(model);
  const epochs = options.epochs ?? 10;
  const batchSize = options.batchSize ?? 32;
  const seed = options.seed ?? 0;
  const wd = options.weightDecay ?? 0;

  // Optimizer: new one when asked (or none yet), else keep the model's (resume).
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

  // Training / validation tensors.
  const owned: tf.Tensor[] = [];
  let xTrain = data.images, yTrain = data.labels;
  let val: { x: tf.Tensor4D; y: tf.Tensor1D } | undefined = options.validationData
    ? { x: options.validationData.images, y: options.validationData.labels }
    : undefined;
  if (split !== undefined && !val) {
    const n = data.images.shape[0];
    const nVal = Math.max(1, Math.round(n * split));
    if (nVal >= n) throw new Error(`validationSplit=${split} no deja ejemplos para entrenar (hay ${n}).`);
    xTrain = data.images.slice(0, n - nVal);
    yTrain = data.labels.slice(0, n - nVal);
    val = { x: data.images.slice(n - nVal), y: data.labels.slice(n - nVal) };
    owned.push(xTrain, yTrain, val.x, val.y);
  }
  const n = xTrain.shape[0];
  if (n === 0) throw new Error("data no tiene ejemplos para entrenar.");
  const batchesPerEpoch = Math.ceil(n / batchSize);

  const previous = options.history?.epochs ?? [];
  const firstEpoch = previous.length + 1;
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

  const hasVal = val !== undefined;
  const rlr = options.reduceLrOnPlateau
    ? {
      factor: 0.1,
      patience: 2,
      minLr: 1e-6,
      ...(options.reduceLrOnPlateau === true ? {} : options.reduceLrOnPlateau),
    }
    : undefined;
  const es = options.earlyStopping
    ? { patience: 3, restoreBestWeights: true, ...(options.earlyStopping === true ? {} : options.earlyStopping) }
    : undefined;
  const defaultMonitor: MonitorName = hasVal ? "valLoss" : "loss";
  for (const [name, m] of [["reduceLrOnPlateau", rlr?.monitor], ["earlyStopping", es?.monitor]] as const) {
    if (m && (m === "valLoss" || m === "valAcc") && !hasVal) {
      throw new Error(`${name}.monitor="${m}" necesita validationData o validationSplit.`);
    }
  }
  if (rlr && !(rlr.factor > 0 && rlr.factor < 1)) {
    throw new Error(`reduceLrOnPlateau.factor debe estar entre 0 y 1 (0.1 divide entre 10) y es ${rlr.factor}.`);
  }
  const rlrState = rlr && new Plateau(rlr.monitor ?? defaultMonitor, rlr.patience);
  const esState = es && new Plateau(es.monitor ?? defaultMonitor, es.patience);
  let bestWeights: tf.Tensor[] | undefined;

  const progress = new TrainingProgress({
    mode: options.progress === false ? "none" : options.progress,
    title: options.title ?? `Entrenamiento (${tf.getBackend()}, ${history.optimizer})`,
    displayId: options.progressId,
  });
  await loop.wait(progress.start({ epochs, batchesPerEpoch, samplesPerEpoch: n, previous }));

  const augmentFn: AugmentFn | undefined = typeof options.augment === "function"
    ? options.augment
    : options.augment
    ? (x, s) => randomAugment(x, { ...(options.augment as Omit<RandomAugmentOptions, "seed">), seed: s })
    : undefined;
  // Dropout masks: tfjs draws the same mask on every call when a Dropout layer has a fixed seed (and an
  // unseeded one is not reproducible), so each batch gets its own seed, derived from `seed`.
  const dropouts = dropoutLayers(model);
  const dropoutSeeds = dropouts.map((l) => l.seed);
  const vars = () => model.trainableWeights.map((w) => w.read() as tf.Variable);
  model.stopTraining = false;
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    dropouts.forEach((l, i) => l.seed = dropoutSeeds[i]);
    tf.dispose(bestWeights);
    tf.dispose(owned);
  };
  // Jupyter's Stop: say so in the progress output, keep the weights of the last batch, free the rest.
  let reached = { epoch: firstEpoch, batch: 0 };
  loop.partial = history;
  loop.onStop = async () => {
    cleanup();
    const where = `época ${reached.epoch}/${epochs}, lote ${reached.batch}/${batchesPerEpoch}`;
    await progress.stopped(`detenido en la ${where}`);
    return `Entrenamiento detenido en la ${where}: el modelo conserva los pesos del último lote ` +
      `(${history.epochs.length} épocas completas en el historial). Vuelve a llamar a train() para seguir.`;
  };
  try {
    for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      const lr = getLearningRate(optimizer);
      const perm = options.shuffle === false
        ? Int32Array.from({ length: n }, (_, i) => i)
        : epochPermutation(n, seed, epoch);
      let lossSum = 0, correctSum = 0, seen = 0;
      const trainable = vars();
      for (let b = 0; b < batchesPerEpoch; b++) {
        reached = { epoch, batch: b };
        loop.startStep(); // the batch's tensors are freed even if Stop interrupts it
        const idx = perm.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const idxT = tf.tensor1d(idx, "int32");
        let xb = tf.gather(xTrain, idxT) as tf.Tensor4D;
        const yb = tf.tidy(() => tf.oneHot(tf.gather(yTrain, idxT).toInt(), numClasses).toFloat());
        idxT.dispose();
        if (augmentFn) {
          const aug = augmentFn(xb, seed * 1000003 + epoch * 100003 + b);
          if (aug !== xb) xb.dispose();
          xb = aug;
        }
        dropouts.forEach((l, i) => l.seed = (seed * 1000003 + epoch * 100003 + b * 101 + i) >>> 0);
        let correct: tf.Scalar | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const p = model.apply(xb, { training: true }) as tf.Tensor2D;
          correct = tf.keep(tf.equal(p.argMax(1), yb.argMax(1)).toFloat().sum());
          loop.hold([correct]); // kept tensors outlive the step's scope: freed by the loop if Stop cuts the step
          return tf.metrics.categoricalCrossentropy(yb, p).mean() as tf.Scalar;
        }, trainable);
        if (wd > 0) {
          for (const v of trainable) {
            if (!isKernel(v) || !grads[v.name]) continue;
            const g = grads[v.name];
            grads[v.name] = tf.tidy(() => g.add(v.mul(wd)));
            g.dispose();
          }
        }
        optimizer.applyGradients(grads);
        tf.dispose(grads);
        xb.dispose();
        yb.dispose();
        loop.endStep([value, correct!]);
        const [lv, cv] = await loop.wait(Promise.all([value.data(), correct!.data()]));
        value.dispose();
        correct!.dispose();
        loop.released();
        reached = { epoch, batch: b + 1 };
        lossSum += lv[0] * idx.length;
        correctSum += cv[0];
        seen += idx.length;
        const running = { loss: lossSum / seen, acc: correctSum / seen };
        await loop.wait(Promise.resolve(options.callbacks?.onBatchEnd?.(b + 1, running)));
        await loop.wait(
          progress.batch({ epoch, batch: b + 1, ...running, samplesDone: (epoch - firstEpoch) * n + seen }),
        );
        if (model.stopTraining) break;
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
      if (val) {
        const s = await sumsOver(model, val.x, val.y, numClasses, Math.max(256, batchSize), loop);
        logs.valLoss = s.loss / s.n;
        logs.valAcc = s.correct / s.n;
      }
      logs.seconds = (performance.now() - t0) / 1000;
      history.epochs.push(logs);
      history.totalSeconds += logs.seconds;
      await loop.wait(progress.epochEnd(logs, logs.seconds));
      await loop.wait(Promise.resolve(options.callbacks?.onEpochEnd?.(epoch, logs)));

      // Early stopping: remember the best weights.
      if (es && esState) {
        const state = esState.update(logs);
        if (state === "improved") {
          history.bestEpoch = epoch;
          if (es.restoreBestWeights) {
            tf.dispose(bestWeights);
            bestWeights = model.getWeights().map((w) => w.clone());
          }
        } else if (state === "plateau") {
          history.stopReason = "earlyStopping";
          progress.note(`Early stopping: ${esState.monitor} no mejora desde la época ${history.bestEpoch}.`);
        }
      }
      // Reduce the learning rate on plateau.
      if (rlr && rlrState?.update(logs) === "plateau") {
        const newLr = Math.max(rlr.minLr, lr * rlr.factor);
        if (newLr < lr) {
          setLearningRate(optimizer, newLr);
          progress.note(
            `Época ${epoch}: ${rlrState.monitor} no mejora; learning rate ${lr.toExponential(1)} → ${
              newLr.toExponential(1)
            }.`,
          );
        }
        rlrState.wait = 0;
      }
      if (options.checkpointDir) await loop.wait(saveCheckpoint(model, options.checkpointDir, { history }));
      if (history.stopReason === "earlyStopping") break;
      if (model.stopTraining) {
        history.stopReason = "callback";
        break;
      }
    }
    if (es?.restoreBestWeights && bestWeights && history.stopReason === "earlyStopping") {
      model.setWeights(bestWeights);
    }
  } finally {
    cleanup();
  }
  const last = history.epochs[history.epochs.length - 1];
  const summary = last
    ? `terminado: ${history.epochs.length} épocas, acc ${last.acc.toFixed(3)}` +
      (last.valAcc !== undefined ? `, val_acc ${last.valAcc.toFixed(3)}` : "") +
      (history.stopReason === "earlyStopping" ? ` (early stopping; mejor época ${history.bestEpoch})` : "")
    : "terminado";
  await loop.wait(progress.end(summary));
  await loop.wait(Promise.resolve(options.callbacks?.onTrainEnd?.(history)));
  return history;
}

/** Saves a history as JSON (atomically). */
export async function saveHistory(history: History, path: string): Promise<void> {
  if (!history || !Array.isArray(history.epochs)) {
    throw new Error(`history debe ser el resultado de train() (recibido: ${typeof history}).`);
  }
  await writeFileAtomic(path, JSON.stringify(history, null, 1));
}

/** Reads a history saved by {@link saveHistory}. */
export async function loadHistory(path: string): Promise<History> {
  const h = JSON.parse(await Deno.readTextFile(path));
  if (!h || !Array.isArray(h.epochs)) throw new Error(`"${path}" no contiene un historial de entrenamiento.`);
  return h as History;
}
