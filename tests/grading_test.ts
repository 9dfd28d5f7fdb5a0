import assert from "node:assert/strict";
import { budgetedEpochs, disposeModel, gradingBudget, setGradingBudget, tf, train } from "../lib/mod.ts";

function toy(n: number) {
  const images = tf.randomUniform([n, 4, 4, 1], 0, 1, "float32", 1) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 2), "int32");
  return { images, labels, classNames: ["a", "b"] };
}

function toyModel() {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({
        units: 2,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
    ],
  });
}

Deno.test("grading budget: off by default; on, train uses a few samples and one epoch per call", async () => {
  assert.equal(gradingBudget(), undefined);
  assert.equal(budgetedEpochs(5, 0), 5);
  const before = tf.memory().numTensors;
  const data = toy(64);
  const model = toyModel();
  try {
    setGradingBudget({ samples: 16, validationSamples: 8 });
    assert.deepEqual(gradingBudget(), { epochs: 1, samples: 16, validationSamples: 8 });
    let batches = 0;
    const h1 = await train(model, data, {
      epochs: 5,
      batchSize: 8,
      progress: false,
      validationData: data,
      callbacks: { onBatchEnd: () => void batches++ },
    });
    assert.equal(h1.epochs.length, 1);
    assert.equal(batches, 2); // 16 samples / batch 8
    const h2 = await train(model, data, { epochs: 6, history: h1, batchSize: 8, progress: false });
    assert.equal(h2.epochs.length, 2); // a resumed run adds one epoch
  } finally {
    setGradingBudget(undefined);
  }
  assert.equal(gradingBudget(), undefined);
  const h3 = await train(model, data, { epochs: 3, batchSize: 32, progress: false });
  assert.equal(h3.epochs.length, 3);
  disposeModel(model);
  tf.dispose([data.images, data.labels]);
  assert.equal(tf.memory().numTensors, before);
});
