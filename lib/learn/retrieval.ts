/**
 * Image retrieval with a trained CNN (block 1 of the unit): every image becomes the feature vector of one
 * layer (e.g. the last hidden FC layer, as in Krizhevsky et al. 2012), and the images most similar to a
 * query are those whose vectors are nearest to the query's.
 *
 * ```ts
 * const db = await extractFeatures(model, test.images, { layer: "fc1" }); // [n, 128]
 * const q = await extractFeatures(model, queryImages, { layer: "fc1" });
 * const [first] = await nearestNeighbours(db, q, { k: 6 }); // [{ index, distance }, …]
 * tf.dispose([db, q]);
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { findLayer, modelUpTo } from "../cnn/layers.ts";
import { predictBatches } from "./evaluate.ts";
import { checkOptions } from "../engine/validate.ts";

/** Options for {@link featureModel} and {@link extractFeatures}. */
export interface FeatureOptions {
  /** Layer whose output is the feature vector (name or index in `model.layers`); default the layer before the last. */
  layer?: string | number;
  /** Images per prediction batch; default 256. */
  batchSize?: number;
}

/** Options for {@link nearestNeighbours}. */
export interface NeighboursOptions {
  /** Neighbours per query; default 5. */
  k?: number;
  /** `euclidean` (default, ‖a − b‖) or `cosine` (1 − cos(a, b)). */
  metric?: "euclidean" | "cosine";
}

/** One neighbour found by {@link nearestNeighbours}. */
export interface Neighbour {
  /** Row of the database (the example's index in the images the features came from). */
  index: number;
  /** Distance to the query (smaller = more similar). */
  distance: number;
}

/**
 * A model that outputs one layer's activations (it shares the layers and weights of `model`: do not dispose
 * it, dispose `model` when done). Its output has the layer's shape, e.g. `[n, 128]` for an FC layer.
 */
export function featureModel(model: tf.LayersModel, options: FeatureOptions = {}): tf.LayersModel {
  checkOptions("featureModel", options, { layer: true, batchSize: true });
  return modelUpTo(model, findLayer(model, options.layer, { field: "options.layer" }));
}

/**
 * Feature vectors of `images` (`[n, h, w, c]`): the output of one layer, flattened to `[n, d]`, computed in
 * batches in inference mode. The caller disposes the returned tensor.
 */
export async function extractFeatures(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  options: FeatureOptions = {},
): Promise<tf.Tensor2D> {
  checkOptions("extractFeatures", options, { layer: true, batchSize: true });
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    throw new Error(
      `images debe ser un tensor [n, alto, ancho, canales]; se recibió forma [${
        (images as tf.Tensor | undefined)?.shape
      }].`,
    );
  }
  const sub = featureModel(model, options);
  const parts: tf.Tensor2D[] = [];
  try {
    for await (const { output, size } of predictBatches(sub, images, options)) {
      parts.push(output.reshape([size, -1]) as tf.Tensor2D);
      await new Promise((resolve) => setTimeout(resolve, 0)); // let the kernel flush outputs between batches
    }
  } catch (err) {
    tf.dispose(parts);
    throw err;
  }
  if (parts.length === 1) return parts[0];
  const all = tf.concat(parts, 0) as tf.Tensor2D;
  tf.dispose(parts);
  return all;
}

/**
 * The `k` rows of `database` (`[n, d]`) nearest to each row of `queries` (`[q, d]` or one vector `[d]`),
 * nearest first: one list of {@link Neighbour} per query.
 */
export async function nearestNeighbours(
  database: tf.Tensor2D,
  queries: tf.Tensor2D | tf.Tensor1D,
  options: NeighboursOptions = {},
): Promise<Neighbour[][]> {
  checkOptions("nearestNeighbours", options, { k: true, metric: true });
  if (!(database instanceof tf.Tensor) || database.rank !== 2) {
    throw new Error(`database debe ser un tensor [n, d] de vectores; se recibió forma [${database?.shape}].`);
  }
  if (!(queries instanceof tf.Tensor) || (queries.rank !== 1 && queries.rank !== 2)) {
    throw new Error(`queries debe ser un tensor [q, d] o [d]; se recibió forma [${queries?.shape}].`);
  }
  const d = database.shape[1];
  const qd = queries.shape[queries.rank - 1];
  if (qd !== d) {
    throw new Error(
      `Las consultas tienen ${qd} valores y la base de datos ${d}: extrae los dos con la misma capa.`,
    );
  }
  const n = database.shape[0];
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new Error(`options.k debe ser un entero entre 1 y ${n} (tamaño de la base de datos) y es ${k}.`);
  }
  const metric = options.metric ?? "euclidean";
  if (metric !== "euclidean" && metric !== "cosine") {
    throw new Error(`options.metric debe ser "euclidean" o "cosine"; se recibió ${JSON.stringify(metric)}.`);
  }
  const [values, indices] = tf.tidy(() => {
    const q = (queries.rank === 1 ? queries.expandDims(0) : queries) as tf.Tensor2D;
    let dist: tf.Tensor2D;
    if (metric === "cosine") {
      const unit = (x: tf.Tensor2D) => x.div(x.norm("euclidean", 1, true).maximum(1e-12)) as tf.Tensor2D;
      dist = tf.scalar(1).sub(tf.matMul(unit(q), unit(database), false, true));
    } else {
      // ‖q − x‖² = ‖q‖² − 2 q·x + ‖x‖², clipped at 0 against rounding.
      const q2 = q.square().sum(1, true);
      const x2 = database.square().sum(1).expandDims(0);
      dist = q2.sub(tf.matMul(q, database, false, true).mul(2)).add(x2).maximum(0).sqrt() as tf.Tensor2D;
    }
    const top = tf.topk(dist.neg(), k);
    return [top.values.neg(), top.indices];
  });
  const [v, i] = await Promise.all([values.data(), indices.data()]);
  tf.dispose([values, indices]);
  const rows = queries.rank === 1 ? 1 : queries.shape[0];
  return Array.from(
    { length: rows },
    (_, r) => Array.from({ length: k }, (_, j) => ({ index: i[r * k + j], distance: v[r * k + j] })),
  );
}
