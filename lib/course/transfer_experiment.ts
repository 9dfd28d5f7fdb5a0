/**
 * The experiment of blocks 8 and 10: training from scratch (with and without augmentation), a frozen
 * pretrained base + new head, and fine-tuning, over several seeds, on the data the notebook passes.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset.ts";
import { disposeModel, train, type TrainOptions } from "../learn/train.ts";
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
