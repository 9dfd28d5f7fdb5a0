/**
 * The loop implementations (w·x + b at each position) against TF.js's conv2d / maxPool / avgPool on random
 * inputs, with CS231n's relative error; plus the step-through helpers used in notebooks 02–04.
 */
import assert from "node:assert/strict";
import {
  assertRelError,
  avgPoolNaive,
  classicFilters,
  conv2dNaive,
  convAt,
  DimensionError,
  filterPositions,
  type Filters4D,
  filterSvg,
  type Image3D,
  maxPoolNaive,
  relError,
  tf,
} from "../lib/mod.ts";

let seed = 11;

async function random(shape: number[]): Promise<{ t: tf.Tensor; a: unknown }> {
  const t = tf.randomNormal(shape, 0, 1, "float32", seed++);
  return { t, a: await t.array() };
}

Deno.test("relError: CS231n's max |x−y| / max(1e-8, |x|+|y|)", () => {
  assert.equal(relError([1, 2, 3], [1, 2, 3]), 0);
  assert.ok(Math.abs(relError([1, 2], [1, 2.2]) - 0.2 / 4.2) < 1e-12);
  assert.equal(relError([[0]], [[0]]), 0);
  assert.ok(Math.abs(relError(1, 3) - 0.5) < 1e-12);
  assert.equal(relError(new Float32Array([1, 2]), [[1], [2]]), 0);
  assert.throws(() => relError([1, 2], [1]), /mismo número/);
});

Deno.test("conv2dNaive equals tf.conv2d (strides, paddings, channels, filters)", async () => {
  const cases: Array<
    { h: number; w: number; c: number; f: number; k: number; s: number; p: number | "same" | "valid" }
  > = [
    { h: 7, w: 7, c: 1, f: 3, k: 1, s: 1, p: 0 },
    { h: 7, w: 7, c: 1, f: 3, k: 2, s: 2, p: 0 },
    { h: 8, w: 6, c: 3, f: 5, k: 4, s: 1, p: 2 },
    { h: 9, w: 11, c: 2, f: 3, k: 3, s: 2, p: 1 },
    { h: 10, w: 10, c: 3, f: 4, k: 2, s: 3, p: "same" },
    { h: 9, w: 9, c: 4, f: 1, k: 5, s: 1, p: "valid" },
  ];
  const before = tf.memory().numTensors;
  for (const { h, w, c, f, k, s, p } of cases) {
    const x = await random([h, w, c]);
    const filt = await random([f, f, c, k]);
    const b = await random([k]);
    const ref = tf.tidy(() => {
      const xp = typeof p === "number" && p > 0
        ? tf.pad(x.t as tf.Tensor3D, [[p, p], [p, p], [0, 0]])
        : (x.t as tf.Tensor3D);
      const pad = typeof p === "number" ? "valid" : p;
      return tf.add(tf.conv2d(xp, filt.t as tf.Tensor4D, s, pad), b.t);
    });
    const expected = await ref.array();
    const got = conv2dNaive(x.a as Image3D, filt.a as Filters4D, {
      bias: b.a as number[],
      stride: s,
      padding: p,
      rounding: "floor",
    });
    assert.deepEqual([got.length, got[0].length, got[0][0].length], ref.shape, JSON.stringify({ h, w, f, s, p }));
    const err = relError(got, expected);
    assert.ok(err < 1e-4, `rel error ${err} for ${JSON.stringify({ h, w, c, f, k, s, p })}`);
    tf.dispose([x.t, filt.t, b.t, ref]);
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("maxPoolNaive / avgPoolNaive equal tf.maxPool / tf.avgPool", async () => {
  const cases: Array<{ h: number; w: number; c: number; f: number; s: number; p: "valid" | "same" }> = [
    { h: 8, w: 8, c: 3, f: 2, s: 2, p: "valid" },
    { h: 13, w: 13, c: 2, f: 3, s: 2, p: "valid" },
    { h: 7, w: 9, c: 4, f: 3, s: 1, p: "valid" },
    { h: 7, w: 8, c: 2, f: 2, s: 2, p: "same" },
    { h: 9, w: 9, c: 1, f: 3, s: 3, p: "same" },
  ];
  for (const { h, w, c, f, s, p } of cases) {
    const x = await random([1, h, w, c]);
    const xa = (x.a as Image3D[])[0];
    for (const mode of ["max", "avg"] as const) {
      const ref = mode === "max" ? tf.maxPool(x.t as tf.Tensor4D, f, s, p) : tf.avgPool(x.t as tf.Tensor4D, f, s, p);
      const expected = ((await ref.array()) as number[][][][])[0];
      const opts = { size: f, stride: s, padding: p, rounding: "floor" as const };
      const got = mode === "max" ? maxPoolNaive(xa, opts) : avgPoolNaive(xa, opts);
      assert.deepEqual([1, got.length, got[0].length, got[0][0].length], ref.shape);
      const err = relError(got, expected);
      assert.ok(err < 1e-5, `${mode} rel error ${err} for ${JSON.stringify({ h, w, f, s, p })}`);
      ref.dispose();
    }
    x.t.dispose();
  }
});

Deno.test("max pooling by hand on a 4×4 example: 2×2 stride 2 keeps the maximum of each block", () => {
  const grid = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]];
  const x = grid.map((r) => r.map((v) => [v]));
  assert.deepEqual(maxPoolNaive(x, { size: 2 }), [[[6], [8]], [[3], [4]]]);
  assert.deepEqual(avgPoolNaive(x, { size: 2 }), [[[13 / 4], [21 / 4]], [[8 / 4], [8 / 4]]]);
});

Deno.test("conv2dNaive computes w·x + b: a hand-made example", () => {
  // 3×3 input, one 2×2 filter of ones, bias 1: each output = sum of the 2×2 block + 1
  const x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]].map((r) => r.map((v) => [v]));
  const w = [[[[1]], [[1]]], [[[1]], [[1]]]];
  assert.deepEqual(conv2dNaive(x, w, { bias: [1] }), [[[13], [17]], [[25], [29]]]);
  // with padding 1 the corner sees only x[0][0] and three zeros
  assert.equal(conv2dNaive(x, w, { bias: [0], padding: 1 })[0][0][0], 1);
  assert.throws(() => conv2dNaive(x, [[[[1, 1]]]], { stride: 0 }), /stride/);
  assert.throws(() => conv2dNaive(x, [[[[1], [1]]]]), /misma profundidad/);
  assert.throws(() => conv2dNaive(x, w, { bias: [1, 2] }), /un valor por filtro/);
  assert.throws(() => conv2dNaive(x, w, { stride: 2 }), DimensionError); // (3−2)/2+1 = 1.5
});

