/**
 * The lecture's arithmetic (blocks 2–4): every number below is the lecture's, computed by hand here.
 */
import assert from "node:assert/strict";
import {
  convOutput,
  convParams,
  denseParams,
  DimensionError,
  dimensionErrorOf,
  formatCount,
  formatVolume,
  parseVolume,
  poolOutput,
  samePadding,
  tf,
  type Volume,
  volumeSize,
} from "../lib/mod.ts";

const vol = (width: number, height: number, depth: number): Volume => ({ width, height, depth });

Deno.test("MLP neuron on a 300×300×3 image: 270.000 weights; one 5×5×3 filter: 75 weights + 1 bias", () => {
  assert.equal(denseParams(300 * 300 * 3, 1).weights, 270_000);
  assert.equal(denseParams(vol(300, 300, 3), 1).weights, 270_000);
  assert.deepEqual(convParams(3, { filters: 1, size: 5 }), { weights: 75, biases: 1, total: 76 });
  assert.deepEqual(convParams(3, { filters: 10, size: 5 }), { weights: 750, biases: 10, total: 760 });
});

Deno.test("conv parameters do not depend on the image size", () => {
  for (const n of [32, 300, 1024]) {
    const out = convOutput(vol(n, n, 3), { filters: 10, size: 5, padding: 2 });
    assert.equal(out.depth, 10);
    assert.equal(convParams(3, { filters: 10, size: 5 }).total, 760);
  }
});

Deno.test("7×7×1 input, 3×3 filter: stride 1 → 5×5, stride 2 → 3×3, stride 3 does not fit", () => {
  assert.deepEqual(convOutput(vol(7, 7, 1), { filters: 1, size: 3, stride: 1 }), vol(5, 5, 1));
  assert.deepEqual(convOutput(vol(7, 7, 1), { filters: 1, size: 3, stride: 2 }), vol(3, 3, 1));
  assert.throws(() => convOutput(vol(7, 7, 1), { filters: 1, size: 3, stride: 3 }), (e: unknown) => {
    assert.ok(e instanceof DimensionError);
    assert.match(e.message, /no encaja/);
    assert.match(e.message, /\(7 − 3 \+ 2·0\)\/3 \+ 1/); // the formula, filled in
    assert.match(e.message, /2,33/);
    assert.match(e.message, /rounding: "floor"/);
    // nearest values that fit, each checked by hand: (6−3)/3+1 = 2, (9−3)/3+1 = 3, (7−3+2)/3+1 = 3, (7−3)/2+1 = 3
    const fit = e.suggestions.map((s) => `${s.field}=${s.value}→${s.output}`);
    for (const s of ["input=6→2", "input=9→3", "padding=1→3", "stride=2→3"]) assert.ok(fit.includes(s), s);
    return true;
  });
  assert.deepEqual(convOutput(vol(7, 7, 1), { filters: 1, size: 3, stride: 3, rounding: "floor" }), vol(2, 2, 1));
});

Deno.test("32×32×3, 10 filters 5×5, stride 1, padding 2 → 32×32×10", () => {
  assert.deepEqual(convOutput(vol(32, 32, 3), { filters: 10, size: 5, stride: 1, padding: 2 }), vol(32, 32, 10));
  assert.equal((32 - 5 + 2 * 2) / 1 + 1, 32);
});

Deno.test("max pooling 2×2 stride 2 on 224×224×64 → 112×112×64 (stride defaults to the size)", () => {
  assert.deepEqual(poolOutput(vol(224, 224, 64), { size: 2, stride: 2 }), vol(112, 112, 64));
  assert.deepEqual(poolOutput(vol(224, 224, 64), { size: 2 }), vol(112, 112, 64));
  // the area shrinks by 75 %
  assert.equal(1 - volumeSize(vol(112, 112, 64)) / volumeSize(vol(224, 224, 64)), 0.75);
});

Deno.test("AlexNet CONV1 on 224×224×3 does not fit ((224−11)/4+1 = 54.25); on 227 it gives 55×55×96", () => {
  assert.throws(() => convOutput(vol(224, 224, 3), { filters: 96, size: 11, stride: 4 }), (e: unknown) => {
    assert.ok(e instanceof DimensionError);
    assert.match(e.message, /54,25/);
    assert.ok(e.suggestions.some((s) => s.field === "input" && s.value === 227 && s.output === 55));
    return true;
  });
  assert.deepEqual(convOutput(vol(227, 227, 3), { filters: 96, size: 11, stride: 4 }), vol(55, 55, 96));
  assert.deepEqual(
    convOutput(vol(224, 224, 3), { filters: 96, size: 11, stride: 4, rounding: "floor" }),
    vol(54, 54, 96),
  );
});

Deno.test("rectangular inputs use the formula per side; the error names the side", () => {
  assert.deepEqual(convOutput(vol(64, 48, 3), { filters: 8, size: 3, stride: 1, padding: 1 }), vol(64, 48, 8));
  assert.deepEqual(convOutput(vol(65, 33, 3), { filters: 4, size: 5, stride: 2, padding: 1 }), vol(32, 16, 4));
  assert.deepEqual(poolOutput(vol(40, 20, 5), { size: 2 }), vol(20, 10, 5));
  assert.throws(() => poolOutput(vol(40, 21, 5), { size: 2 }), /alto/);
  assert.throws(() => poolOutput(vol(41, 20, 5), { size: 2 }), /ancho/);
});

