import assert from "node:assert/strict";
import { augmentationExperiment, tf } from "../lib/mod.ts";

Deno.test("augmentationExperiment: same CNN with and without augmentation; smaller gap with it; no leak", async () => {
  const before = tf.memory().numTensors;
  const opts = {
    perClass: 20,
    valPerClass: 20,
    epochs: 12,
    batchSize: 20,
    seed: 0,
    variedValidation: { translate: 0.1 },
  };
  const r = await augmentationExperiment(opts);
  assert.deepEqual(r.sizes, { train: 200, validation: 200 });
  for (const run of [r.plain, r.augmented]) {
    assert.equal(run.trainAcc.length, 12);
    assert.equal(run.valAcc.length, 12);
    assert.equal(run.history.epochs.length, 12);
    assert.equal(run.variedValAcc?.length, 12);
    assert.ok(run.trainAcc.every((a) => a >= 0 && a <= 1) && run.valAcc.every((a) => a >= 0 && a <= 1));
    // The gap is the mean of train − validation accuracy over the last 3 epochs.
    const g = [9, 10, 11].reduce((s, i) => s + run.trainAcc[i] - run.valAcc[i], 0) / 3;
    assert.ok(Math.abs(g - run.gap) < 1e-9);
  }
  // Both runs are measured the same way: on the un-augmented training images, in inference mode.
  assert.ok(r.plain.trainAcc.at(-1)! > 0.5, `the CNN learns (${r.plain.trainAcc.at(-1)})`);
  assert.ok(
    r.augmented.gap < r.plain.gap,
    `gap with augmentation ${r.augmented.gap.toFixed(3)} < without ${r.plain.gap.toFixed(3)}`,
  );
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(augmentationExperiment({ perClass: 0 }), /perClass debe ser un entero ≥ 1 y es 0/);
});
