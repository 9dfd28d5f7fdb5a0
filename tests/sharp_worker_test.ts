/**
 * sharp in a worker thread (lib/data/sharp_jobs.ts), used by the long photo loops so that Jupyter's Stop
 * cannot abort the kernel: the same bytes as the in-process pipeline it replaced, errors passed on, the
 * worker closed when its loop is stopped, and a slow job is not taken for a Stop.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  augmentImage,
  augmentImageRaw,
  augmentPreview,
  decodeImage,
  loadImageFolder,
  loadSampleImage,
  sampleImagePath,
  tf,
} from "../lib/mod.ts";
import { augmentImageWith } from "../lib/data/augment.ts";
import { decodeImageWith } from "../lib/data/decode.ts";
import { localSharp, SharpWorker, withSharpWorker } from "../lib/data/sharp_jobs.ts";
import { imageGrid, imageGridWith } from "../lib/show/images.ts";
import { activeLoops, InterruptedError, runStoppable } from "../lib/engine/interrupt.ts";

const hex = async (b: Uint8Array) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(b)))).map((x) =>
    x.toString(16).padStart(2, "0")
  )
    .join("");
const ALL = {
  rotation: 25,
  translate: 0.15,
  crop: 0.7,
  zoom: 0.2,
  flip: true,
  brightness: 0.2,
  contrast: 0.3,
} as const;

/**
 * SHA-256 of what the in-process code gave before sharp moved to a worker (commit 7abfb57, sharp 0.34.5 of
 * deno.lock), on the committed photos. A sharp/libvips upgrade may change them: then regenerate them with
 * the in-process path (localSharp), which the test also compares with the worker.
 */
const BEFORE = {
  raw: [
    "09dba12cb3824c00d1c632c785c36d05ac1c5570ec4ea7cd558dea9127e3f389",
    "ca85b5a6f9ac430d946285feffb6ccf1e85faa835dc2572b6542916706cc52b0",
    "a4617e55ad2746f1eb03b009437878ac4ab3dd7c76a525ec2f5260e1b6f72f3e",
    "a6b8b84584e846aed158e2f4f37c960d59198b523fce72540eb0bedcb8a3d09b",
  ],
  png: "6cb2898d6135308ef7c3694a03551c2b431720fc9dd6e8c5c3b6080fe75204a1",
  preview: "0c9f3eb3f9a5e5dab216c83586e1c0c633c2361d66c2e8f1f23e331bb9c33efa",
  greyContain: "7f7ded1a3ac4c37b62368aa9c4ff2344891df01f9763a58819edb9a1950973e5",
  full: "02e5bad8426089b1fdde952ec93d7795cdf491d5e561fca20a5bb4d3d7310e9c",
  sample: "f7faabc2278b8ec0ada6fdd2d7165ecb818d9b8a74089b605d532f66db672ca7",
};

Deno.test("sharp worker: byte-identical to the previous in-process results on the committed photos", async () => {
  const path = sampleImagePath("chelsea");
  const worker = new SharpWorker();
  try {
    for (const [seed, want] of BEFORE.raw.entries()) {
      const opts = { ...ALL, seed, size: 96 };
      const inWorker = await augmentImageWith(worker, path, opts);
      const here = await augmentImageRaw(path, opts);
      assert.equal(await hex(inWorker.image.data), want, `augment seed ${seed} in the worker`);
      assert.equal(await hex(here.image.data), want, `augment seed ${seed} in process`);
      assert.deepEqual(inWorker.params, here.params);
    }
    const grey = { size: [64, 48] as [number, number], channels: 1 as const, fit: "contain" as const };
    assert.equal(await hex((await decodeImageWith(worker, path, grey)).data), BEFORE.greyContain);
    assert.equal(await hex((await decodeImage(path, grey)).data), BEFORE.greyContain);
    const coffee = sampleImagePath("coffee");
    assert.equal(await hex((await decodeImageWith(worker, coffee)).data), BEFORE.full);
    // A labelled grid (PNG with an SVG overlay) encoded in the worker and here.
    const items = [await decodeImage(path, { size: 40 }), await decodeImage(coffee, { size: 40 })];
    const opts = { labels: ["gata", "café"], cols: 2, scale: 1 };
    assert.deepEqual(await imageGridWith(worker, items, opts), await imageGridWith(localSharp, items, opts));
    assert.deepEqual(await imageGrid(items, opts), await imageGridWith(localSharp, items, opts));
  } finally {
    worker.close();
  }
  // The public functions (augmentPreview runs in a worker, the others in process).
  assert.equal(await hex(await augmentPreview(path, 5, { ...ALL, size: 72, seed: 3 })), BEFORE.preview);
  assert.equal(await hex(await augmentImage(path, { ...ALL, seed: 7, size: [64, 80] })), BEFORE.png);
  const sample = await loadSampleImage("rocket", { size: 100 });
  assert.equal(await hex(sample.png), BEFORE.sample);
  sample.tensor.dispose();
  assert.equal(activeLoops().length, 0);
});

