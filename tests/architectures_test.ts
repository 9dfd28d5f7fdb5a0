/**
 * Architectures: the lecture's VGG-16 table row by row (computed here by the formula), AlexNet and LeNet-5,
 * the notation, the table renderer, and the TF.js models built from the same descriptions, layer by layer.
 */
import assert from "node:assert/strict";
import {
  alexnet,
  type Architecture,
  buildModel,
  defineArchitecture,
  DimensionError,
  layerNotation,
  type LayerRow,
  lenet5,
  LocalResponseNormalization,
  parseLayer,
  summarize,
  summaryTable,
  summaryTotals,
  tf,
  vgg16,
} from "../lib/mod.ts";

/** Layer by layer: the model's layer named like each row has the row's output shape and parameter count. */
function assertModelMatches(model: tf.LayersModel, rows: LayerRow[]): void {
  for (const row of rows.slice(1)) {
    const layer = model.getLayer(row.name);
    const shape = layer.outputShape as number[];
    const expected = row.flat
      ? [null, row.output.depth]
      : [null, row.output.height, row.output.width, row.output.depth];
    assert.deepEqual(shape, expected, `${row.name}: forma de salida`);
    assert.equal(layer.countParams(), row.params, `${row.name}: parámetros`);
  }
  assert.equal(model.countParams(), summaryTotals(rows).params);
}

Deno.test("VGG-16: every row of the lecture's table (volume and weights by the formula)", () => {
  // [notation, W=H, D, weights] exactly as the lecture lists them; weights written as the lecture's products
  const lecture: Array<[string, number, number, number]> = [
    ["INPUT", 224, 3, 0],
    ["CONV3-64", 224, 64, (3 * 3 * 3) * 64],
    ["CONV3-64", 224, 64, (3 * 3 * 64) * 64],
    ["POOL2", 112, 64, 0],
    ["CONV3-128", 112, 128, (3 * 3 * 64) * 128],
    ["CONV3-128", 112, 128, (3 * 3 * 128) * 128],
    ["POOL2", 56, 128, 0],
    ["CONV3-256", 56, 256, (3 * 3 * 128) * 256],
    ["CONV3-256", 56, 256, (3 * 3 * 256) * 256],
    ["CONV3-256", 56, 256, (3 * 3 * 256) * 256],
    ["POOL2", 28, 256, 0],
    ["CONV3-512", 28, 512, (3 * 3 * 256) * 512],
    ["CONV3-512", 28, 512, (3 * 3 * 512) * 512],
    ["CONV3-512", 28, 512, (3 * 3 * 512) * 512],
    ["POOL2", 14, 512, 0],
    ["CONV3-512", 14, 512, (3 * 3 * 512) * 512],
    ["CONV3-512", 14, 512, (3 * 3 * 512) * 512],
    ["CONV3-512", 14, 512, (3 * 3 * 512) * 512],
    ["POOL2", 7, 512, 0],
    ["FC-4096", 1, 4096, 7 * 7 * 512 * 4096],
    ["FC-4096", 1, 4096, 4096 * 4096],
    ["FC-1000", 1, 1000, 4096 * 1000],
  ];
  // spot-check the lecture's printed values against these products
  assert.equal(lecture[1][3], 1728);
  assert.equal(lecture[12][3], 2359296);
  assert.equal(lecture[19][3], 102760448);
  assert.equal(lecture[21][3], 4096000);
  const rows = summarize(vgg16);
  assert.equal(rows.length, lecture.length);
  rows.forEach((r, i) => {
    const [notation, side, depth, weights] = lecture[i];
    assert.equal(r.notation.replace("/p1", ""), notation, `fila ${i}`);
    assert.deepEqual(r.output, { width: side, height: side, depth }, `fila ${i} (${notation})`);
    assert.equal(r.weights, weights, `fila ${i} (${notation}) pesos`);
    const biases = r.kind === "conv" || r.kind === "dense" ? depth : 0;
    assert.equal(r.biases, biases);
    assert.equal(r.params, weights + biases);
    assert.equal(r.activations, side * side * depth);
    assert.equal(r.bytes, 4 * side * side * depth);
  });
  const t = summaryTotals(rows);
  const weights = lecture.reduce((s, r) => s + r[3], 0);
  assert.equal(t.weights, weights);
  assert.equal(t.params, 138_357_544);
  assert.ok(Math.abs(t.params - 138e6) < 1e6); // "aproximadamente 140M"
  // most of the weights are in the FC layers, and the first FC alone holds ~74 %
  const fc = rows.filter((r) => r.kind === "dense").reduce((s, r) => s + r.weights, 0);
  assert.ok(fc / t.weights > 0.89);
  assert.ok(rows[19].weights / t.weights > 0.74);
});

