/**
 * Evaluation of a trained classifier: accuracy, per-class precision/recall, confusion matrix and the most
 * confidently wrong examples (with their images), computed in batches without leaking tensors.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset.ts";
import { escapeMarkdown, withDisplay } from "../show/display.ts";
import { formatCount, formatNumber, formatPercent } from "../engine/format.ts";
import { plainText } from "../show/mime.ts";
import { runStoppable, type StoppableLoop } from "../engine/interrupt.ts";
import { checkDatasetFitsModel, checkModel, checkOptions, checkTensor, InputError } from "../engine/validate.ts";

/** Options for {@link evaluate}. */
export interface EvaluateOptions {
  /** Prediction batch size; default 256. */
  batchSize?: number;
  /** Class names (default: `data.classNames`, else "0", "1", …). */
  classNames?: string[];
  /** How many of the most confidently wrong examples to keep (with images); default 12. */
  topWrong?: number;
}

/** Precision/recall of one class. */
export interface ClassReport {
  /** Class index. */
  label: number;
  /** Class name. */
  name: string;
  /** Of the examples predicted as this class, the fraction that are (NaN when never predicted). */
  precision: number;
  /** Of the examples of this class, the fraction predicted as it (NaN when it has no examples). */
  recall: number;
  /** Harmonic mean of precision and recall. */
  f1: number;
  /** Number of examples of this class. */
  support: number;
}

/** A misclassified example. */
export interface WrongExample {
  /** Index in the evaluated dataset. */
  index: number;
  /** True class. */
  trueLabel: number;
  /** Predicted class. */
  predLabel: number;
  /** Probability the model gave to its (wrong) prediction. */
  confidence: number;
  /** The image, `[height][width][channels]`, values as in the dataset (usually [0, 1]). */
  image: number[][][];
}

/** Result of {@link evaluate}; displays itself in a notebook as a small report. */
export interface Evaluation {
  /** Fraction of examples classified correctly. */
  accuracy: number;
  /** Mean categorical cross-entropy. */
  loss: number;
  /** Number of examples evaluated. */
  count: number;
  /** Class names, indexed by label. */
  classNames: string[];
  /** `confusion[trueLabel][predLabel]` = number of examples. */
  confusion: number[][];
  /** One report per class. */
  perClass: ClassReport[];
  /** The most confidently wrong examples, most confident first. */
  wrong: WrongExample[];
}

/**
 * Class probabilities of `model` for `images` (`[n, h, w, c]`), predicted in batches in inference mode.
 * Returns a flat `Float32Array` of `n × numClasses` values (row i = example i).
 * Jupyter's Stop ends the call at once with an InterruptedError ("Predicción detenida en el lote …").
 */
export function predictProbabilities(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  options: { batchSize?: number } = {},
): Promise<{ probs: Float32Array; numClasses: number }> {
  return runStoppable("Predicción", async (loop) => {
    checkModel("model", model);
    checkTensor("images", images, 4);
    checkOptions("predictProbabilities", options, { batchSize: true });
    let done = 0;
    const batches = Math.ceil(images.shape[0] / (options.batchSize ?? 256));
    loop.onStop = () => `Predicción detenida en el lote ${done + 1}/${batches}.`;
    return await predictWatched(loop, model, images, options.batchSize, () => done++);
  });
}

/**
 * The batched prediction of {@link predictProbabilities}, inside the caller's stoppable loop (busy on entry
 * and on return); `onBatch` is called after each batch was read.
 */
async function predictWatched(
  loop: StoppableLoop,
  model: tf.LayersModel,
  images: tf.Tensor4D,
  batchSize: number | undefined,
  onBatch: () => void,
): Promise<{ probs: Float32Array; numClasses: number }> {
  const shape = model.outputs[0].shape;
  const numClasses = shape[shape.length - 1] as number;
  const probs = new Float32Array(images.shape[0] * numClasses);
  for await (const { output, start } of predictBatches(model, images, { batchSize, loop })) {
    probs.set(await loop.wait(output.data()), start * numClasses);
    loop.released();
    onBatch();
  }
  return { probs, numClasses };
}

