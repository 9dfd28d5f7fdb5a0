import assert from "node:assert/strict";
import { tf } from "../lib/mod.ts";
import { precisionAtK, precisionFromLabels, retrievalGrid } from "../lib/course/retrieval_demo.ts";
import type { Dataset } from "../lib/data/dataset.ts";

function ds(labels: number[]): Dataset {
  return {
    images: tf.randomUniform([labels.length, 4, 4, 1], 0, 1, "float32", 1) as tf.Tensor4D,
    labels: tf.tensor1d(labels, "int32"),
    classNames: ["a", "b"],
  };
}

Deno.test("precisionAtK: fraction of neighbours of the query's class (hand-counted)", async () => {
  const neighbours = [
    [{ index: 0, distance: 1 }, { index: 1, distance: 2 }], // query class 0: db 0 → 0 ✔, db 1 → 1 ✘
    [{ index: 1, distance: 1 }, { index: 2, distance: 3 }], // query class 1: db 1 → 1 ✔, db 2 → 1 ✔
  ];
  assert.equal(precisionFromLabels(neighbours, [0, 1], [0, 1, 1]), 3 / 4);
  const queries = ds([0, 1]), database = ds([0, 1, 1]);
  assert.equal(await precisionAtK(neighbours, { queries, database }), 3 / 4);
  assert.throws(() => precisionFromLabels(neighbours, [0], [0, 1, 1]), /2 listas de vecinas para 1 consultas/);
  assert.throws(() => precisionFromLabels([[{ index: 9, distance: 0 }]], [0], [0]), /fuera de la base de datos/);
  const before = tf.memory().numTensors;
  const png = await retrievalGrid({ queries, database, neighbours });
  assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([queries.images, queries.labels, database.images, database.labels]);
});