Deno.test("convAt spells out one position and agrees with conv2dNaive", async () => {
  const x = await random([6, 6, 3]);
  const w = await random([3, 3, 3, 2]);
  const full = conv2dNaive(x.a as Image3D, w.a as Filters4D, { bias: [0.5, -1], stride: 1, padding: 1 });
  for (const [row, col, filter, bias] of [[0, 0, 0, 0.5], [2, 3, 1, -1], [5, 5, 0, 0.5]]) {
    const step = convAt(x.a as Image3D, w.a as Filters4D, { row, col, filter, bias, padding: 1 });
    assert.ok(Math.abs(step.value - full[row][col][filter]) < 1e-9);
    assert.equal(step.value, step.dot + step.bias);
    assert.equal(step.window.length, 3);
  }
  assert.deepEqual(convAt(x.a as Image3D, w.a as Filters4D, { row: 0, col: 0, padding: 1 }).window[0][0], [0, 0, 0]);
  assert.throws(
    () => convAt(x.a as Image3D, w.a as Filters4D, { row: 6, col: 0, padding: 1 }),
    /row debe ser un entero entre 0 y 5/,
  );
  tf.dispose([x.t, w.t]);
});

Deno.test("filterPositions: (N − F + 2P)/S + 1 positions per side, in reading order", () => {
  assert.equal(filterPositions(7, { size: 3 }).length, 25);
  const s2 = filterPositions(7, { size: 3, stride: 2 });
  assert.equal(s2.length, 9);
  assert.deepEqual(s2.map((p) => p.left).slice(0, 3), [0, 2, 4]);
  assert.deepEqual(s2[3], { step: 3, row: 1, col: 0, top: 2, left: 0 });
  assert.throws(() => filterPositions(7, { size: 3, stride: 3 }), DimensionError);
  assert.equal(filterPositions(7, { size: 3, stride: 3, rounding: "floor" }).length, 4);
  assert.equal(filterPositions({ width: 5, height: 3 }, { size: 3, padding: 1 }).length, 15);
});

