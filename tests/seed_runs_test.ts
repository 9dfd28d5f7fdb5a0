import assert from "node:assert/strict";
import { type Dataset, datasetFromBytes, disposeDataset } from "../lib/data/dataset.ts";
import { evaluate } from "../lib/learn/evaluate.ts";
import { formatSpread, spread } from "../lib/learn/spread.ts";
import { seedRunsRows, trainOverSeeds } from "../lib/learn/seed_runs.ts";
import { train } from "../lib/learn/train.ts";
import { tf } from "../lib/mod.ts";

/** 2×2 images whose first pixel is bright for class 1 and dark for class 0 (plus seeded noise). */
function toy(n: number, seed: number): Dataset {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const pixels = new Uint8Array(n * 4);
  labels.forEach((l, i) => {
    pixels[i * 4] = l ? 200 + rand() * 55 : rand() * 55;
    for (let j = 1; j < 4; j++) pixels[i * 4 + j] = rand() * 255;
  });
  return datasetFromBytes(pixels, labels, { imageShape: [2, 2, 1], classNames: ["oscuro", "claro"] });
}

const model = (seed: number) =>
  tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [2, 2, 1] }),
      tf.layers.dense({ units: 2, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
    ],
  });

Deno.test("trainOverSeeds: one run per seed, best validation accuracy, test measured once; no leak", async () => {
  const tr = toy(64, 1), val = toy(32, 2), test = toy(40, 3);
  const before = tf.memory().numTensors;
  const tested: number[] = [];
  const r = await trainOverSeeds("juguete", {
    seeds: [0, 1, 2],
    test,
    build: model,
    fit: async (m, seed) => {
      const h = await train(m, tr, { epochs: 3, lr: 0.05, seed, validationData: val, progress: false });
      tested.push((await evaluate(m, test, { topWrong: 0 })).accuracy); // the same model, scored independently
      return h;
    },
  });
  assert.deepEqual(r.runs.map((x) => x.seed), [0, 1, 2]);
  r.runs.forEach((run, i) => {
    assert.equal(run.bestValAcc, Math.max(...run.history.epochs.map((e) => e.valAcc!)));
    assert.equal(run.testAcc, tested[i]);
  });
  assert.deepEqual(r.testAcc, spread(tested));
  assert.deepEqual(r.valAcc, spread(r.runs.map((x) => x.bestValAcc)));
  assert.equal(tf.memory().numTensors, before, "every model disposed");
  await assert.rejects(
    trainOverSeeds("sin validación", { seeds: [0], test, build: model, fit: (m) => train(m, tr, { progress: false }) }),
    /fit debe entrenar con validationData/,
  );
  await assert.rejects(trainOverSeeds("x", { seeds: [], test, build: model, fit: (m) => train(m, tr) }), /no vacía/);
  disposeDataset(tr, val, test);
});

Deno.test("seedRunsRows and formatSpread: Spanish numbers, mean ± standard deviation in points", () => {
  const s = spread([0.9, 0.92, 0.94]);
  assert.equal(formatSpread(s), "92,0 % ± 2,0");
  const rows = seedRunsRows([{ name: "desde cero", runs: [], valAcc: s, testAcc: spread([0.8, 0.9]), seconds: 12.4 }]);
  assert.deepEqual(rows[0], {
    paso: "desde cero",
    semillas: "0",
    "exactitud en validación (mejor época)": "92,0 % ± 2,0",
    "exactitud en test": "85,0 % ± 7,1",
    "test: peor – mejor semilla": "80,0 % – 90,0 %",
    "tiempo (s)": "12",
  });
});
