import assert from "node:assert/strict";
import { tf } from "../lib/mod.ts";
import { formulaVsTfjs } from "../lib/cnn/formula_check.ts";

Deno.test("formulaVsTfjs: formula and TF.js agree on hand-computed layers; no tensor left", () => {
  const before = tf.memory().numTensors;
  const rows = formulaVsTfjs([
    { input: "227x227x3", layer: "CONV11-96/s4/p0" }, // AlexNet conv1: (227 − 11)/4 + 1 = 55
    { input: "63x47x3", layer: "CONV3-16/s2/p1" }, // (63 − 3 + 2)/2 + 1 = 32, (47 − 3 + 2)/2 + 1 = 24
  ]);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(rows[0]["salida (TF.js)"], "55×55×96");
  assert.equal(rows[0]["parámetros (TF.js)"], 11 * 11 * 3 * 96 + 96);
  assert.equal(rows[1]["salida (fórmula)"], "32×24×16");
  assert.equal(rows[1]["salida (TF.js)"], "32×24×16");
  assert.deepEqual(rows.map((r) => r.coinciden), ["sí", "sí"]);
  assert.throws(() => formulaVsTfjs([{ input: "8x8x1", layer: "POOL2" }]), /no es una capa convolucional/);
  assert.throws(() => formulaVsTfjs([]), /necesita una lista/);
});
