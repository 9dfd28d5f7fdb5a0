/**
 * A grid of images with the model's prediction under each one: green when right, red when wrong — and then
 * also the true class, so the mistake can be read (e.g. `abrigo 61 % (real: jersey)`).
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import { predictProbabilities } from "./evaluate.ts";
import { formatPercent } from "../engine/format.ts";
import { imageGrid } from "../show/images.ts";
import type * as tf from "@tensorflow/tfjs";
import { checkOptions } from "../engine/validate.ts";

/** Options for {@link predictionGrid}. */
export interface PredictionGridOptions {
  /** Images per row; default 6. */
  cols?: number;
}

/** One prediction of {@link predictions}. */
export interface Prediction {
  /** Predicted class index. */
  predicted: number;
  /** True class index. */
  actual: number;
  /** Probability the model gives to its predicted class. */
  probability: number;
}

/** The model's most probable class for each image of `data`, with its probability and the true class. */
export async function predictions(model: tf.LayersModel, data: Dataset): Promise<Prediction[]> {
  const { probs, numClasses } = await predictProbabilities(model, data.images);
  const actual = Array.from(await data.labels.data());
  return actual.map((a, i) => {
    const row = probs.subarray(i * numClasses, (i + 1) * numClasses);
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (row[k] > row[best]) best = k;
    return { predicted: best, actual: a, probability: row[best] };
  });
}

/** The label of one prediction: `camiseta 97 %`, or `abrigo 61 % (real: jersey)` when wrong. */
export function predictionLabel(p: Prediction, classNames: string[]): string {
  const text = `${classNames[p.predicted]} ${formatPercent(p.probability, { decimals: 0 })}`;
  return p.predicted === p.actual ? text : `${text} (real: ${classNames[p.actual]})`;
}

/** The images of `data` (a few: they are all drawn) as a PNG grid labelled with the model's predictions. */
export async function predictionGrid(
  model: tf.LayersModel,
  data: Dataset,
  options: PredictionGridOptions = {},
): Promise<Uint8Array> {
  checkOptions("predictionGrid", options, { cols: true });
  if (data.images.shape[0] > 64) {
    throw new Error(
      `predictionGrid dibuja todas las imágenes: pásale unas pocas (subset), no ${data.images.shape[0]}.`,
    );
  }
  const preds = await predictions(model, data);
  return await imageGrid(data.images, {
    labels: preds.map((p) => predictionLabel(p, data.classNames)),
    labelColors: preds.map((p) => (p.predicted === p.actual ? "#1a7f37" : "#cf222e")),
    cols: options.cols ?? 6,
  });
}
