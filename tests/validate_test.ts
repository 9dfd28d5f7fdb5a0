import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import {
  dataTable,
  disposeModel,
  escapeMarkdown,
  escapeXml,
  evaluate,
  evaluationMarkdown,
  InputError,
  loadImageFolder,
  saveCheckpoint,
  tf,
  train,
} from "../lib/mod.ts";
import { DimensionError } from "../lib/cnn/dimensions.ts";
import {
  checkNumber,
  checkOneOf,
  checkOptions,
  checkWritableDir,
  closestName,
  describeValue,
  editDistance,
  unknownKeyMessage,
} from "../lib/engine/validate.ts";

const XSS = "<img src=x onerror=alert(1)>";

Deno.test("editDistance and closestName: the nearest valid name, or none", () => {
  assert.equal(editDistance("rotatoin", "rotation"), 2);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(closestName("rotatoin", ["rotation", "translate", "zoom"]), "rotation");
  assert.equal(closestName("val_loss", ["loss", "acc", "valLoss", "valAcc"]), "valLoss");
  assert.equal(closestName("strides", ["filters", "size", "stride", "padding"]), "stride");
  assert.equal(closestName("learningRate", ["epochs", "lr"]), "lr");
  assert.equal(closestName("pad", ["padding", "size"]), "padding");
  assert.equal(closestName("zzzzzz", ["rotation", "zoom"]), undefined);
  assert.equal(
    unknownKeyMessage("rotatoin", ["rotation", "zoom"]),
    "opción desconocida `rotatoin`: ¿quisiste decir `rotation`? Las válidas son: `rotation`, `zoom`.",
  );
});

Deno.test("checkOptions / checkNumber / checkOneOf: accept the valid, refuse the rest with InputError", () => {
  type F = { a?: number; b?: number };
  checkOptions<F>("f", undefined, { a: true, b: true });
  checkOptions<F>("f", { a: 1 }, { a: true, b: true });
  const e = assert.throws(() => checkOptions<F>("f", { c: 1 } as F, { a: true, b: true }), InputError);
  void e;
  try {
    type R = { seed?: number; rotation?: number };
    checkOptions<R>("randomAugment", { seed: 1, rotatoin: 10 } as R, { seed: true, rotation: true });
    assert.fail("should throw");
  } catch (err) {
    assert.ok(err instanceof InputError);
    assert.ok(new DimensionError("x") instanceof InputError, "one family of learner errors");
    assert.equal(err.name, "InputError");
    assert.equal(err.field, "rotatoin");
    assert.match(err.message, /^randomAugment: opción desconocida `rotatoin`: ¿quisiste decir `rotation`\?/);
  }
  assert.equal(checkNumber("lr", 1e-3, { above: 0 }), 1e-3);
  assert.equal(checkNumber("x", 0, { min: 0, max: 1 }), 0);
  assert.equal(checkNumber("x", 1, { min: 0, max: 1 }), 1);
  for (const bad of [Infinity, -Infinity, NaN, "1", 1n, null, undefined, {}]) {
    assert.throws(
      () => checkNumber("lr", bad, { above: 0 }),
      (err: Error) => err instanceof InputError && /^lr /.test(err.message),
    );
  }
  assert.throws(() => checkNumber("n", 1.5, { integer: true }), /n debe ser un entero; se recibió 1.5/);
  assert.equal(checkOneOf("monitor", "val_loss", ["loss", "valLoss"], { val_loss: "valLoss" }), "valLoss");
  assert.throws(
    () => checkOneOf("fill", "mirror", ["constant", "reflect"]),
    /fill debe ser "constant" o "reflect"; se recibió "mirror"/,
  );
  assert.throws(() => checkOneOf("fill", "reflec", ["constant", "reflect"]), /¿Quisiste decir "reflect"\?/);
});

Deno.test("escapeHtml / escapeMarkdown: user text stays text", () => {
  assert.equal(escapeXml(`${XSS}"'&`), "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;");
  assert.equal(escapeMarkdown("a|b*c_d[e](f)\n<g>&"), "a\\|b\\*c\\_d\\[e\\](f) &lt;g&gt;&amp;");
  assert.equal(escapeMarkdown("CONV3-64/p1 224×224×64"), "CONV3-64/p1 224×224×64");
});

