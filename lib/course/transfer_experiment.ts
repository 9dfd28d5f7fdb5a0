/**
 * The experiment of blocks 8 and 10: training from scratch (with and without augmentation), a frozen
 * pretrained base + new head, and fine-tuning, over several seeds, on the data the notebook passes.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset.ts";
import { disposeModel } from "../learn/optimizer.ts";
import { train, type TrainOptions } from "../learn/train.ts";
import type { History } from "../learn/history.ts";
import { evaluate } from "../learn/evaluate.ts";
import { escapeMarkdown, withDisplay } from "../show/display.ts";
import { plainText } from "../show/mime.ts";
import { formatCount, formatNumber, formatPercent, formatSeconds } from "../engine/format.ts";
import {
  addHead,
  countTrainableParams,
  cutAt,
  freeze,
  loadPretrained,
  PRETRAINED_BASE,
  setTrainable,
} from "../learn/transfer.ts";
import { smallVgg } from "../cnn/catalogue.ts";
import { checkOptions } from "../engine/validate.ts";

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
    `Entrenamiento con ${formatCount(r.sizes.train)} imágenes, test con ${
      formatCount(r.sizes.test)
    } · backend ${r.backend}` +
    (r.seeds.length > 1 ? ` · media de ${r.seeds.length} repeticiones (semillas ${r.seeds.join(", ")})` : ""),
    "",
    "| variante | exactitud (test) | parámetros entrenables | épocas | tiempo |",
    "|---|---:|---:|---:|---:|",
    ...r.rows.map((x) =>
      `| ${escapeMarkdown(x.label)} | ${formatPercent(x.accuracy)}${
        x.accuracies && x.accuracies.length > 1
          ? ` (${x.accuracies.map((a) => formatNumber(100 * a, { decimals: 1 })).join(" / ")})`
          : ""
      } | ${formatCount(x.trainableParams)} | ${x.epochs} | ${formatSeconds(x.seconds)} |`
    ),
  ].join("\n");
}

/** The data of {@link transferExperiment}. */
export interface TransferData {
  /** The small labelled training set. */
  train: Dataset;
  /** Held-out set of the same classes: the accuracy of the table. */
  test: Dataset;
  /** Validation images for the per-epoch curves (none by default: the test set is measured once, in the table). */
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
  checkOptions("transferExperiment", options, {
    pretrained: true,
    cutLayer: true,
    headHidden: true,
    headPooling: true,
    fineTuneBlock: true,
    epochs: true,
    fineTuneEpochs: true,
    scratchEpochs: true,
    lr: true,
    fineTuneLr: true,
    batchSize: true,
    seed: true,
    repeats: true,
    variants: true,
    augment: true,
    augmentAll: true,
    progress: true,
  });
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
  return withDisplay(results, () => ({
    "text/markdown": transferMarkdown(results),
    "text/plain": plainText(transferMarkdown(results)),
  }));
}

/** What the variants of one seed share: the settings and the table they fill. */
interface VariantRun {
  data: TransferData;
  options: TransferExperimentOptions;
  seed: number;
  classes: number;
  epochs: number;
  fineTuneEpochs: number;
  lr: number;
  /** Training options every variant uses (batch size, seed, progress, validation data). */
  common: TrainOptions;
  /** Title and progress output of a variant's training. */
  tag: (variant: TransferVariant) => Pick<TrainOptions, "title" | "progressId">;
  rows: TransferRow[];
  histories: Record<string, History>;
}

/** A trained model with its history and seconds (the frozen one is kept when fine-tuning follows). */
interface Trained {
  model: tf.LayersModel;
  history: History;
  seconds: number;
}

/** One run of every variant with one seed. */
async function runVariants(
  data: TransferData,
  options: TransferExperimentOptions,
  runId: string,
): Promise<{ rows: TransferRow[]; histories: Record<string, History> }> {
  const seed = options.seed ?? 0;
  const run: VariantRun = {
    data,
    options,
    seed,
    classes: data.train.classNames.length,
    epochs: options.epochs ?? 30,
    fineTuneEpochs: options.fineTuneEpochs ?? 10,
    lr: options.lr ?? 3e-3,
    // Validation only on a validation split: the test set is measured once, in the table.
    common: { batchSize: options.batchSize ?? 32, seed, progress: options.progress, validationData: data.validation },
    tag: (variant) => ({ title: `${LABELS[variant]} (semilla ${seed})`, progressId: `${runId}-${variant}` }),
    rows: [],
    histories: {},
  };
  const variants = options.variants ?? ["scratch", "frozen", "finetune"];
  let kept: Trained | undefined;
  try {
    for (const [i, variant] of variants.entries()) {
      const augment = variantAugment(variant, options);
      const t0 = performance.now();
      if (variant === "scratch" || variant === "scratch_aug") {
        await trainScratch(run, variant, augment);
      } else if (variant === "frozen") {
        const frozen = await trainFrozen(run, augment);
        await record(run, variant, frozen.model, frozen.history, (performance.now() - t0) / 1000);
        if (variants.slice(i + 1).includes("finetune")) kept = frozen;
        else disposeModel(frozen.model);
      } else {
        const frozen = kept ?? await trainFrozen(run, augment);
        kept = undefined;
        await fineTune(run, frozen, augment);
      }
    }
  } finally {
    if (kept) disposeModel(kept.model);
  }
  return { rows: run.rows, histories: run.histories };
}

