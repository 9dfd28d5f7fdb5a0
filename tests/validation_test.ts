import assert from "node:assert/strict";
import { tf } from "../lib/mod.ts";
import { classCounts, type Dataset, datasetFromBytes, disposeDataset, subset } from "../lib/data/dataset.ts";
import { loadFashionMnist } from "../lib/data/fashion_mnist.ts";
import { loadMnist } from "../lib/data/mnist.ts";
import { disposeModel } from "../lib/learn/optimizer.ts";
import { train } from "../lib/learn/train.ts";
import { splitValidation, TEST_AS_VALIDATION_WARNING, warnIfTestAsValidation } from "../lib/learn/validation.ts";

/** Unbalanced synthetic data (60 / 30 / 10 per class); each image's first pixel encodes its index. */
function unbalanced(split?: Dataset["split"]): Dataset {
  const n = 100;
  const pixels = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) pixels[i * 4] = i;
  const labels = Array.from({ length: n }, (_, i) => (i < 60 ? 0 : i < 90 ? 1 : 2));
  return datasetFromBytes(pixels, labels, { imageShape: [2, 2, 1], classNames: ["a", "b", "c"], split });
}

async function ids(d: Dataset): Promise<number[]> {
  const x = await d.images.data();
  return Array.from({ length: d.images.shape[0] }, (_, i) => Math.round(x[i * 4] * 255));
}

Deno.test("splitValidation: stratified (class proportions kept), disjoint, splits labelled", async () => {
  const ds = unbalanced("train");
  const before = tf.memory().numTensors;
  const { train: tr, validation } = await splitValidation(ds, { size: 0.2, seed: 3 });
  assert.deepEqual(await classCounts(validation), [12, 6, 2]);
  assert.deepEqual(await classCounts(tr), [48, 24, 8]);
  assert.equal(tr.split, "train");
  assert.equal(validation.split, "validation");
  const all = [...await ids(tr), ...await ids(validation)].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
  // A count instead of a fraction: 10 of 100 → 6 / 3 / 1.
  const byCount = await splitValidation(ds, { size: 10, seed: 3 });
  assert.deepEqual(await classCounts(byCount.validation), [6, 3, 1]);
  disposeDataset(tr, validation, byCount.train, byCount.validation);
  assert.equal(tf.memory().numTensors, before);
  disposeDataset(ds);
});

Deno.test("splitValidation: the same seed gives the same split, another seed another one", async () => {
  const ds = unbalanced();
  const a = await splitValidation(ds, { size: 0.3, seed: 1 });
  const b = await splitValidation(ds, { size: 0.3, seed: 1 });
  const c = await splitValidation(ds, { size: 0.3, seed: 2 });
  assert.deepEqual(await ids(a.validation), await ids(b.validation));
  assert.deepEqual(await ids(a.train), await ids(b.train));
  assert.notDeepEqual((await ids(a.validation)).sort(), (await ids(c.validation)).sort());
  disposeDataset(ds, a.train, a.validation, b.train, b.validation, c.train, c.validation);
});

Deno.test("splitValidation: refuses a test split and sizes that leave nothing", async () => {
  const test = unbalanced("test");
  await assert.rejects(splitValidation(test, { size: 0.1 }), /data es el conjunto de test/);
  const ds = unbalanced();
  await assert.rejects(splitValidation(ds, { size: 0 }), /size debe ser una fracción.*y es 0/);
  await assert.rejects(splitValidation(ds, { size: 100 }), /entre 1 y 99, y es 100/);
  await assert.rejects(splitValidation(ds, { size: 2.5 }), /y es 2\.5/);
  disposeDataset(test, ds);
});

Deno.test("loaders label their split; subset keeps it", async () => {
  const mTest = await loadMnist({ split: "test", limit: 20 });
  const mTrain = await loadMnist({ split: "train", limit: 20 });
  const fTest = await loadFashionMnist({ split: "test", limit: 20 });
  assert.equal(mTest.split, "test");
  assert.equal(mTrain.split, "train");
  assert.equal(fTest.split, "test");
  const sub = await subset(fTest, { classes: [0, 1], perClass: 2 });
  assert.equal(sub.split, "test");
  disposeDataset(mTest, mTrain, fTest, sub);
});

/** Runs `fn` capturing what it writes with console.warn. */
async function captureWarnings(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.warn = original;
  }
  return lines;
}

Deno.test("train warns once, in Spanish, when validationData is a test split — not for a validation split", async () => {
  const ds = unbalanced("train");
  const { train: tr, validation } = await splitValidation(ds, { size: 0.2, seed: 0 });
  const asTest: Dataset = { ...validation, split: "test" };
  const model = () =>
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [2, 2, 1] }),
        tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.zeros() }),
      ],
    });
  const m1 = model();
  const withTest = await captureWarnings(() =>
    train(m1, tr, { epochs: 3, validationData: asTest, progress: false, earlyStopping: true })
  );
  assert.deepEqual(withTest, [TEST_AS_VALIDATION_WARNING]);
  assert.match(withTest[0], /conjunto de test/);
  assert.match(withTest[0], /splitValidation/);
  assert.ok(!withTest[0].includes("\n"), "one line");
  const m2 = model();
  const withVal = await captureWarnings(() =>
    train(m2, tr, { epochs: 2, validationData: validation, progress: false })
  );
  assert.deepEqual(withVal, []);
  assert.equal(warnIfTestAsValidation(undefined), false);
  disposeModel(m1);
  disposeModel(m2);
  disposeDataset(ds, tr, validation);
});
