/**
 * The experiment of block 7: data augmentation acts as regularisation. The same small CNN (same
 * initial weights) is trained twice on a small Fashion-MNIST subset, without and with on-the-fly
 * augmentation; the gap between training and validation accuracy is smaller with augmentation.
 * @module
 */
import { buildModel } from "../cnn/build.ts";
import { defineArchitecture } from "../cnn/architecture.ts";
import { randomAugment, type RandomAugmentOptions } from "../data/augment.ts";
import { type Dataset, disposeDataset } from "../data/dataset.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { disposeModel, lossAndAccuracy, train } from "../learn/train.ts";
import type { History } from "../learn/history.ts";

/** Options for {@link augmentationExperiment}. */
export interface AugmentationExperimentOptions {
  /** Training images per class (Fashion-MNIST train split, class-balanced); default 50 (500 in total). */
  perClass?: number;
  /** Validation images per class (from the test split); default 100 (1,000 in total). */
  valPerClass?: number;
  /** Epochs of each run; default 20. */
  epochs?: number;
  /** Mini-batch size; default 32. */
  batchSize?: number;
  /** Seed of the subset, the initial weights, the shuffling and the augmentation; default 0. */
  seed?: number;
  /** Augmentation of the second run; default `{ rotation: 10, translate: 0.1, zoom: 0.1, flip: "horizontal" }`. */
  augment?: Omit<RandomAugmentOptions, "seed">;
  /** The CNN, in lecture notation; default `["CONV3-16/p1", "POOL2", "CONV3-32/p1", "POOL2", "FC-64", "FC-10"]`. */
  layers?: string[];
  /**
   * Also measure accuracy on a copy of the validation set transformed once with these ranges (fixed seed):
   * images that vary like real photos (off-centre, tilted), which the un-augmented training set lacks.
   */
  variedValidation?: Omit<RandomAugmentOptions, "seed">;
  /** Use these datasets instead of loading Fashion-MNIST subsets (not disposed). */
  data?: { train: Dataset; validation: Dataset };
  /** Live progress of each training (as `train`'s `progress`); default false. */
  progress?: false | "auto" | "notebook" | "terminal";
}

/** One of the two runs. */
export interface AugmentationRun {
  /** "sin aumento" or "con aumento". */
  name: string;
  /**
   * Per-epoch history, where `acc`/`loss` are measured after each epoch on the **un-augmented** training
   * images in inference mode (so both runs are compared on the same images); ready for `trainingCurves`.
   */
  history: History;
  /** The history as `train` returned it (`acc`/`loss` over the augmented batches, dropout active). */
  rawHistory: History;
  /** Training accuracy per epoch (un-augmented images). */
  trainAcc: number[];
  /** Validation accuracy per epoch. */
  valAcc: number[];
  /** Generalisation gap: training minus validation accuracy, mean over the last 3 epochs. */
  gap: number;
  /** Accuracy per epoch on the varied validation copy (only with `variedValidation`). */
  variedValAcc?: number[];
}

/** What {@link augmentationExperiment} returns. */
export interface AugmentationExperimentResult {
  /** Run without augmentation. */
  plain: AugmentationRun;
  /** Run with augmentation. */
  augmented: AugmentationRun;
  /** Training and validation sizes. */
  sizes: { train: number; validation: number };
  /** The augmentation used. */
  augment: Omit<RandomAugmentOptions, "seed">;
  /** Seconds of the whole experiment. */
  seconds: number;
}

const DEFAULT_LAYERS = ["CONV3-16/p1", "POOL2", "CONV3-32/p1", "POOL2", "FC-64", "FC-10"];

/**
 * Trains the same small CNN twice on a small Fashion-MNIST subset — without, then with augmentation —
 * and returns per-epoch training/validation accuracy of both runs and their generalisation gaps.
 * Seeded: the same options give the same numbers on the same backend. Disposes everything it creates.
 *
 * @example
 * const r = await augmentationExperiment({ perClass: 50, epochs: 20 });
 * r.plain.gap > r.augmented.gap // true: augmentation regularises
 */
export async function augmentationExperiment(
  options: AugmentationExperimentOptions = {},
): Promise<AugmentationExperimentResult> {
  const t0 = performance.now();
  const seed = options.seed ?? 0;
  const perClass = options.perClass ?? 50;
  const valPerClass = options.valPerClass ?? 100;
  for (const [name, v] of [["perClass", perClass], ["valPerClass", valPerClass]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} debe ser un entero ≥ 1 y es ${v}.`);
  }
  const augment = options.augment ?? { rotation: 10, translate: 0.1, zoom: 0.1, flip: "horizontal" };
  const own = options.data === undefined;
  const trainDs = options.data?.train ?? await loadFashionMnist({ split: "train", limit: perClass * 10, seed });
  const valDs = options.data?.validation ??
    await loadFashionMnist({ split: "test", limit: valPerClass * 10, seed: seed + 1 });
  const varied = options.variedValidation
    ? { ...valDs, images: randomAugment(valDs.images, { ...options.variedValidation, seed: seed + 2 }) }
    : undefined;
  const [, h, w, c] = trainDs.images.shape;
  const arch = defineArchitecture("CNN pequeña", {
    input: { height: h, width: w, depth: c },
    layers: options.layers ?? DEFAULT_LAYERS,
  });
  const run = async (name: string, aug: Omit<RandomAugmentOptions, "seed"> | undefined): Promise<AugmentationRun> => {
    const model = buildModel(arch, { seed, classes: trainDs.classNames.length });
    const clean: Array<{ loss: number; acc: number }> = [];
    const variedAcc: number[] = [];
    try {
      const rawHistory = await train(model, trainDs, {
        epochs: options.epochs ?? 20,
        batchSize: options.batchSize ?? 32,
        seed,
        validationData: valDs,
        augment: aug,
        progress: options.progress ?? false,
        title: `${name}`,
        callbacks: {
          onEpochEnd: async () => {
            clean.push(await lossAndAccuracy(model, trainDs));
            if (varied) variedAcc.push((await lossAndAccuracy(model, varied)).acc);
          },
        },
      });
      const history: History = {
        ...rawHistory,
        epochs: rawHistory.epochs.map((e, i) => ({ ...e, acc: clean[i].acc, loss: clean[i].loss })),
      };
      const trainAcc = clean.map((x) => x.acc);
      const valAcc = rawHistory.epochs.map((e) => e.valAcc ?? NaN);
      const last = Math.min(3, trainAcc.length);
      let gap = 0;
      for (let i = trainAcc.length - last; i < trainAcc.length; i++) gap += (trainAcc[i] - valAcc[i]) / last;
      return { name, history, rawHistory, trainAcc, valAcc, gap, ...(varied ? { variedValAcc: variedAcc } : {}) };
    } finally {
      disposeModel(model);
    }
  };
  try {
    const plain = await run("sin aumento", undefined);
    const augmented = await run("con aumento", augment);
    return {
      plain,
      augmented,
      sizes: { train: trainDs.images.shape[0], validation: valDs.images.shape[0] },
      augment,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    if (own) disposeDataset(trainDs, valDs);
    varied?.images.dispose();
  }
}