Deno.test("receptive fields: r ← r + (F−1)·j, j ← j·S, checked by hand", () => {
  const vgg = summarize(vgg16);
  // conv 3×3 s1: 3, 5; pool 2 s2: 6 (j=2); conv: 10, 14; pool: 16 (j=4); …
  assert.deepEqual(vgg.slice(1, 7).map((r) => r.receptiveField), [3, 5, 6, 10, 14, 16]);
  assert.equal(vgg[18].receptiveField, 212); // last pool of VGG-16
  const alex = summarize(alexnet);
  assert.deepEqual(alex.slice(1, 5).map((r) => r.receptiveField), [11, 11 + 2 * 4, 19, 19 + 4 * 8]);
  assert.equal(alex.find((r) => r.name === "fc6")!.receptiveField, 227);
});

Deno.test("AlexNet as listed in the lecture: volumes and ~60 M parameters on 227×227×3", () => {
  const rows = summarize(alexnet);
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  const side = (n: number, f: number, s: number, p: number) => (n - f + 2 * p) / s + 1;
  const c1 = side(227, 11, 4, 0); // 55
  const p1 = side(c1, 3, 2, 0); // 27
  const c2 = side(p1, 5, 1, 2); // 27
  const p2 = side(c2, 3, 2, 0); // 13
  const p3 = side(p2, 3, 2, 0); // 6
  assert.deepEqual([c1, p1, c2, p2, p3], [55, 27, 27, 13, 6]);
  assert.deepEqual(byName.conv1.output, { width: c1, height: c1, depth: 96 });
  assert.deepEqual(byName.norm1.output, byName.pool1.output);
  assert.deepEqual(byName.conv2.output, { width: c2, height: c2, depth: 256 });
  assert.deepEqual(byName.conv5.output, { width: p2, height: p2, depth: 256 });
  assert.deepEqual(byName.pool3.output, { width: p3, height: p3, depth: 256 });
  assert.equal(byName.conv1.weights, 11 * 11 * 3 * 96);
  assert.equal(byName.conv2.weights, 5 * 5 * 96 * 256);
  assert.equal(byName.fc6.weights, 6 * 6 * 256 * 4096);
  assert.equal(byName.norm1.params, 0);
  const total = (11 * 11 * 3 + 1) * 96 + (5 * 5 * 96 + 1) * 256 + (3 * 3 * 256 + 1) * 384 + (3 * 3 * 384 + 1) * 384 +
    (3 * 3 * 384 + 1) * 256 + (6 * 6 * 256 + 1) * 4096 + (4096 + 1) * 4096 + (4096 + 1) * 1000;
  assert.equal(summaryTotals(rows).params, total);
  assert.ok(total > 58e6 && total < 63e6, "unos 60 M");
});

Deno.test("AlexNet on the lecture's 224×224×3: CONV1 does not fit, and the error says where", () => {
  assert.throws(() => summarize(alexnet, { input: "224x224x3" }), (e: unknown) => {
    assert.ok(e instanceof DimensionError);
    assert.match(e.message, /^AlexNet, capa 1 «conv1» \(CONV11-96\/s4\) con entrada 224×224×3/);
    assert.match(e.message, /\(224 − 11 \+ 2·0\)\/4 \+ 1/);
    assert.match(e.message, /54,25/);
    assert.match(e.message, /227/);
    return true;
  });
  assert.throws(() => buildModel(alexnet, { input: { width: 224, height: 224, depth: 3 } }), DimensionError);
});

Deno.test("LeNet-5: 61.706 parameters on 28×28×1 with a padded first convolution", () => {
  const rows = summarize(lenet5);
  const expected = (5 * 5 * 1 + 1) * 6 + (5 * 5 * 6 + 1) * 16 + (5 * 5 * 16 + 1) * 120 + (120 + 1) * 84 + (84 + 1) * 10;
  assert.equal(expected, 61_706);
  assert.equal(summaryTotals(rows).params, expected);
  assert.deepEqual(rows.map((r) => r.output.width), [28, 28, 14, 10, 5, 1, 1, 1]);
  // the classic LeNet-5 on 32×32×1 without padding has the same parameters
  const classic = defineArchitecture("LeNet-5 clásica", {
    input: "32x32x1",
    layers: ["CONV5-6", "POOL2", "CONV5-16", "POOL2", "FC-120", "FC-84", "FC-10"],
  });
  assert.equal(summaryTotals(classic).params, 61_706);
});

