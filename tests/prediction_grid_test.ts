import assert from "node:assert/strict";
import { tf } from "../lib/mod.ts";
import { predictionGrid, predictionLabel, predictions } from "../lib/learn/prediction_grid.ts";
import { disposeModel } from "../lib/learn/optimizer.ts";

Deno.test("predictions and labels: the true class is named on mistakes only", async () => {
  // A fixed "model": softmax of the mean pixel times [-10, 10] → bright images are class 1, dark ones class 0.
  const input = tf.input({ shape: [2, 2, 1] });
  const flat = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({
    units: 2,
    activation: "softmax",
    weights: [tf.tensor2d([[-10, 10]]), tf.tensor1d([5, -5])],
  })
    .apply(flat) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const data = {
    images: tf.tensor4d([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1], [3, 2, 2, 1]),
    labels: tf.tensor1d([0, 1, 0], "int32"),
    classNames: ["oscura", "clara"],
  };
  const preds = await predictions(model, data);
  assert.deepEqual(preds.map((p) => [p.predicted, p.actual]), [[0, 0], [1, 1], [1, 0]]);
  // softmax([5, -5]) = [1/(1+e^-10), …] → 100 %; the bright image: softmax([-5, 5]).
  assert.ok(Math.abs(preds[0].probability - 1 / (1 + Math.exp(-10))) < 1e-5);
  assert.equal(predictionLabel(preds[0], data.classNames), "oscura 100 %");
  assert.equal(predictionLabel(preds[2], data.classNames), "clara 100 % (real: oscura)");
  const before = tf.memory().numTensors;
  const png = await predictionGrid(model, data);
  assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([data.images, data.labels]);
  disposeModel(model);
});