Deno.test("loadImageFolder (sharp in a worker) gives the pixels of decodeImage in process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sharp_worker_test_" });
  try {
    const files = [["a", "chelsea"], ["a", "coffee"], ["b", "rocket"], ["b", "astronaut"], ["b", "brick"]];
    for (const [cls, name] of files) {
      await Deno.mkdir(join(dir, cls), { recursive: true });
      await Deno.copyFile(sampleImagePath(name), join(dir, cls, `${name}.jpg`));
    }
    const ds = await loadImageFolder(dir, { size: [24, 32], concurrency: 3 });
    const got = await ds.images.data();
    const sorted = [...files].sort((x, y) => (x[0] + x[1] < y[0] + y[1] ? -1 : 1));
    for (const [i, [, name]] of sorted.entries()) {
      const raw = await decodeImage(sampleImagePath(name), { size: [24, 32] });
      const want = Float32Array.from(raw.data, (v) => v / 255);
      assert.deepEqual(got.slice(i * want.length, (i + 1) * want.length), want, name);
    }
    assert.deepEqual(Array.from(await ds.labels.data()), [0, 0, 1, 1, 1]);
    tf.dispose([ds.images, ds.labels]);
    assert.equal(activeLoops().length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sharp worker: errors come back with sharp's message; a closed worker refuses jobs", async () => {
  const worker = new SharpWorker();
  await assert.rejects(worker.run({ input: "/no/existe.jpg", ops: [] }), /Input file is missing/);
  await assert.rejects(worker.run({ input: sampleImagePath("rocket"), ops: [["noSuchMethod"]] }), /noSuchMethod/);
  worker.close();
  await assert.rejects(worker.run({ input: sampleImagePath("rocket"), ops: [] }), /SharpWorker cerrado/);
});

Deno.test("withSharpWorker: a slow job is not a Stop; a Stop closes the worker", async () => {
  const big = { input: sampleImagePath("astronaut"), ops: [["resize", 3000, 3000], ["blur", 3]] as const };
  // minStallMs far below the job's time: this thread waits for the worker in a busy stretch, not idle.
  const t0 = performance.now();
  const out = await runStoppable(
    "Fotos",
    (loop) => withSharpWorker(loop, (sharp) => sharp.run({ ...big, ops: big.ops.map((o) => [...o]) })),
    { pollMs: 10, minStallMs: 20 },
  );
  assert.ok(performance.now() - t0 > 40, "the job is slower than minStallMs (else the test proves nothing)");
  assert.deepEqual([out.width, out.height], [3000, 3000]);
  let runner: { run: (j: { input: string; ops: [string][] }) => Promise<unknown> } | undefined;
  const err = await runStoppable("Fotos", (loop) =>
    withSharpWorker(loop, async (sharp) => {
      runner = sharp;
      await sharp.run({ input: sampleImagePath("rocket"), ops: [] });
      await new Promise(() => {}); // cut while busy, as by Stop
    }), { pollMs: 20 }).then(() => undefined, (e) => e);
  assert.ok(err instanceof InterruptedError, String(err));
  // The worker was closed with the loop: a job is refused at once (the loop says it was stopped).
  await assert.rejects(runner!.run({ input: sampleImagePath("rocket"), ops: [] }), /Fotos detenido/);
  assert.equal(activeLoops().length, 0);
});
