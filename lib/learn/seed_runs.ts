/**
 * One result is an anecdote: with few images, a training run depends a lot on its seed (initial weights,
 * batch order, augmentation). `trainOverSeeds` repeats a recipe over several seeds, keeps the validation
 * accuracy each run reached, measures the final model once on the test set and reports mean ± spread.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset.ts";
import { evaluate } from "./evaluate.ts";
import { formatPercent } from "../engine/format.ts";
import { formatSpread, type Spread, spread } from "./spread.ts";
import { disposeModel } from "./optimizer.ts";
import { type History } from "./history.ts";

/** One run of {@link trainOverSeeds}. */
export interface SeedRun {
  /** Seed of the run. */
  seed: number;
  /** What `fit` returned. */
  history: History;
  /** Best validation accuracy over the epochs (the weights kept by `restoreBestWeights` monitoring `valAcc`). */
  bestValAcc: number;
  /** Accuracy of the final model on the test set, measured once. */
  testAcc: number;
}

/** What {@link trainOverSeeds} returns. */
export interface SeedRunsResult {
  /** Name of the recipe (row of the results table). */
  name: string;
  /** One per seed. */
  runs: SeedRun[];
  /** Best validation accuracy over the seeds. */
  valAcc: Spread;
  /** Test accuracy over the seeds. */
  testAcc: Spread;
  /** Seconds of all the runs. */
  seconds: number;
}

/** The recipe of {@link trainOverSeeds}. */
export interface SeedRecipe {
  /** Seeds, one run each (at least one); e.g. `[0, 1, 2]`. */
  seeds: number[];
  /** Builds a fresh model for a seed. */
  build: (seed: number) => tf.LayersModel | Promise<tf.LayersModel>;
  /** Trains it (with validation data) and returns the history. */
  fit: (model: tf.LayersModel, seed: number) => Promise<History>;
  /** Test set, measured once per run after training. */
  test: Dataset;
}

/**
 * Runs `recipe` once per seed: build → fit → evaluate on the test set once → dispose. Returns the runs and
 * mean ± spread of the best validation accuracy and of the test accuracy.
 *
 * @example
 * const cero = await trainOverSeeds("desde cero", {
 *   seeds: [0, 1, 2], test,
 *   build: (seed) => smallVgg({ classes: 5, seed }),
 *   fit: (m, seed) => train(m, entrenamiento, { epochs: 40, seed, validationData: validacion }),
 * });
 */
export async function trainOverSeeds(name: string, recipe: SeedRecipe): Promise<SeedRunsResult> {
  if (!recipe || !Array.isArray(recipe.seeds) || recipe.seeds.length === 0) {
    throw new Error(`trainOverSeeds: recipe.seeds debe ser una lista de semillas no vacía (p. ej. [0, 1, 2]).`);
  }
  if (typeof recipe.build !== "function" || typeof recipe.fit !== "function" || !recipe.test) {
    throw new Error("trainOverSeeds: la receta necesita build(seed), fit(model, seed) y test.");
  }
  const t0 = performance.now();
  const runs: SeedRun[] = [];
  for (const seed of recipe.seeds) {
    const model = await recipe.build(seed);
    try {
      const history = await recipe.fit(model, seed);
      const vals = history.epochs.map((e) => e.valAcc).filter((v): v is number => v !== undefined);
      if (vals.length === 0) {
        throw new Error(`trainOverSeeds (${name}): fit debe entrenar con validationData para elegir la mejor época.`);
      }
      const testAcc = (await evaluate(model, recipe.test, { topWrong: 0 })).accuracy;
      runs.push({ seed, history, bestValAcc: Math.max(...vals), testAcc });
    } finally {
      disposeModel(model);
    }
  }
  return {
    name,
    runs,
    valAcc: spread(runs.map((r) => r.bestValAcc)),
    testAcc: spread(runs.map((r) => r.testAcc)),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Rows for `dataTable`: one per recipe, with validation and test accuracy as mean ± spread and the range
 * over the seeds, and the seconds it took.
 */
export function seedRunsRows(results: SeedRunsResult[]): Record<string, string>[] {
  return results.map((r) => ({
    paso: r.name,
    semillas: String(r.runs.length),
    "exactitud en validación (mejor época)": formatSpread(r.valAcc),
    "exactitud en test": formatSpread(r.testAcc),
    "test: peor – mejor semilla": `${formatPercent(r.testAcc.min)} – ${formatPercent(r.testAcc.max)}`,
    "tiempo (s)": String(Math.round(r.seconds)),
  }));
}
