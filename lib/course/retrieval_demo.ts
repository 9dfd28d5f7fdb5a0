/**
 * Showing an image search (block 1's "retrieval"): the grid of queries and their nearest neighbours, and
 * precision@k, the fraction of neighbours of the query's class.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset.ts";
import { formatNumber } from "../engine/format.ts";
import { imageGrid } from "../show/images.ts";
import type { Neighbour } from "../learn/retrieval.ts";

/** What {@link retrievalGrid} draws. */
export interface RetrievalGridInput {
  /** The query images (row q of the grid starts with query q). */
  queries: Dataset;
  /** The searched images (`Neighbour.index` points into them). */
  database: Dataset;
  /** The neighbours of each query, nearest first (from `nearestNeighbours`). */
  neighbours: Neighbour[][];
}

/**
 * One row per query: the query, then its neighbours with their distance, green when of the query's class and
 * red otherwise. Returns PNG bytes.
 */
export async function retrievalGrid(input: RetrievalGridInput): Promise<Uint8Array> {
  const { queries, database, neighbours } = input;
  if (neighbours.length !== queries.images.shape[0] || neighbours.length === 0) {
    throw new Error(
      `retrievalGrid: hay ${queries.images.shape[0]} consultas y ${neighbours.length} listas de vecinas.`,
    );
  }
  const k = neighbours[0].length;
  const queryLabels = Array.from(await queries.labels.data());
  const dbLabels = Array.from(await database.labels.data());
  const images = tf.tidy(() =>
    tf.concat(neighbours.flatMap((list, q) => [
      queries.images.slice([q], [1]),
      tf.gather(database.images, list.map((v) => v.index)),
    ]))
  ) as tf.Tensor4D;
  try {
    return await imageGrid(images, {
      cols: k + 1,
      labels: neighbours.flatMap((list, q) => [
        `consulta: ${queries.classNames[queryLabels[q]]}`,
        ...list.map((v) => `d = ${formatNumber(v.distance, { decimals: 1 })}`),
      ]),
      labelColors: neighbours.flatMap((list, q) => [
        "#000000",
        ...list.map((v) => (dbLabels[v.index] === queryLabels[q] ? "#1a7f37" : "#cf222e")),
      ]),
    });
  } finally {
    images.dispose();
  }
}

/** Where the labels of {@link precisionAtK} come from. */
export interface PrecisionAtKInput {
  /** The queries (their labels, in the order of the neighbour lists). */
  queries: Dataset;
  /** The searched images (`Neighbour.index` points into them). */
  database: Dataset;
}

/** precision@k: over all queries, the fraction of neighbours whose class is the query's class. */
export async function precisionAtK(neighbours: Neighbour[][], input: PrecisionAtKInput): Promise<number> {
  const queryLabels = Array.from(await input.queries.labels.data() as Int32Array);
  const databaseLabels = Array.from(await input.database.labels.data() as Int32Array);
  return precisionFromLabels(neighbours, queryLabels, databaseLabels);
}

/** {@link precisionAtK} from plain label arrays. */
export function precisionFromLabels(
  neighbours: Neighbour[][],
  queryLabels: number[],
  databaseLabels: number[],
): number {
  if (neighbours.length === 0 || neighbours.length !== queryLabels.length) {
    throw new Error(`precisionAtK: ${neighbours.length} listas de vecinas para ${queryLabels.length} consultas.`);
  }
  let same = 0, total = 0;
  neighbours.forEach((list, q) => {
    for (const v of list) {
      if (databaseLabels[v.index] === undefined) throw new Error(`Vecina ${v.index} fuera de la base de datos.`);
      same += databaseLabels[v.index] === queryLabels[q] ? 1 : 0;
      total++;
    }
  });
  return total === 0 ? 0 : same / total;
}