Deno.test("notation: parse, defaults, names, round trip and friendly errors", () => {
  assert.deepEqual(parseLayer("CONV11-96/s4/p0"), { kind: "conv", filters: 96, size: 11, stride: 4, padding: 0 });
  assert.deepEqual(parseLayer("conv3-64/same/linear"), {
    kind: "conv",
    filters: 64,
    size: 3,
    padding: "same",
    activation: "linear",
  });
  assert.deepEqual(parseLayer("POOL3/s2"), { kind: "pool", size: 3, stride: 2 });
  assert.deepEqual(parseLayer("AVGPOOL2"), { kind: "pool", size: 2, mode: "avg" });
  assert.deepEqual(parseLayer("fc6:FC-4096"), { kind: "dense", units: 4096, name: "fc6" });
  assert.deepEqual(parseLayer("DROPOUT0.5"), { kind: "dropout", rate: 0.5 });
  assert.deepEqual(parseLayer("NORM"), { kind: "norm" });
  assert.deepEqual(parseLayer("GAP"), { kind: "gap" });
  assert.deepEqual(parseLayer("FLATTEN"), { kind: "flatten" });
  assert.deepEqual(parseLayer("softmax"), { kind: "activation", activation: "softmax" });
  for (
    const t of ["CONV11-96/s4/p3", "POOL3/s2", "AVGPOOL2", "FC-10", "NORM", "DROPOUT0.25", "GAP", "FLATTEN", "RELU"]
  ) {
    assert.equal(layerNotation(parseLayer(t)), t);
  }
  assert.throws(() => parseLayer("CONV3x64"), (e: unknown) => {
    assert.ok(e instanceof DimensionError);
    assert.equal(e.field, "layers[0]");
    assert.match(e.message, /"CONV3x64"/);
    assert.match(e.message, /CONV<F>-<K>/);
    return true;
  });
  assert.throws(() => parseLayer("CONV3-64/q1", 4), /capa 5.*"\/q1" no existe/);
  assert.throws(() => parseLayer("POOL2/p1"), /pooling solo admite/);
  const arch = defineArchitecture("Mini", {
    input: "28x28x1",
    layers: ["CONV3-8/p1", "POOL2", "CONV3-16/p1", "FC-10"],
  });
  assert.deepEqual(arch.layers.map((l) => l.name), ["conv1", "pool1", "conv2", "fc1"]);
  assert.equal((arch.layers[0] as { activation?: string }).activation, "relu");
  assert.equal((arch.layers[3] as { activation?: string }).activation, "softmax");
  assert.throws(
    () => defineArchitecture("Mal", { input: "28x28x1", layers: ["CONV5-8", "POOL2", "CONV5-16", "POOL3/s2"] }),
    /Mal, capa 4 «pool2» \(POOL3\/s2\) con entrada 8×8×16: La ventana de pooling no encaja/,
  );
  assert.throws(
    () => defineArchitecture("Dup", { input: "8x8x1", layers: ["a:FC-4", "a:FC-2"] }),
    /dos capas llamadas "a"/,
  );
  assert.throws(() => defineArchitecture("Vacía", { input: "8x8x1", layers: [] }), /no tiene capas/);
  assert.throws(
    () => defineArchitecture("R", { input: "8x8x1", layers: [{ kind: "dropout", rate: 1.5 }] }),
    /rate.*1.5/,
  );
  assert.throws(() => defineArchitecture("F", { input: "8x8x1", layers: ["FC-4", "CONV3-2"] }), /ya es un vector/);
});