/** One batch of {@link predictBatches}: the model's output for `images[start, start + size)`. */
export interface PredictedBatch {
  /** The model's output for the batch; disposed when the loop moves on (clone or derive what you keep). */
  output: tf.Tensor;
  /** Index of the batch's first example. */
  start: number;
  /** Examples in the batch. */
  size: number;
}

/**
 * The one batched-inference loop of the kit (evaluation, validation during training, feature extraction):
 * predicts `images` (`[n, h, w, c]`) in inference mode, `batchSize` (default 256) at a time, and yields each
 * batch's output, disposing it when the consumer asks for the next one. With `loop`, each output is held by
 * that loop as soon as it exists (see {@link watchedStep}).
 */
export async function* predictBatches(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  options: { batchSize?: number; loop?: StoppableLoop } = {},
): AsyncGenerator<PredictedBatch> {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InputError(`options.batchSize debe ser un entero ≥ 1 y es ${batchSize}.`, { field: "batchSize" });
  }
  const n = images.shape[0];
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const batch = () => model.predict(images.slice([start, 0, 0, 0], [size, -1, -1, -1])) as tf.Tensor;
    const output = options.loop ? watchedStep(options.loop, batch) : tf.tidy(batch);
    try {
      yield { output, start, size };
    } finally {
      output.dispose();
    }
  }
}

/**
 * `f()` in a step of `loop` (Jupyter's Stop): its intermediates are freed like `tf.tidy`'s, and its output is
 * held by the loop from the moment the step's scope closes, so a Stop anywhere after it (the generator's
 * `yield`, the consumer's `await`) cannot leak it; the consumer calls `loop.released()` when done with it.
 */
function watchedStep(loop: StoppableLoop, f: () => tf.Tensor): tf.Tensor {
  loop.startStep();
  let output: tf.Tensor | undefined;
  try {
    output = f();
  } finally {
    loop.endStep(output ? [output] : []);
  }
  return output;
}

function pct(v: number): string {
  return formatPercent(v);
}

/** A Markdown summary of an evaluation: accuracy, per-class table, most confused pairs. */
export function evaluationMarkdown(ev: Evaluation): string {
  const rows = ev.perClass.map((c) =>
    `| ${c.label} | ${escapeMarkdown(c.name)} | ${pct(c.precision)} | ${pct(c.recall)} | ${formatCount(c.support)} |`
  );
  const pairs: Array<[number, number, number]> = [];
  ev.confusion.forEach((row, t) => row.forEach((v, p) => t !== p && v > 0 && pairs.push([v, t, p])));
  pairs.sort((a, b) => b[0] - a[0]);
  const confused = pairs.slice(0, 3).map(([v, t, p]) =>
    `${escapeMarkdown(ev.classNames[t])} → ${escapeMarkdown(ev.classNames[p])} (${v})`
  );
  return [
    `**Exactitud: ${pct(ev.accuracy)}** (${formatCount(ev.count)} ejemplos, pérdida ${
      formatNumber(ev.loss, { decimals: 4 })
    })`,
    "",
    "| clase | nombre | precision | recall | ejemplos |",
    "|---:|---|---:|---:|---:|",
    ...rows,
    "",
    confused.length ? `Confusiones más frecuentes (real → predicha): ${confused.join(", ")}.` : "Ninguna confusión.",
  ].join("\n");
}

/** Wraps an evaluation so that, as the last expression of a notebook cell, it shows its report. */
function displayable(ev: Evaluation): Evaluation {
  return withDisplay(ev, () => ({
    "text/markdown": evaluationMarkdown(ev),
    "text/plain": plainText(evaluationMarkdown(ev)),
  }));
}

