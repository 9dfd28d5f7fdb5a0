/**
 * The experiment of block 7: does data augmentation help when data is scarce? The same small CNN is
 * trained on the same small training set without and with on-the-fly augmentation, over several seeds;
 * both are measured on the same untouched validation images (never augmented), and the result is the mean
 * and spread over the seeds. The data comes in as an argument (the notebook loads it).
 * @module
 */
import { buildModel } from "../cnn/build.ts";
import { defineArchitecture } from "../cnn/architecture.ts";
import type { RandomAugmentOptions } from "../data/augment.ts";
import type { Dataset } from "../data/dataset.ts";
import { formatSpread, type Spread, spread } from "../learn/spread.ts";
import { formatPercent } from "../engine/format.ts";
import { disposeModel } from "../learn/optimizer.ts";
import { lossAndAccuracy, train } from "../learn/train.ts";
import { type History } from "../learn/history.ts";
import { checkOptionalNumber, checkOptions } from "../engine/validate.ts";

/** The data of {@link augmentationExperiment}: a (small) training set and untouched validation images. */
export interface AugmentationExperimentData {
  /** Training images (the only ones augmented). */
  train: Dataset;
  /** Validation images, measured as they are (carve them from the training split, not the test split). */
  validation: Dataset;
}

/** Options for {@link augmentationExperiment}. */
export interface AugmentationExperimentOptions {
  /** Epochs of each run (augmentation needs more to converge); default 30. */
  epochs?: number;
  /** Mini-batch size; default 32. */
  batchSize?: number;
  /** Learning rate of Adam; default 1e-3. */
  lr?: number;
  /** One run per seed and condition (initial weights, batch order, augmentation); default `[0, 1, 2]`. */
  seeds?: number[];
  /** Augmentation of the second condition; default `{ translate: 0.1, flip: "horizontal" }`. */
  augment?: Omit<RandomAugmentOptions, "seed">;
  /** The CNN, in lecture notation; default `["CONV3-16/p1", "POOL2", "CONV3-32/p1", "POOL2", "FC-64", "FC-10"]`. */
  layers?: string[];
  /** Epochs averaged for the final figures (the last ones); default 3. */
  lastEpochs?: number;
  /**
   * Measure (clean training accuracy and validation) every this many epochs, plus always the last
   * `lastEpochs` ones, so the final figures do not change; default 1 (every epoch). With few training
   * images and many validation ones, measuring costs as much as training: 5 keeps the curves' shape.
   */
  validationFreq?: number;
  /** Live progress of each training (as `train`'s `progress`); default false. */
  progress?: false | "auto" | "notebook" | "terminal";
}

/** One training run (one condition, one seed). */
export interface AugmentationRun {
  /** "sin aumento" or "con aumento". */
  name: string;
  /** Seed of the run. */
  seed: number;
  /**
   * History of the measured epochs (every one, or every `validationFreq` and the last `lastEpochs`), where
   * `acc`/`loss` are measured on the **un-augmented** training images in inference mode (so both conditions
   * are compared on the same images); ready for `trainingCurves`.
   */
  history: History;
  /** Training accuracy per measured epoch (un-augmented images). */
  trainAcc: number[];
  /** Validation accuracy per measured epoch (untouched validation images). */
  valAcc: number[];
  /** Training accuracy, mean of the last epochs. */
  finalTrainAcc: number;
  /** Validation accuracy, mean of the last epochs. */
  finalValAcc: number;
  /** Generalisation gap: `finalTrainAcc − finalValAcc`. */
  gap: number;
}

/** One condition (without or with augmentation) over all seeds. */
export interface AugmentationCondition {
  /** "sin aumento" or "con aumento". */
  name: string;
  /** One run per seed. */
  runs: AugmentationRun[];
  /** Final training accuracy over the seeds. */
  trainAcc: Spread;
  /** Final validation accuracy over the seeds. */
  valAcc: Spread;
  /** Generalisation gap over the seeds. */
  gap: Spread;
  /** Per-epoch curves averaged over the seeds (clean training and validation accuracy/loss). */
  meanHistory: History;
}

/** What {@link augmentationExperiment} returns. */
export interface AugmentationExperimentResult {
  /** Without augmentation. */
  plain: AugmentationCondition;
  /** With augmentation. */
  augmented: AugmentationCondition;
  /** Training and validation sizes. */
  sizes: { train: number; validation: number };
  /** The augmentation used. */
  augment: Omit<RandomAugmentOptions, "seed">;
  /** Epochs per run. */
  epochs: number;
  /** Seeds used. */
  seeds: number[];
  /** Epochs averaged for the final figures. */
  lastEpochs: number;
  /** The epochs measured (clean training accuracy and validation). */
  measuredEpochs: number[];
  /** Seconds of the whole experiment. */
  seconds: number;
}

const DEFAULT_LAYERS = ["CONV3-16/p1", "POOL2", "CONV3-32/p1", "POOL2", "FC-64", "FC-10"];