Deno.test("dataTable escapes Markdown and HTML in cells and title", () => {
  const t = dataTable([{ clase: XSS, n: 1 }, { clase: "a|b", n: 2 }], { title: "**<b>t</b>**" });
  assert.ok(!t.markdown.includes("<img"), t.markdown);
  assert.ok(!t.markdown.includes("<b>"), t.markdown);
  assert.ok(t.markdown.includes("a\\|b"), "a | in a cell does not split it");
  assert.equal(t.markdown.split("\n").filter((l) => l.startsWith("|"))[3].split(/(?<!\\)\|/).length, 4);
  assert.ok(!t.html.includes("<img"), t.html);
  assert.ok(t.html.includes("&lt;img src=x"));
});

function tinyModel(seed = 1) {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({ units: 2, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
    ],
  });
}

function tinyData(n = 16, seed = 3) {
  const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 2), "int32");
  const images = tf.tidy(() =>
    tf.randomUniform([n, 4, 4, 1], 0, 0.5, "float32", seed).add(labels.reshape([n, 1, 1, 1]).toFloat().mul(0.5))
  ) as tf.Tensor4D;
  return { images, labels, classNames: [XSS, "b|c"] };
}

Deno.test("evaluation output escapes class names in text/markdown and captions", async () => {
  const m = tinyModel();
  const d = tinyData();
  const ev = await evaluate(m, d);
  const md = evaluationMarkdown(ev);
  const bundle = (ev as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();
  for (const text of [md, bundle["text/markdown"]]) {
    assert.ok(!text.includes("<img"), text);
    assert.ok(text.includes("&lt;img src=x onerror=alert(1)&gt;"));
    assert.ok(text.includes("b\\|c"));
  }
  disposeModel(m);
  tf.dispose([d.images, d.labels]);
});

Deno.test("train: Keras' monitor spelling val_loss is an alias of valLoss (same run, same weights)", async () => {
  const d = tinyData(24);
  const run = async (monitor: string) => {
    const m = tinyModel(5);
    const h = await train(m, d, {
      progress: false,
      epochs: 6,
      batchSize: 8,
      lr: 0.05,
      validationSplit: 0.25,
      earlyStopping: { monitor: monitor as "valLoss", patience: 1 },
    });
    const w = await m.getWeights()[0].data();
    disposeModel(m);
    return { h, w };
  };
  const a = await run("valLoss"), b = await run("val_loss");
  assert.deepEqual(b.h.epochs.map((e) => e.valLoss), a.h.epochs.map((e) => e.valLoss));
  assert.equal(b.h.bestEpoch, a.h.bestEpoch);
  assert.equal(b.h.stopReason, a.h.stopReason);
  assert.deepEqual(b.w, a.w);
  tf.dispose([d.images, d.labels]);
});

Deno.test("train: a model whose outputs turn NaN stops with a message, never a finite loss", async () => {
  const d = tinyData(8);
  const m = tinyModel();
  const [k, b] = m.getWeights();
  const nan = tf.fill(k.shape, NaN);
  m.setWeights([nan, b]);
  nan.dispose();
  const seen: number[] = [];
  await assert.rejects(
    () => train(m, d, { progress: false, epochs: 3, callbacks: { onEpochEnd: (_, l) => void seen.push(l.loss) } }),
    (e: Error) => e instanceof InputError && /divergido en la época 1, lote 1/.test(e.message),
  );
  assert.deepEqual(seen, [], "no epoch is reported");
  disposeModel(m);
  tf.dispose([d.images, d.labels]);
});

Deno.test("train: an unwritable checkpointDir fails before the first batch", async () => {
  const d = tinyData(8);
  const m = tinyModel();
  const file = await Deno.makeTempFile();
  let batches = 0;
  await assert.rejects(
    () =>
      train(m, d, {
        progress: false,
        epochs: 1,
        checkpointDir: join(file, "ckpt"),
        callbacks: { onBatchEnd: () => void batches++ },
      }),
    /checkpointDir=".*" no sirve para guardar checkpoints/,
  );
  assert.equal(batches, 0);
  assert.equal(m.optimizer, undefined, "nothing was set up");
  disposeModel(m);
  tf.dispose([d.images, d.labels]);
  await Deno.remove(file);
});

Deno.test("checkWritableDir creates the folder and leaves no probe file", async () => {
  const dir = join(await Deno.makeTempDir(), "a", "b");
  await checkWritableDir("checkpointDir", dir);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  await Deno.remove(join(dir, "..", ".."), { recursive: true });
});

Deno.test("saveCheckpoint of an Adam-trained model leaks nothing and writes no orphan on a model.json folder", async () => {
  const d = tinyData(8);
  const m = tinyModel();
  await train(m, d, { progress: false, epochs: 1, optimizer: "adam" });
  const dir = await Deno.makeTempDir();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await saveCheckpoint(m, dir);
  assert.equal(tf.memory().numTensors, before);
  const bad = await Deno.makeTempDir();
  await Deno.mkdir(join(bad, "model.json"));
  await assert.rejects(() => saveCheckpoint(m, bad), /model\.json/);
  assert.deepEqual([...Deno.readDirSync(bad)].map((e) => e.name), ["model.json"], "no weights file left behind");
  disposeModel(m);
  tf.dispose([d.images, d.labels]);
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(bad, { recursive: true });
});

Deno.test("loadImageFolder: images in sub-folders belong to the class; alpha is composited on white", async () => {
  const root = await Deno.makeTempDir();
  const rgba = (r: number, g: number, b: number, alpha: number) =>
    sharp({ create: { width: 2, height: 2, channels: 4, background: { r, g, b, alpha } } }).png().toBuffer();
  await Deno.mkdir(join(root, "a", "sub", "deeper"), { recursive: true });
  await Deno.mkdir(join(root, "b"));
  await Deno.writeFile(join(root, "a", "1.png"), await rgba(0, 0, 0, 0)); // fully transparent
  await Deno.writeFile(join(root, "a", "sub", "2.png"), await rgba(255, 0, 0, 0.5)); // half-transparent red
  await Deno.writeFile(join(root, "a", "sub", "deeper", "3.png"), await rgba(0, 0, 255, 1));
  await Deno.writeFile(join(root, "b", "4.png"), await rgba(0, 255, 0, 1));
  const ds = await loadImageFolder(root, { size: 2 });
  assert.deepEqual(Array.from(await ds.labels.data()), [0, 0, 0, 1]);
  const px = await ds.images.array() as number[][][][];
  // Sorted paths: a/1.png, a/sub/2.png, a/sub/deeper/3.png, b/4.png.
  assert.deepEqual(px[0][0][0], [1, 1, 1], "transparent → white");
  const [r, g, b] = px[1][0][0];
  assert.equal(r, 1);
  assert.ok(Math.abs(g - 0.5) < 0.02 && Math.abs(b - 0.5) < 0.02, `half-transparent red on white: ${px[1][0][0]}`);
  assert.deepEqual(px[2][0][0], [0, 0, 1]);
  tf.dispose([ds.images, ds.labels]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("checkOptions' key list is checked by TypeScript: complete, and nothing else", () => {
  type F = { a?: number; b?: number };
  // @ts-expect-error: `b` is missing, so a new option could not be forgotten by the door check
  assert.throws(() => checkOptions<F>("f", { b: 1 }, { a: true }), /opción desconocida `b`/);
  // @ts-expect-error: `c` is not an option of F
  checkOptions<F>("f", {}, { a: true, b: true, c: true });
  // At run time the list is what decides: the first call above refused `b`, this one accepts it.
  checkOptions<F>("f", { b: 1 }, { a: true, b: true });
});

Deno.test("describeValue: short values as they are, long ones by their kind", () => {
  assert.equal(describeValue("mirror"), '"mirror"');
  assert.equal(describeValue(1.5), "1.5");
  assert.equal(describeValue(undefined), "undefined");
  assert.equal(describeValue({ kind: "conv", size: 3 }), '{"kind":"conv","size":3}');
  assert.equal(describeValue([28, 28, 1]), "[28,28,1]");
  assert.equal(describeValue(new Array(784).fill(0)), "un array de 784 elementos");
  assert.match(describeValue(10n), /BigInt 10n/);
  const t = tf.zeros([2, 3]);
  assert.equal(describeValue(t), "un tensor de forma [2, 3]");
  t.dispose();
  assert.equal(describeValue(new Map()), "un Map");
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(describeValue(cyclic), "un Object");
});
