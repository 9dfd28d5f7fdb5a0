import assert from "node:assert/strict";
import { tf } from "../lib/mod.ts";
import { KIND_NAMES, LAYER_KINDS } from "../lib/cnn/layer_kinds.ts";
import { layerNotation, parseLayer } from "../lib/cnn/notation.ts";
import { defineArchitecture, summarize } from "../lib/cnn/architecture.ts";
import { buildModel } from "../lib/cnn/build.ts";
import { smallVgg, smallVggSpec } from "../lib/cnn/catalogue.ts";
import { disposeModel } from "../lib/learn/optimizer.ts";

/** One layer of each kind, in notation, in an order where every one fits. */
const ONE_OF_EACH = [
  "CONV3-8/p1/linear/nobias",
  "BN",
  "RELU",
  "NORM",
  "POOL2",
  "AVGPOOL2/s1",
  "CONV3-4/same",
  "GAP",
  "DROPOUT0.25",
  "FC-6",
];

Deno.test("every kind of layer: notation round trip, label and colour, one descriptor each", () => {
  const kinds = new Set(ONE_OF_EACH.map((t) => parseLayer(t).kind));
  kinds.add(parseLayer("FLATTEN").kind);
  assert.deepEqual([...kinds].sort(), [...KIND_NAMES].sort(), "the fixture covers every kind");
  for (const text of [...ONE_OF_EACH, "FLATTEN"]) {
    const spec = parseLayer(text);
    // The notation leaves out the activation of CONV/FC layers (as the lecture's tables do).
    assert.equal(layerNotation(spec).toUpperCase(), text.toUpperCase().replace("/LINEAR", ""));
    const { activation: _, ...rest } = spec as { activation?: string };
    assert.deepEqual(parseLayer(layerNotation(spec)), spec.kind === "activation" ? spec : rest);
    const def = LAYER_KINDS[spec.kind];
    assert.ok(def.label.length > 0 && /^#[0-9a-f]{6}$/.test(def.colour), spec.kind);
  }
  assert.throws(() => parseLayer("POOL2/nobias"), /pooling solo admite/);
  assert.throws(() => parseLayer("BN/nobias"), /capa BN no admite opciones/);
});

Deno.test("summary rows equal the built TF.js layers for every kind (shapes and countParams)", () => {
  const arch = defineArchitecture("Todas", { input: "12x12x3", layers: ONE_OF_EACH });
  const model = buildModel(arch, { seed: 3 });
  const rows = summarize(arch);
  for (const row of rows.slice(1)) {
    const layer = model.getLayer(row.name);
    assert.equal(layer.countParams(), row.params, `${row.name} (${row.notation}) params`);
    const shape = layer.outputShape as number[];
    const out = shape.length === 4 ? [shape[2], shape[1], shape[3]] : [1, 1, shape[1]];
    assert.deepEqual(out, [row.output.width, row.output.height, row.output.depth], `${row.name} output`);
  }
  // BN: 4·D parameters (γ, β, moving mean and variance), as TF.js counts them; the conv before it has no bias.
  assert.equal(rows[2].params, 4 * 8);
  assert.equal(rows[1].biases, 0);
  assert.equal(model.getLayer(rows[1].name).getWeights().length, 1);
  disposeModel(model);
});

Deno.test("smallVgg is a spec: its summary matches the model layer by layer, with and without BatchNorm", () => {
  for (const batchNorm of [false, true]) {
    const spec = smallVggSpec({ batchNorm });
    const model = smallVgg({ batchNorm, seed: 2 });
    const rows = summarize(spec);
    for (const row of rows.slice(1)) assert.equal(model.getLayer(row.name).countParams(), row.params, row.name);
    assert.equal(rows.reduce((s, r) => s + r.params, 0), model.countParams());
    assert.deepEqual(model.getLayer("block3_pool").outputShape, [null, 3, 3, 64]);
    disposeModel(model);
  }
  // Seeded: the same seed gives the same initial weights (He normal), another seed different ones.
  const [a, b, c] = [smallVgg({ seed: 5 }), smallVgg({ seed: 5 }), smallVgg({ seed: 6 })];
  const first = (m: tf.LayersModel) => Array.from(m.getLayer("block1_conv1").getWeights()[0].dataSync()).slice(0, 8);
  assert.deepEqual(first(a), first(b));
  assert.notDeepEqual(first(a), first(c));
  [a, b, c].forEach(disposeModel);
});