function meanOfLast(v: number[], k: number): number {
  const tail = v.slice(-k);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

function averageHistories(runs: AugmentationRun[]): History {
  const first = runs[0].history;
  const avg = (f: (h: History, i: number) => number | undefined, i: number) =>
    runs.reduce((s, r) => s + (f(r.history, i) ?? NaN), 0) / runs.length;
  return {
    ...first,
    epochs: first.epochs.map((e, i) => ({
      ...e,
      loss: avg((h) => h.epochs[i].loss, i),
      acc: avg((h) => h.epochs[i].acc, i),
      valLoss: avg((h) => h.epochs[i].valLoss, i),
      valAcc: avg((h) => h.epochs[i].valAcc, i),
    })),
  };
}

function checkData(data: AugmentationExperimentData) {
  for (const k of ["train", "validation"] as const) {
    if (!data?.[k]?.images || !data[k].labels) {
      throw new Error(
        `augmentationExperiment: data.${k} debe ser un Dataset; pasa { train, validation } ya cargados ` +
          `(p. ej. con subset y splitValidation).`,
      );
    }
  }
}

/**
 * Trains the same small CNN on `data.train` without and with augmentation, once per seed, measuring after
 * every epoch (or every `validationFreq`) the accuracy on the un-augmented training images and on the
 * untouched `data.validation`.
 * Returns both conditions with mean ± spread over the seeds. Seeded: the same data and options give the same
 * numbers on the same backend. Disposes everything it creates (not `data`).
 *
 * @example
 * const r = await augmentationExperiment({ train: pocas, validation }, { epochs: 30, seeds: [0, 1, 2] });
 * r.augmented.valAcc.mean - r.plain.valAcc.mean // what augmentation brings, in accuracy
 */
export async function augmentationExperiment(
  data: AugmentationExperimentData,
  options: AugmentationExperimentOptions = {},
): Promise<AugmentationExperimentResult> {
  checkOptions("augmentationExperiment", options, {
    epochs: true,
    batchSize: true,
    lr: true,
    seeds: true,
    augment: true,
    layers: true,
    lastEpochs: true,
    validationFreq: true,
    progress: true,
  });
  const t0 = performance.now();
  checkData(data);
  const seeds = options.seeds ?? [0, 1, 2];
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s))) {
    throw new Error(`seeds debe ser una lista de enteros no vacía y es ${JSON.stringify(seeds)}.`);
  }
  const epochs = options.epochs ?? 30;
  const lastEpochs = Math.min(options.lastEpochs ?? 3, epochs);
  const freq = checkOptionalNumber("validationFreq", options.validationFreq, { integer: true, min: 1, example: "5" });
  const measured = Array.from({ length: epochs }, (_, i) => i + 1)
    .filter((e) => e % (freq ?? 1) === 0 || e > epochs - lastEpochs);
  const augment = options.augment ?? { translate: 0.1, flip: "horizontal" };
  const [, h, w, c] = data.train.images.shape;
  const arch = defineArchitecture("CNN pequeña", {
    input: { height: h, width: w, depth: c },
    layers: options.layers ?? DEFAULT_LAYERS,
  });
  const run = async (
    name: string,
    seed: number,
    aug?: Omit<RandomAugmentOptions, "seed">,
  ): Promise<AugmentationRun> => {
    const model = buildModel(arch, { seed, classes: data.train.classNames.length });
    const clean: Array<{ loss: number; acc: number }> = [];
    try {
      const raw = await train(model, data.train, {
        epochs,
        batchSize: options.batchSize ?? 32,
        lr: options.lr,
        seed,
        validationData: data.validation,
        validationFreq: measured,
        augment: aug,
        progress: options.progress ?? false,
        title: `${name} (semilla ${seed})`,
        callbacks: {
          onEpochEnd: async (_, logs) => {
            if (logs.valAcc !== undefined) clean.push(await lossAndAccuracy(model, data.train));
          },
        },
      });
      const validated = raw.epochs.filter((e) => e.valAcc !== undefined);
      const history: History = {
        ...raw,
        epochs: validated.map((e, i) => ({ ...e, acc: clean[i].acc, loss: clean[i].loss })),
      };
      const trainAcc = clean.map((x) => x.acc);
      const valAcc = validated.map((e) => e.valAcc!);
      const finalTrainAcc = meanOfLast(trainAcc, lastEpochs), finalValAcc = meanOfLast(valAcc, lastEpochs);
      return { name, seed, history, trainAcc, valAcc, finalTrainAcc, finalValAcc, gap: finalTrainAcc - finalValAcc };
    } finally {
      disposeModel(model);
    }
  };
  const condition = async (name: string, aug?: Omit<RandomAugmentOptions, "seed">): Promise<AugmentationCondition> => {
    const runs: AugmentationRun[] = [];
    for (const seed of seeds) runs.push(await run(name, seed, aug));
    return {
      name,
      runs,
      trainAcc: spread(runs.map((r) => r.finalTrainAcc)),
      valAcc: spread(runs.map((r) => r.finalValAcc)),
      gap: spread(runs.map((r) => r.gap)),
      meanHistory: averageHistories(runs),
    };
  };
  const plain = await condition("sin aumento");
  const augmented = await condition("con aumento", augment);
  return {
    plain,
    augmented,
    sizes: { train: data.train.images.shape[0], validation: data.validation.images.shape[0] },
    augment,
    epochs,
    seeds: [...seeds],
    lastEpochs,
    measuredEpochs: measured,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Rows for `dataTable`, one per condition: final training and validation accuracy and the gap, as
 * mean ± standard deviation over the seeds, and the validation range (worst – best seed).
 */
export function augmentationExperimentRows(result: AugmentationExperimentResult): Record<string, string>[] {
  return [result.plain, result.augmented].map((c) => ({
    entrenamiento: c.name,
    "exactitud en entrenamiento": formatSpread(c.trainAcc),
    "exactitud en validación": formatSpread(c.valAcc),
    "validación: peor – mejor semilla": `${formatPercent(c.valAcc.min)} – ${formatPercent(c.valAcc.max)}`,
    "brecha (puntos)": formatSpread(c.gap).replace(" %", ""),
  }));
}