Deno.test("summaryTable: Markdown and HTML with totals, displayable in Jupyter", () => {
  const md = summaryTable(vgg16, { format: "markdown" });
  const lines = md.split("\n").filter((l) => l.startsWith("|"));
  assert.equal(lines.length, 2 + 22 + 1); // header, separator, 22 rows, totals
  assert.match(md, /\| conv1 \| CONV3-64\/p1 \| convolución \| 224×224×64 \| 1\.728 \| 64 \| 1\.792 \|/);
  assert.match(md, /102\.760\.448/);
  assert.match(lines[lines.length - 1], /\*\*138\.357\.544\*\*/);
  const html = summaryTable(lenet5, { format: "html" });
  assert.match(html, /^<table/);
  assert.match(html, /<tfoot>.*61\.706.*<\/tfoot>/);
  const shown = summaryTable(lenet5, { columns: ["name", "output", "params"] });
  const display = (shown as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")];
  const bundle = display.call(shown);
  assert.deepEqual(bundle, shown.mimeBundle());
  assert.equal(bundle["text/markdown"], shown.markdown);
  assert.match(bundle["text/html"], /28×28×6/);
  assert.equal(shown.markdown.split("\n")[2], "| Capa | Salida (W×H×D) | Parámetros |");
  assert.throws(() => summaryTable(lenet5, { columns: ["pesos" as "weights"] }), /"pesos" no es una columna/);
});

Deno.test("buildModel(LeNet-5): layer by layer equal to the summary; predicts; no tensor leak", async () => {
  const rows = summarize(lenet5);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const model = buildModel(lenet5, { seed: 7 });
    assertModelMatches(model, rows);
    const y = tf.tidy(() => model.predict(tf.ones([2, 28, 28, 1])) as tf.Tensor);
    assert.deepEqual(y.shape, [2, 10]);
    const total = tf.sum(y, 1);
    const sums = await total.data();
    for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-5, "softmax: las probabilidades suman 1");
    tf.dispose([y, total]);
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("buildModel options: classes, input, dropout, l2, seed, norm", async () => {
  const m1 = buildModel(lenet5, { seed: 3, classes: 4, input: "32x32x1", dropout: 0.3, l2: 1e-4 });
  assert.deepEqual(m1.getLayer("fc3").outputShape, [null, 4]);
  assert.deepEqual(m1.inputs[0].shape, [null, 32, 32, 1]);
  assert.equal(m1.layers.filter((l) => l.getClassName() === "Dropout").length, 2); // after fc1 and fc2
  for (const name of ["conv1", "conv2", "fc1", "fc2", "fc3"]) {
    const reg = m1.getLayer(name).getConfig().kernelRegularizer as { config: { l2: number } };
    assert.equal(reg.config.l2, 1e-4, `${name}: L2`);
  }
  const m2 = buildModel(lenet5, { seed: 3, classes: 4, input: "32x32x1" });
  const w1 = await m1.getLayer("conv1").getWeights()[0].data();
  const w2 = await m2.getLayer("conv1").getWeights()[0].data();
  assert.deepEqual(w1, w2, "la misma semilla da los mismos pesos");
  m1.dispose();
  m2.dispose();
  const alexId = buildModel(alexnet, { norm: "identity", classes: 10 });
  assert.equal(alexId.getLayer("norm1").getClassName(), "Activation");
  assert.equal(alexId.countParams(), summaryTotals(alexnet).params - 4096 * 990 - 990);
  alexId.dispose();
  assert.throws(() => buildModel(lenet5, { dropout: 1 }), /options.dropout/);
  assert.throws(() => buildModel(lenet5, { classes: 0 }), /options.classes/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => buildModel(lenet5, { norm: "batch" as any }), /options.norm/);
});

Deno.test("buildModel with seed 0 is reproducible in every layer (TF.js takes a seed of 0 as no seed)", async () => {
  const weights = async () => {
    const m = buildModel(lenet5, { seed: 0 });
    const w = await Promise.all(m.getWeights().map((t) => t.data()));
    m.dispose();
    return w;
  };
  const [a, b] = [await weights(), await weights()];
  a.forEach((w, i) => assert.deepEqual(w, b[i], `weight ${i}`));
  // seed 0 is not the same model as another seed
  const other = buildModel(lenet5, { seed: 1 });
  assert.notDeepEqual(await other.getLayer("conv1").getWeights()[0].data(), a[0]);
  other.dispose();
});

Deno.test("LocalResponseNormalization layer equals tf.localResponseNormalization", async () => {
  const x = tf.randomNormal([1, 5, 5, 8], 0, 1, "float32", 1) as tf.Tensor4D;
  const layer = new LocalResponseNormalization({ depthRadius: 2, bias: 2, alpha: 1e-4, beta: 0.75 });
  const y = layer.apply(x) as tf.Tensor;
  const ref = tf.localResponseNormalization(x, 2, 2, 1e-4, 0.75);
  const [a, b] = [await y.data(), await ref.data()];
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) < 1e-6));
  // and by hand at one activation: a / (k + α Σ a²)^β over channels 0..2 for channel 0
  const xs = await x.data();
  const sq = xs[0] ** 2 + xs[1] ** 2 + xs[2] ** 2;
  assert.ok(Math.abs(a[0] - xs[0] / (2 + 1e-4 * sq) ** 0.75) < 1e-6);
  assert.equal(layer.getConfig().depthRadius, 2);
  tf.dispose([x, y, ref]);
});

Deno.test("buildModel(AlexNet 227×227×3): layer by layer equal to the summary", () => {
  const model = buildModel(alexnet);
  assertModelMatches(model, summarize(alexnet));
  model.dispose();
});

Deno.test("buildModel(VGG-16), built once: 138.357.544 parameters, layer by layer", () => {
  const before = tf.memory().numTensors;
  const model = buildModel(vgg16 as Architecture);
  try {
    assertModelMatches(model, summarize(vgg16));
    assert.equal(model.countParams(), 138_357_544);
  } finally {
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