Deno.test("padding 'same' and 'valid' follow TF's rule, checked against tf.conv2d/maxPool shapes", () => {
  for (const [n, f, s] of [[7, 3, 2], [8, 3, 2], [28, 5, 1], [10, 4, 3]]) {
    const x = tf.zeros([1, n, n + 1, 2]) as tf.Tensor4D;
    const w = tf.zeros([f, f, 2, 3]) as tf.Tensor4D;
    for (const padding of ["same", "valid"] as const) {
      const y = tf.conv2d(x, w, s, padding);
      const out = convOutput(vol(n + 1, n, 2), { filters: 3, size: f, stride: s, padding, rounding: "floor" });
      assert.deepEqual([out.height, out.width, out.depth], y.shape.slice(1), `conv ${padding} n=${n} f=${f} s=${s}`);
      const p = tf.maxPool(x, f, s, padding);
      const po = poolOutput(vol(n + 1, n, 2), { size: f, stride: s, padding, rounding: "floor" });
      assert.deepEqual([po.height, po.width, po.depth], p.shape.slice(1), `pool ${padding} n=${n} f=${f} s=${s}`);
      tf.dispose([y, p]);
    }
    tf.dispose([x, w]);
  }
  assert.deepEqual(samePadding(7, 3, 2), { before: 1, after: 1 }); // ceil(7/2)=4: (4−1)·2+3−7 = 2
  assert.deepEqual(samePadding(8, 3, 2), { before: 0, after: 1 }); // ceil(8/2)=4: (4−1)·2+3−8 = 1
});

Deno.test("floor rounding matches TF's 'valid' output for filters that do not fit exactly", () => {
  const x = tf.zeros([1, 224, 224, 3]) as tf.Tensor4D;
  const w = tf.zeros([11, 11, 3, 2]) as tf.Tensor4D;
  const y = tf.conv2d(x, w, 4, "valid");
  const out = convOutput(vol(224, 224, 3), { filters: 2, size: 11, stride: 4, rounding: "floor" });
  assert.deepEqual([out.height, out.width, out.depth], y.shape.slice(1));
  tf.dispose([x, w, y]);
});

Deno.test("nonsense input is a DimensionError naming the field and the value", () => {
  const cases: Array<[() => unknown, string, unknown]> = [
    [() => convOutput(vol(7, 7, 1), { filters: 1, size: 3, stride: 0 }), "stride (S)", 0],
    [() => convOutput(vol(7, 7, 1), { filters: 2.5, size: 3 }), "filters (número de filtros K)", 2.5],
    [() => convOutput(vol(7, 7, 1), { filters: 1, size: -3 }), "size (lado del filtro F)", -3],
    [() => convOutput(vol(7, 7, 1), { filters: 1, size: 3, padding: -1 }), "padding", -1],
    [() => convOutput(vol(7, 0, 1), { filters: 1, size: 3 }), "input.height", 0],
    [() => convOutput(vol(7, 7, 1.5), { filters: 1, size: 3 }), "input.depth", 1.5],
    [() => poolOutput(vol(8, 8, 1), { size: 2, stride: -2 }), "stride (S)", -2],
    [() => convParams(0, { filters: 1, size: 3 }), "inputDepth (profundidad de la entrada D1)", 0],
    [() => denseParams(10, 0), "units (número de neuronas)", 0],
    // deno-lint-ignore no-explicit-any
    [() => convOutput(vol(7, 7, 1), { filters: 1, size: 3, rounding: "ceil" as any }), "rounding", "ceil"],
  ];
  for (const [f, field, value] of cases) {
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof DimensionError, String(e));
      assert.equal(e.field, field);
      assert.equal(e.value, value);
      assert.ok(e.message.includes(String(value)), e.message);
      return true;
    });
  }
  // a filter larger than the padded input
  assert.throws(() => convOutput(vol(7, 7, 1), { filters: 1, size: 9 }), /mayor que el ancho de la entrada/);
  assert.deepEqual(convOutput(vol(7, 7, 1), { filters: 1, size: 9, padding: 1 }), vol(1, 1, 1));
});

Deno.test("volume helpers: parse, format, count", () => {
  assert.deepEqual(parseVolume("32x32x3"), vol(32, 32, 3));
  assert.deepEqual(parseVolume("224 × 200 × 64"), vol(224, 200, 64));
  assert.throws(() => parseVolume("32x32"), DimensionError);
  assert.equal(formatVolume(vol(55, 55, 96)), "55×55×96");
  assert.equal(formatCount(270000), "270.000");
  assert.equal(formatCount(138357544), "138.357.544");
  assert.equal(formatCount(760), "760");
});

Deno.test("dimensionErrorOf returns the message, and throws when the layer fits", () => {
  const msg = dimensionErrorOf(() => convOutput(vol(7, 7, 1), { filters: 1, size: 3, stride: 3 }));
  assert.match(msg, /^El filtro no encaja en el ancho/);
  assert.throws(
    () => dimensionErrorOf(() => convOutput(vol(7, 7, 1), { filters: 1, size: 3 })),
    /Se esperaba un DimensionError/,
  );
  assert.throws(() =>
    dimensionErrorOf(() => {
      throw new TypeError("x");
    }), TypeError);
});