Deno.test("filterSvg draws the padded grid, the window and the output; uncovered cells in orange", () => {
  const svg = filterSvg(7, { size: 3, stride: 2, padding: 1, step: 4 }).svg;
  assert.match(svg, /^<svg/);
  const cells = (svg.match(/stroke-width="0.6"/g) ?? []).length;
  // (7+2)² input cells + 4² output cells ((7−3+2)/2+1 = 4)
  assert.equal(cells, 9 * 9 + 4 * 4);
  assert.equal((svg.match(/>0</g) ?? []).length, 9 * 9 - 7 * 7); // padding cells print a 0
  assert.match(svg, /salida 4×4/);
  const floor = filterSvg(7, { size: 3, stride: 3, rounding: "floor" }).svg;
  assert.equal((floor.match(/#fdd9a8/g) ?? []).length, 7 + 6); // last row and column never covered
  const fig = filterSvg(5, { size: 3, animate: true });
  const bundle = fig.mimeBundle();
  assert.equal(bundle["image/svg+xml"], fig.svg);
  // text/html is the same SVG as an <img> (kept by the sanitiser of untrusted notebooks)
  const b64 = bundle["text/html"].match(/^<img src="data:image\/svg\+xml;base64,([^"]+)"/)![1];
  assert.equal(new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))), fig.svg);
  assert.match(bundle["text/plain"], /salida 3×3/);
  const anim = fig.svg;
  assert.equal((anim.match(/<animate /g) ?? []).length, 4);
});

Deno.test("classicFilters: Sobel finds a vertical edge, blur keeps a constant image, tf agrees", async () => {
  // 5×5 grey image: left half 0, right half 1 (a vertical edge between columns 1 and 2)
  const x = [0, 1, 2, 3, 4].map(() => [0, 0, 1, 1, 1].map((v) => [v]));
  const { names, weights } = classicFilters({ names: ["bordes verticales", "bordes horizontales", "desenfoque"] });
  assert.deepEqual(names, ["bordes verticales", "bordes horizontales", "desenfoque"]);
  const y = conv2dNaive(x, weights); // 3×3×3
  // vertical Sobel: columns (−1,0,1)·(1,2,1) rows → 4 where the window straddles the edge, 0 on the flat right
  assert.deepEqual(y.map((r) => r.map((c) => c[0])), [[4, 4, 0], [4, 4, 0], [4, 4, 0]]);
  assert.deepEqual(y.flat().map((c) => c[1]), new Array(9).fill(0)); // no horizontal edge
  const flat = conv2dNaive([[[2], [2], [2]], [[2], [2], [2]], [[2], [2], [2]]], weights);
  assert.ok(Math.abs(flat[0][0][2] - 2) < 1e-12); // a blur of a constant is the constant
  // 3 channels: each kernel is split over the channels, so a grey RGB image gives the same response
  const rgb = classicFilters({ channels: 3, names: ["bordes verticales"] });
  const xr = x.map((r) => r.map(([v]) => [v, v, v]));
  assert.ok(Math.abs(conv2dNaive(xr, rgb.weights)[0][0][0] - 4) < 1e-12);
  const img = await random([6, 7, 3]);
  const all = classicFilters({ channels: 3 });
  const wt = tf.tensor4d(all.weights);
  const ref = tf.conv2d(img.t as tf.Tensor3D, wt, 1, "valid");
  assertRelError(conv2dNaive(img.a as Image3D, all.weights), await ref.array(), { label: "filtros clásicos" });
  tf.dispose([img.t, wt, ref]);
  assert.throws(() => classicFilters({ names: ["gauss"] }), /No hay un filtro clásico "gauss"/);
});

Deno.test("assertRelError returns the error and throws (Spanish) above the tolerance", () => {
  assert.equal(assertRelError([1, 2], [1, 2]), 0);
  assert.throws(() => assertRelError([1], [1.1], { label: "conv" }), /conv no coinciden: error relativo/);
  assert.throws(() => assertRelError([NaN], [1]), /no coinciden/);
});
