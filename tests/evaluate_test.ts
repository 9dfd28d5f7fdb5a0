import assert from "node:assert/strict";
import { tf } from "../lib/mod.ts";
import { evaluate, evaluationMarkdown, predictProbabilities } from "../lib/learn/evaluate.ts";
import { disposeModel } from "../lib/learn/optimizer.ts";

/** A fixed "model": softmax of a known linear map of the 2×2 input, so predictions are computable by hand. */
function fixedModel() {
  const m = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [2, 2, 1] }),
      tf.layers.dense({ units: 3, activation: "softmax", useBias: false }),
    ],
  });
  // logits = [x0, x1, x2] * 5 (x3 unused)
  m.layers[1].setWeights([tf.tensor2d([[5, 0, 0], [0, 5, 0], [0, 0, 5], [0, 0, 0]])]);
  return m;
}

Deno.test("evaluate: accuracy, confusion matrix, precision/recall and confident mistakes by hand", async () => {
  const m = fixedModel();
  // Pixel with the highest value = predicted class.
  const rows = [
    [1, 0, 0, 0], // pred 0, true 0
    [0, 1, 0, 0], // pred 1, true 1
    [0, 0, 1, 0], // pred 2, true 2
    [0.9, 0, 0, 0], // pred 0, true 1  (wrong, confident)
    [0, 0, 0.3, 0], // pred 2, true 0  (wrong, less confident)
    [0, 1, 0, 0], // pred 1, true 1
  ];
  const images = tf.tensor4d(rows.flat(), [6, 2, 2, 1]);
  const labels = tf.tensor1d([0, 1, 2, 1, 0, 1], "int32");
  const before = tf.memory().numTensors;
  const ev = await evaluate(m, { images, labels, classNames: ["a", "b", "c"] }, { batchSize: 4, topWrong: 5 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(ev.count, 6);
  assert.equal(ev.accuracy, 4 / 6);
  assert.deepEqual(ev.confusion, [[1, 0, 1], [1, 2, 0], [0, 0, 1]]);
  assert.deepEqual(ev.perClass.map((c) => c.support), [2, 3, 1]);
  assert.deepEqual(ev.perClass.map((c) => c.precision), [1 / 2, 1, 1 / 2]);
  assert.deepEqual(ev.perClass.map((c) => c.recall), [1 / 2, 2 / 3, 1]);
  assert.deepEqual(ev.wrong.map((w) => [w.index, w.trueLabel, w.predLabel]), [[3, 1, 0], [4, 0, 2]]);
  const p = Math.exp(4.5) / (Math.exp(4.5) + 2); // softmax([4.5, 0, 0])[0]
  assert.ok(Math.abs(ev.wrong[0].confidence - p) < 1e-5);
  assert.deepEqual(ev.wrong[0].image, [[[0.9], [0]], [[0], [0]]].map((r) => r.map((px) => px.map(Math.fround))));
  // Loss = mean cross-entropy, checked against tf.metrics.
  const ref = tf.tidy(() =>
    tf.metrics.categoricalCrossentropy(tf.oneHot(labels, 3), m.predict(images) as tf.Tensor).mean()
  );
  assert.ok(Math.abs((await ref.data())[0] - ev.loss) < 1e-4);
  ref.dispose();
  const md = evaluationMarkdown(ev);
  assert.match(md, /Exactitud: 66,7 %/);
  assert.match(md, /\| 1 \| b \| 100,0 % \| 66,7 % \| 3 \|/);
  // deno-lint-ignore no-explicit-any
  const bundle = (ev as any)[Symbol.for("Jupyter.display")]();
  assert.ok(bundle["text/markdown"].includes("precision"));
  tf.dispose([images, labels]);
  disposeModel(m);
});

Deno.test("predictProbabilities matches model.predict in any batch size without leaking", async () => {
  const m = fixedModel();
  const x = tf.randomUniform([11, 2, 2, 1], 0, 1, "float32", 3) as tf.Tensor4D;
  const ref = m.predict(x) as tf.Tensor;
  const want = Array.from(await ref.data());
  const before = tf.memory().numTensors;
  for (const batchSize of [1, 4, 11, 64]) {
    const { probs, numClasses } = await predictProbabilities(m, x, { batchSize });
    assert.equal(numClasses, 3);
    probs.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6));
  }
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(() => predictProbabilities(m, x, { batchSize: 0 }), /batchSize debe ser un entero ≥ 1 y es 0/);
  tf.dispose([x, ref]);
  disposeModel(m);
});

Deno.test("evaluate rejects labels outside the model's classes", async () => {
  const m = fixedModel();
  const images = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
  const labels = tf.tensor1d([7], "int32");
  await assert.rejects(
    () => evaluate(m, { images, labels, classNames: [] }),
    /data\.labels\[0\] = 7 no es una clase del modelo/,
  );
  tf.dispose([images, labels]);
  disposeModel(m);
});
