import assert from "node:assert/strict";
import sharp from "sharp";
import { imageGrid, tf, toPng } from "../lib/mod.ts";

/** Decodes PNG bytes with sharp (independent of lib/show/images.ts) to raw RGB. */
async function decode(png: Uint8Array): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

Deno.test("toPng: exact pixels at scale 1, clipped to [0, 1]", async () => {
  const values = [0, 0.5, 1, 0.2, 0.4, 0.6, -1, 2, 0.25, 1, 1, 1, 0.1, 0.9, 0.3, 0, 0, 0];
  const x = tf.tensor3d(values, [2, 3, 3]);
  const png = await toPng(x, { scale: 1 });
  x.dispose();
  assert.deepEqual(Array.from(png.subarray(1, 4)), [0x50, 0x4e, 0x47]); // "PNG"
  const img = await decode(png);
  assert.deepEqual([img.width, img.height], [3, 2]);
  assert.deepEqual(Array.from(img.data), values.map((v) => Math.round(Math.min(1, Math.max(0, Math.fround(v))) * 255)));
});

Deno.test("toPng: a 28×28 grey image is enlarged ×4 with nearest neighbour; normalize stretches min..max", async () => {
  const v = Array.from({ length: 28 * 28 }, (_, i) => (i % 29) / 28);
  const x = tf.tensor3d(v, [28, 28, 1]);
  const img = await decode(await toPng(x));
  assert.deepEqual([img.width, img.height], [112, 112]);
  for (const [y, xx] of [[0, 0], [5, 77], [111, 111], [57, 3]]) {
    const expect = Math.round(v[Math.floor(y / 4) * 28 + Math.floor(xx / 4)] * 255);
    const p = (y * 112 + xx) * 3;
    assert.deepEqual(Array.from(img.data.subarray(p, p + 3)), [expect, expect, expect]);
  }
  const fmap = tf.tensor2d([[-3, 1], [5, 1]]); // a feature map, not in [0, 1]
  const n = await decode(await toPng(fmap, { normalize: true, scale: 1 }));
  assert.deepEqual(Array.from(n.data).filter((_, i) => i % 3 === 0), [0, 128, 255, 128]);
  x.dispose();
  fmap.dispose();
  const bad = tf.zeros([4, 4, 2]) as tf.Tensor3D;
  await assert.rejects(toPng(bad), /1 canal \(gris\), 3 \(RGB\) o 4 \(RGBA\) y esta tiene 2/);
  bad.dispose();
});

Deno.test("imageGrid: layout, cell contents, labels rendered under each image, no leak", async () => {
  const before = tf.memory().numTensors;
  // 5 images 4×4 grey, image i filled with i/4.
  const batch = tf.tidy(() =>
    tf.mul(tf.ones([5, 4, 4, 1]), tf.reshape(tf.range(0, 5), [5, 1, 1, 1]).div(4))
  ) as tf.Tensor4D;
  const plain = await decode(await imageGrid(batch, { cols: 3, scale: 2, padding: 1 }));
  assert.deepEqual([plain.width, plain.height], [3 * 8 + 4, 2 * 8 + 3]);
  const at = (im: typeof plain, x: number, y: number) => im.data[(y * im.width + x) * 3];
  for (let i = 0; i < 5; i++) {
    const x0 = 1 + (i % 3) * 9, y0 = 1 + Math.floor(i / 3) * 9;
    assert.equal(at(plain, x0 + 3, y0 + 3), Math.round((i / 4) * 255), `cell ${i}`);
  }
  assert.equal(at(plain, 0, 0), 255); // white padding
  const labelled = await decode(
    await imageGrid(batch, { cols: 5, scale: 8, labels: ["a", "b", "c", "d", "e"], fontSize: 14, padding: 2 }),
  );
  assert.ok(labelled.height > 32 + 4 + 14, `label band adds height: ${labelled.height}`);
  // Under each image, the label band holds dark text pixels.
  for (let i = 0; i < 5; i++) {
    const x0 = 2 + i * 34;
    let dark = 0;
    for (let y = 2 + 32; y < labelled.height; y++) {
      for (let x = x0; x < x0 + 32; x++) if (at(labelled, x, y) < 128) dark++;
    }
    assert.ok(dark > 5, `label ${i} drawn (${dark} dark pixels)`);
  }
  await assert.rejects(imageGrid(batch, { labels: ["a"] }), /5 imágenes y solo 1 etiquetas/);
  batch.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("imageGrid accepts a list of images of different sizes and RGB", async () => {
  const a = tf.fill([6, 10, 3], 0.5) as tf.Tensor3D;
  const b = tf.zeros([3, 3, 1]) as tf.Tensor3D;
  const img = await decode(await imageGrid([a, b], { scale: 1, padding: 0, background: "#000000" }));
  assert.deepEqual([img.width, img.height], [20, 6]);
  assert.equal(img.data[(2 * 20 + 5) * 3], 128);
  a.dispose();
  b.dispose();
});
