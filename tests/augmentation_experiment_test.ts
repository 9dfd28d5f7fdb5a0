import assert from "node:assert/strict";
import { augmentationExperiment, disposeDataset, loadFashionMnist, splitValidation, spread, tf } from "../lib/mod.ts";

Deno.test("spread: mean, sample standard deviation and range (hand-computed)", () => {
  const s = spread([0.7, 0.8, 0.9]);
  assert.ok(Math.abs(s.mean - 0.8) < 1e-12);
  assert.ok(Math.abs(s.std - 0.1) < 1e-12); // sqrt((0.01 + 0 + 0.01) / 2)
  assert.deepEqual([s.min, s.max], [0.7, 0.9]);
  assert.equal(spread([0.5]).std, 0);
  assert.throws(() => spread([]), /al menos un valor/);
});

Deno.test("augmentationExperiment: both conditions over every seed, on untouched validation data; no leak", async () => {
  const all = await loadFashionMnist({ split: "train", limit: 400, seed: 3 });
  const { train, validation } = await splitValidation(all, { size: 200, seed: 0 });
  const before = tf.memory().numTensors;
  const r = await augmentationExperiment({ train, validation }, { epochs: 4, batchSize: 50, seeds: [0, 1, 2] });
  assert.deepEqual(r.sizes, { train: 200, validation: 200 });
  assert.deepEqual(r.seeds, [0, 1, 2]);
  assert.equal(r.lastEpochs, 3);
  for (const c of [r.plain, r.augmented]) {
    assert.equal(c.runs.length, 3);
    assert.deepEqual(c.runs.map((x) => x.seed), [0, 1, 2]);
    for (const run of c.runs) {
      assert.equal(run.trainAcc.length, 4);
      assert.equal(run.valAcc.length, 4);
      // Final figures are the mean of the last 3 epochs; the gap is train − validation.
      const last3 = (v: number[]) => (v[1] + v[2] + v[3]) / 3;
      assert.ok(Math.abs(run.finalValAcc - last3(run.valAcc)) < 1e-12);
      assert.ok(Math.abs(run.gap - (last3(run.trainAcc) - last3(run.valAcc))) < 1e-12);
    }
    // The spread is over the seeds, and the mean curve is the mean of the seeds' curves.
    const vals = c.runs.map((x) => x.finalValAcc);
    assert.deepEqual(c.valAcc, spread(vals));
    const e2 = c.runs.reduce((s, x) => s + x.valAcc[1], 0) / 3;
    assert.ok(Math.abs(c.meanHistory.epochs[1].valAcc! - e2) < 1e-12);
    assert.equal(c.meanHistory.epochs.length, 4);
  }
  // Different seeds give different runs; the plain run learns something (10 classes: chance is 0.1).
  assert.notEqual(r.plain.runs[0].valAcc[3], r.plain.runs[1].valAcc[3]);
  assert.ok(r.plain.valAcc.mean > 0.3, `plain validation accuracy ${r.plain.valAcc.mean}`);
  // The caller's datasets are left alone (not disposed).
  assert.equal(validation.images.isDisposed, false);
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(augmentationExperiment({ train, validation: undefined as never }), /data\.validation debe ser/);
  await assert.rejects(augmentationExperiment({ train, validation }, { seeds: [] }), /seeds debe ser una lista/);
  disposeDataset(all, train, validation);
});

Deno.test("augmentationExperiment: validationFreq measures fewer epochs, always the last ones; same figures", async () => {
  const all = await loadFashionMnist({ split: "train", limit: 300, seed: 4 });
  const { train, validation } = await splitValidation(all, { size: 100, seed: 0 });
  const opts = { epochs: 8, batchSize: 50, seeds: [1], lastEpochs: 2 };
  const daily = await augmentationExperiment({ train, validation }, opts);
  const sparse = await augmentationExperiment({ train, validation }, { ...opts, validationFreq: 3 });
  assert.deepEqual(daily.measuredEpochs, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(sparse.measuredEpochs, [3, 6, 7, 8]);
  for (const k of ["plain", "augmented"] as const) {
    const d = daily[k].runs[0], s = sparse[k].runs[0];
    assert.deepEqual(s.history.epochs.map((e) => e.epoch), [3, 6, 7, 8]);
    // Measuring is inference only: skipping it changes no weight, so the measured values are the same.
    assert.deepEqual(s.valAcc, [3, 6, 7, 8].map((e) => d.valAcc[e - 1]));
    assert.deepEqual(s.trainAcc, [3, 6, 7, 8].map((e) => d.trainAcc[e - 1]));
    assert.equal(s.finalValAcc, d.finalValAcc);
    assert.equal(s.gap, d.gap);
    assert.deepEqual(sparse[k].meanHistory.epochs.map((e) => e.epoch), [3, 6, 7, 8]);
  }
  await assert.rejects(
    augmentationExperiment({ train, validation }, { ...opts, validationFreq: 0 }),
    /validationFreq debe ser un entero/,
  );
  disposeDataset(all, train, validation);
});
