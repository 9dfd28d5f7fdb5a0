import assert from "node:assert/strict";
import { tf } from "../lib/mod.ts";
import { extractFeatures, featureModel, nearestNeighbours } from "../lib/learn/retrieval.ts";
import { disposeModel } from "../lib/learn/optimizer.ts";
import { seededRandom } from "../lib/data/random.ts";

function tinyCnn() {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 6, 1],
        filters: 2,
        kernelSize: 3,
        activation: "relu",
        name: "conv",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.flatten({ name: "flat" }),
      tf.layers.dense({
        units: 4,
        activation: "relu",
        name: "fc",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
      tf.layers.dense({ units: 3, activation: "softmax", name: "out" }),
    ],
  });
}

/** Brute-force distances in plain JS: the independent reference. */
function bruteForce(db: number[][], q: number[], metric: "euclidean" | "cosine"): number[] {
  return db.map((x) => {
    if (metric === "euclidean") return Math.sqrt(x.reduce((s, v, i) => s + (v - q[i]) ** 2, 0));
    const dot = x.reduce((s, v, i) => s + v * q[i], 0);
    const nx = Math.hypot(...x), nq = Math.hypot(...q);
    return 1 - dot / (nx * nq);
  });
}

Deno.test("extractFeatures: one layer's output, flattened, in batches, equal to predicting that layer", async () => {
  const model = tinyCnn();
  const images = tf.randomUniform([7, 6, 6, 1], 0, 1, "float32", 3) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  for (let round = 0; round < 2; round++) {
    const fc = await extractFeatures(model, images, { layer: "fc", batchSize: 3 });
    assert.deepEqual(fc.shape, [7, 4]);
    const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer("fc").output as tf.SymbolicTensor });
    const ref = sub.predict(images) as tf.Tensor;
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(fc, ref))));
    assert.ok((await diff.data())[0] < 1e-6);
    tf.dispose([ref, diff]);
    fc.dispose();
    // Default: the layer before the last (here "fc"); a conv layer is flattened to [n, 4·4·2].
    const byDefault = await extractFeatures(model, images);
    assert.deepEqual(byDefault.shape, [7, 4]);
    const conv = await extractFeatures(model, images, { layer: 0 });
    assert.deepEqual(conv.shape, [7, 32]);
    tf.dispose([byDefault, conv]);
    assert.equal(tf.memory().numTensors, before);
  }
  assert.equal(featureModel(model, { layer: "conv" }).outputs[0].shape.join(","), ",4,4,2");
  assert.throws(
    () => featureModel(model, { layer: "nope" }),
    /No hay ninguna capa "nope" \(options\.layer\)\. Capas del modelo: conv/,
  );
  assert.throws(() => featureModel(model, { layer: 9 }), /options\.layer=9 no existe/);
  await assert.rejects(() => extractFeatures(model, images, { batchSize: 0 }), /options\.batchSize/);
  images.dispose();
  disposeModel(model);
});

Deno.test("nearestNeighbours: same order and distances as brute force, euclidean and cosine, no leaks", async () => {
  const rand = seededRandom(7);
  const db = Array.from({ length: 40 }, () => Array.from({ length: 5 }, () => rand() * 2 - 1));
  const qs = Array.from({ length: 3 }, () => Array.from({ length: 5 }, () => rand() * 2 - 1));
  const dbT = tf.tensor2d(db);
  const qT = tf.tensor2d(qs);
  const before = tf.memory().numTensors;
  for (const metric of ["euclidean", "cosine"] as const) {
    const found = await nearestNeighbours(dbT, qT, { k: 6, metric });
    assert.equal(found.length, 3);
    qs.forEach((q, r) => {
      const ref = bruteForce(db, q, metric).map((d, i) => ({ i, d })).sort((a, b) => a.d - b.d).slice(0, 6);
      assert.deepEqual(found[r].map((n) => n.index), ref.map((x) => x.i));
      found[r].forEach((n, j) => assert.ok(Math.abs(n.distance - ref[j].d) < 1e-4, `${metric} ${n.distance}`));
    });
  }
  // A query equal to a database row finds it first, at distance ~0; a 1-D query gives one list.
  const self = tf.tensor1d(db[17]);
  const [[first]] = await nearestNeighbours(dbT, self, { k: 1 });
  assert.equal(first.index, 17);
  assert.ok(first.distance < 1e-3);
  self.dispose();
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(() => nearestNeighbours(dbT, qT, { k: 41 }), /options\.k debe ser un entero entre 1 y 40/);
  const wrong = tf.zeros([2, 4]) as tf.Tensor2D;
  await assert.rejects(() => nearestNeighbours(dbT, wrong), /misma capa/);
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    () => nearestNeighbours(dbT, qT, { metric: "manhattan" as any }),
    /options\.metric debe ser "euclidean" o "cosine"/,
  );
  tf.dispose([dbT, qT, wrong]);
});