/**
 * Evaluates `model` on `data`: accuracy, loss, confusion matrix, per-class precision and recall, and the
 * most confidently wrong examples with their images.
 *
 * Jupyter's Stop ends the call within a fraction of a second with a one-line `InterruptedError` that says
 * where it stopped (checking the data, batch k/n, or the report), whenever it is pressed; no tensor is left.
 */
export function evaluate(model: tf.LayersModel, data: Dataset, options: EvaluateOptions = {}): Promise<Evaluation> {
  // One watched loop from the door checks to the report: a Stop at any moment is noticed (issue 15).
  return runStoppable("Evaluación", (loop) => evaluateWatched(loop, model, data, options));
}

/** The steps of {@link evaluate}, watched by `loop` (Jupyter's Stop). */
async function evaluateWatched(
  loop: StoppableLoop,
  model: tf.LayersModel,
  data: Dataset,
  options: EvaluateOptions,
): Promise<Evaluation> {
  let where = "al comprobar los datos";
  loop.onStop = () => `Evaluación detenida ${where}: vuelve a ejecutar la celda para calcularla entera.`;
  checkOptions("evaluate", options, { batchSize: true, classNames: true, topWrong: true });
  // labels: one per image, classes of the model (their read is a watched wait)
  await checkDatasetFitsModel("data", data, checkModel("model", model), loop);
  const topWrong = options.topWrong ?? 12;
  if (!Number.isInteger(topWrong) || topWrong < 0) {
    throw new InputError(`topWrong debe ser un entero ≥ 0 y es ${topWrong}.`, { field: "topWrong" });
  }
  const batches = Math.ceil(data.images.shape[0] / (options.batchSize ?? 256));
  let done = 0;
  where = `en el lote 1/${batches}`;
  const { probs, numClasses } = await predictWatched(loop, model, data.images, options.batchSize, () => {
    done++;
    where = done < batches ? `en el lote ${done + 1}/${batches}` : "al preparar el informe";
  });
  where = "al preparar el informe";
  const labels = await loop.wait(data.labels.data());
  const n = labels.length;
  const names = options.classNames ?? data.classNames ?? [];
  const classNames = Array.from({ length: numClasses }, (_, i) => names[i] ?? String(i));
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let correct = 0, loss = 0;
  const wrong: Array<Omit<WrongExample, "image">> = [];
  for (let i = 0; i < n; i++) {
    const row = probs.subarray(i * numClasses, (i + 1) * numClasses);
    let pred = 0;
    for (let k = 1; k < numClasses; k++) if (row[k] > row[pred]) pred = k;
    const t = labels[i];
    if (!(t >= 0 && t < numClasses)) {
      throw new Error(`La etiqueta ${t} del ejemplo ${i} no es una clase del modelo (tiene ${numClasses} salidas).`);
    }
    confusion[t][pred]++;
    loss -= Math.log(Math.min(1, Math.max(row[t], 1e-7)));
    if (pred === t) correct++;
    else wrong.push({ index: i, trueLabel: t, predLabel: pred, confidence: row[pred] });
  }
  wrong.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  const kept = wrong.slice(0, topWrong);
  let images: number[][][][] = [];
  if (kept.length > 0) {
    const t = tf.tidy(() => tf.gather(data.images, tf.tensor1d(kept.map((w) => w.index), "int32")));
    loop.hold([t]); // freed by the loop's repair if Stop cuts the read below
    images = await loop.wait(t.array()) as number[][][][];
    t.dispose();
    loop.released();
  }
  const perClass: ClassReport[] = classNames.map((name, k) => {
    const tp = confusion[k][k];
    const support = confusion[k].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[k], 0);
    const precision = predicted > 0 ? tp / predicted : NaN;
    const recall = support > 0 ? tp / support : NaN;
    const f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : NaN;
    return { label: k, name, precision, recall, f1, support };
  });
  return displayable({
    accuracy: n > 0 ? correct / n : NaN,
    loss: n > 0 ? loss / n : NaN,
    count: n,
    classNames,
    confusion,
    perClass,
    wrong: kept.map((w, i) => ({ ...w, image: images[i] })),
  });
}