/** The augmentation of a variant (`scratch_aug`, or every variant with `augmentAll`); checks the variant's name. */
function variantAugment(variant: TransferVariant, options: TransferExperimentOptions): TrainOptions["augment"] {
  if (!(variant in LABELS)) {
    throw new Error(`variants contiene "${variant}": usa "scratch", "scratch_aug", "frozen" o "finetune".`);
  }
  const augment = variant === "scratch_aug" || options.augmentAll ? options.augment : undefined;
  if (variant === "scratch_aug" && !augment) {
    throw new Error(
      'La variante "scratch_aug" necesita options.augment (p. ej. (x, s) => randomAugment(x, { seed: s, … })).',
    );
  }
  return augment;
}

/** From scratch: the small VGG, as many epochs as frozen + fine-tuning together. */
async function trainScratch(run: VariantRun, variant: TransferVariant, augment: TrainOptions["augment"]) {
  const t0 = performance.now();
  const inputShape = run.data.train.images.shape.slice(1) as [number, number, number];
  const model = smallVgg({ inputShape, classes: run.classes, seed: run.seed });
  try {
    const history = await train(model, run.data.train, {
      ...run.common,
      epochs: run.options.scratchEpochs ?? run.epochs + run.fineTuneEpochs,
      optimizer: "adam",
      lr: run.lr,
      augment,
      ...run.tag(variant),
    });
    await record(run, variant, model, history, (performance.now() - t0) / 1000);
  } finally {
    disposeModel(model);
  }
}

/** The pretrained base, cut and frozen, with a new head trained on the target classes. */
async function trainFrozen(run: VariantRun, augment: TrainOptions["augment"]): Promise<Trained> {
  const t0 = performance.now();
  const { options } = run;
  const full = await loadPretrained(options.pretrained ?? PRETRAINED_BASE);
  const base = cutAt(full, options.cutLayer ?? "block3_pool");
  freeze(base);
  const head = { classes: run.classes, seed: run.seed, hidden: options.headHidden, pooling: options.headPooling };
  const model = addHead(base, head);
  try {
    const history = await train(model, run.data.train, {
      ...run.common,
      epochs: run.epochs,
      lr: run.lr,
      optimizer: "adam",
      augment,
      ...run.tag("frozen"),
    });
    return { model, history, seconds: (performance.now() - t0) / 1000 };
  } catch (e) { // a Stop (or an error) during this training: the caller never gets the model to dispose
    disposeModel(model);
    throw e;
  }
}

/** Fine-tuning: unfreeze the top block of the base and continue with a 10× lower learning rate (new optimizer). */
async function fineTune(run: VariantRun, frozen: Trained, augment: TrainOptions["augment"]) {
  try {
    const t1 = performance.now();
    setTrainable(frozen.model, true, { match: run.options.fineTuneBlock ?? "block3" });
    const history = await train(frozen.model, run.data.train, {
      ...run.common,
      epochs: run.epochs + run.fineTuneEpochs,
      history: frozen.history,
      optimizer: "adam",
      lr: run.options.fineTuneLr ?? run.lr / 10,
      augment,
      ...run.tag("finetune"),
    });
    await record(run, "finetune", frozen.model, history, frozen.seconds + (performance.now() - t1) / 1000);
  } finally {
    disposeModel(frozen.model);
  }
}

/** Measures a trained variant on the test set (once) and adds its row to the table. */
async function record(
  run: VariantRun,
  variant: TransferVariant,
  model: tf.LayersModel,
  history: History,
  seconds: number,
) {
  const ev = await evaluate(model, run.data.test, { topWrong: 0 });
  run.rows.push({
    variant,
    label: LABELS[variant],
    accuracy: ev.accuracy,
    trainableParams: countTrainableParams(model),
    epochs: history.epochs.length,
    seconds,
  });
  run.histories[LABELS[variant]] = history;
}
