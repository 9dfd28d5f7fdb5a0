import assert from "node:assert/strict";
import { join } from "node:path";
import { tf } from "../lib/mod.ts";
import { fileSystemIO, loadCheckpoint, loadModel, saveCheckpoint, saveModel } from "../lib/learn/checkpoint.ts";
import { writeFileAtomic } from "../lib/engine/files.ts";
import { disposeModel } from "../lib/learn/optimizer.ts";
import { train } from "../lib/learn/train.ts";

function model(seed: number) {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 6, 1],
        filters: 3,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        biasInitializer: tf.initializers.randomNormal({ seed: seed + 1 }),
      }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
    ],
  });
}

async function weightsOf(m: tf.LayersModel): Promise<number[][]> {
  return await Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
}

Deno.test("saveModel/loadModel round-trip: same weights, same predictions, one weights file", async () => {
  const dir = join(await Deno.makeTempDir(), "m");
  const m = model(1);
  await saveModel(m, dir);
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.equal(names.length, 2);
  assert.equal(names[0], "model.json");
  assert.match(names[1], /^weights\.[0-9a-f]{16}\.bin$/);
  const back = await loadModel(dir);
  assert.deepEqual(await weightsOf(back), await weightsOf(m));
  const x = tf.randomNormal([2, 6, 6, 1], 0, 1, "float32", 5);
  const [p1, p2] = [m.predict(x) as tf.Tensor, back.predict(x) as tf.Tensor];
  assert.deepEqual(Array.from(await p1.data()), Array.from(await p2.data()));
  tf.dispose([x, p1, p2]);
  disposeModel(m);
  disposeModel(back);
});

Deno.test("file:// URLs work with model.save and tf.loadLayersModel", async () => {
  const dir = join(await Deno.makeTempDir(), "via-url");
  const m = model(2);
  await m.save(`file://${dir}`);
  const back = await tf.loadLayersModel(`file://${dir}/model.json`);
  assert.deepEqual(await weightsOf(back), await weightsOf(m));
  disposeModel(m);
  disposeModel(back);
});

Deno.test("an interrupted save leaves the previous checkpoint loadable; the next save cleans up", async () => {
  const dir = join(await Deno.makeTempDir(), "ckpt");
  const a = model(3), b = model(4);
  await saveModel(a, dir);
  const before = await weightsOf(a);
  await assert.rejects(
    () => saveModel(b, dir, { beforeCommit: () => Promise.reject(new Error("corte de luz simulado")) }),
    /corte de luz simulado/,
  );
  // The uncommitted weights file is removed (no orphan); model.json still names the old one.
  assert.equal([...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".bin")).length, 1);
  const back = await loadModel(dir);
  assert.deepEqual(await weightsOf(back), before);
  assert.notDeepEqual(await weightsOf(b), before);
  // A later successful save commits and removes files no longer referenced.
  await saveModel(b, dir);
  assert.equal([...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".bin")).length, 1);
  const back2 = await loadModel(dir);
  assert.deepEqual(await weightsOf(back2), await weightsOf(b));
  for (const m of [a, b, back, back2]) disposeModel(m);
});

Deno.test("a save failing while writing weights does not touch the previous checkpoint", async () => {
  const dir = join(await Deno.makeTempDir(), "ckpt2");
  const a = model(5);
  await saveModel(a, dir);
  const handler = fileSystemIO(dir);
  const bad = { ...handler };
  // Weight data that cannot be joined: the save fails before anything is committed.
  await assert.rejects(() =>
    bad.save!({ modelTopology: {}, weightSpecs: [], weightData: 42 as unknown as ArrayBuffer })
  );
  const back = await loadModel(dir);
  assert.deepEqual(await weightsOf(back), await weightsOf(a));
  disposeModel(a);
  disposeModel(back);
});

Deno.test("saveCheckpoint keeps optimizer state and history; loadCheckpoint restores both", async () => {
  const dir = join(await Deno.makeTempDir(), "resume");
  const m = model(6);
  const images = tf.randomUniform([16, 6, 6, 1], 0, 1, "float32", 1) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2), "int32");
  const history = await train(m, { images, labels, classNames: ["a", "b"] }, {
    epochs: 2,
    optimizer: "sgd",
    lr: 0.03,
    progress: false,
  });
  await saveCheckpoint(m, dir, { history });
  const ck = await loadCheckpoint(dir);
  assert.equal(ck.history?.epochs.length, 2);
  assert.equal(ck.model.optimizer.getClassName(), "Momentum");
  const orig = await m.optimizer.getWeights(), restored = await ck.model.optimizer.getWeights();
  assert.equal(restored.length, orig.length);
  for (let i = 0; i < orig.length; i++) {
    assert.deepEqual(Array.from(await restored[i].tensor.data()), Array.from(await orig[i].tensor.data()));
  }
  disposeModel(m);
  disposeModel(ck.model);
  tf.dispose([images, labels]);
});

Deno.test("writeFileAtomic replaces the file and leaves no temporary behind; bad paths are explained", async () => {
  const dir = await Deno.makeTempDir();
  const p = join(dir, "h.json");
  await writeFileAtomic(p, "uno");
  await writeFileAtomic(p, "dos");
  assert.equal(await Deno.readTextFile(p), "dos");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["h.json"]);
  await assert.rejects(() => writeFileAtomic(join(dir, "no", "existe.json"), "x"));
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["h.json"]);
  await assert.rejects(() => loadModel(join(dir, "vacio")), /No hay ningún modelo guardado/);
  assert.throws(() => fileSystemIO(""), /dir="" no es una ruta válida/);
});
