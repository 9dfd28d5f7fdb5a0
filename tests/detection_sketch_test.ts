import assert from "node:assert/strict";
import sharp from "sharp";
import { tf } from "../lib/mod.ts";
import { colorRangeMask, drawBoxes, overlayMask } from "../lib/show/detection_sketch.ts";

async function decode(png: Uint8Array) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data,
    width: info.width,
    height: info.height,
    at: (x: number, y: number) => [0, 1, 2].map((k) => data[(y * info.width + x) * 3 + k]),
  };
}

/** A 40×60 image: left half dark grey (0.2), right half light (0.8, 0.6, 0.4). */
function photo(): tf.Tensor3D {
  const h = 40, w = 60;
  const px: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.push(...(x < 30 ? [0.2, 0.2, 0.2] : [0.8, 0.6, 0.4]));
  return tf.tensor3d(px, [h, w, 3]);
}

Deno.test("drawBoxes: the box outline has its colour, the inside keeps the photo, the caption adds a band", async () => {
  const img = photo();
  const png = await drawBoxes(img, [{ label: "gato", x: 10, y: 20, width: 30, height: 15, color: "#00ff00" }], {
    lineWidth: 2,
    fontSize: 8,
  });
  const out = await decode(png);
  assert.equal(out.width, 60);
  assert.equal(out.height, 40);
  assert.deepEqual(out.at(25, 35), [0, 255, 0]); // bottom edge of the box
  assert.deepEqual(out.at(10, 30), [0, 255, 0]); // left edge
  const inside = out.at(20, 30); // inside, left half (0.2 → 51)
  assert.ok(inside.every((v) => Math.abs(v - 51) <= 1), `inside ${inside}`);
  const outside = out.at(55, 5); // untouched, right half
  assert.deepEqual(outside.map((v) => Math.round(v / 255 * 10) / 10), [0.8, 0.6, 0.4]);
  // A label wider than the space right of its box is shifted left to stay inside the image.
  const shifted = await decode(
    await drawBoxes(img, [{ label: "etiqueta larga", x: 50, y: 20, width: 9, height: 10, color: "#0000ff" }], {
      fontSize: 8,
    }),
  );
  assert.deepEqual(shifted.at(2, 6), [0, 0, 255]);
  const captioned = await decode(await drawBoxes(img, [], { caption: "ilustración", fontSize: 10 }));
  assert.equal(captioned.width, 60);
  assert.ok(captioned.height > 40);
  await assert.rejects(
    () => drawBoxes(img, [{ label: "x", x: 50, y: 0, width: 20, height: 5 }]),
    /boxes\[0\] \(x\) se sale de la imagen 60×40/,
  );
  await assert.rejects(() => drawBoxes(tf.zeros([4, 4]) as unknown as tf.Tensor3D, []), /image debe ser un tensor/);
  img.dispose();
});

Deno.test("overlayMask: class pixels blend with their colour by alpha, background stays, no leaks", async () => {
  const img = photo();
  const maskArr = Array.from(
    { length: 40 },
    (_, y) => Array.from({ length: 60 }, (_, x) => (y < 10 ? 1 : x >= 50 ? 2 : 0)),
  );
  const mask = tf.tensor2d(maskArr);
  const before = tf.memory().numTensors;
  const png = await overlayMask(img, mask, { colors: ["#ff0000", "#0000ff"], alpha: 0.5 });
  assert.equal(tf.memory().numTensors, before);
  const out = await decode(png);
  const near = (got: number[], want: number[]) => got.every((v, k) => Math.abs(v - want[k]) <= 1.5);
  assert.ok(near(out.at(5, 5), [0.5 * 51 + 0.5 * 255, 0.5 * 51, 0.5 * 51]), `class 1: ${out.at(5, 5)}`);
  assert.ok(near(out.at(55, 30), [0.5 * 204, 0.5 * 153, 0.5 * 102 + 0.5 * 255]), `class 2: ${out.at(55, 30)}`);
  assert.ok(near(out.at(5, 30), [51, 51, 51]), `background: ${out.at(5, 30)}`);
  await assert.rejects(() => overlayMask(img, tf.zeros([3, 3]) as tf.Tensor2D), /mask debe ser un tensor \[40, 60\]/);
  await assert.rejects(() => overlayMask(img, mask, { colors: ["red"] }), /colors\[0\] debe ser un color "#rrggbb"/);
  tf.dispose([img, mask]);
});

Deno.test("colorRangeMask: 1 exactly where every channel is in range (and inside the box), like a pixel loop", async () => {
  const px = [[0.9, 0.5, 0.1], [0.9, 0.9, 0.1], [0.5, 0.5, 0.1], [0.7, 0.3, 0.3], [0.0, 0.0, 0.0], [1.0, 0.6, 0.4]];
  const img = tf.tensor3d(px.flat(), [2, 3, 3]);
  const min: [number, number, number] = [0.6, 0.2, 0];
  const max: [number, number, number] = [1, 0.6, 0.4];
  const ref = px.map((p) => (p.every((v, k) => v >= min[k] && v <= max[k]) ? 1 : 0));
  const before = tf.memory().numTensors;
  const m = colorRangeMask(img, { min, max });
  assert.deepEqual(Array.from(await m.data()), ref);
  const boxed = colorRangeMask(img, { min, max, within: { x: 1, y: 0, width: 2, height: 2 } });
  assert.deepEqual(Array.from(await boxed.data()), ref.map((v, i) => (i % 3 === 0 ? 0 : v)));
  tf.dispose([m, boxed]);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => colorRangeMask(img, { min: [0, 0], max: [1, 1, 1] } as never), /options\.min y options\.max/);
  img.dispose();
});
