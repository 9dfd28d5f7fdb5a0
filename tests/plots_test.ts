import assert from "node:assert/strict";
import { tf } from "../lib/mod.ts";
import {
  activationMapsFigure,
  barChart,
  confusionMatrixFigure,
  figureBundle,
  filtersFigure,
  imageGridFigure,
  paramsPerLayer,
  plotlyJs,
  resetPlotlyEmbedding,
  trainingCurves,
  wrongExamplesFigure,
} from "../lib/show/plots.ts";
import { augmentationPreview } from "../lib/show/augment_preview.ts";
import type { History } from "../lib/learn/history.ts";
import { disposeModel } from "../lib/learn/optimizer.ts";
import { annotationColor, colorAt, CONFUSION_COLORSCALE, contrastRatio } from "../lib/show/colors.ts";

const history: History = {
  epochs: [1, 2, 3].map((e) => ({
    epoch: e,
    loss: 1 / e,
    acc: 0.5 + e / 10,
    valLoss: 1.2 / e,
    valAcc: 0.45 + e / 10,
    lr: 1e-3,
    seconds: 1,
    samplesPerSecond: 100,
  })),
  backend: "cpu",
  optimizer: "adam",
  batchSize: 32,
  seed: 0,
  trainSize: 100,
  stopReason: "epochs",
  totalSeconds: 3,
};

Deno.test("figure bundles: plotly JSON + HTML; plotly.js embedded only in the first figure", () => {
  resetPlotlyEmbedding();
  const lib = plotlyJs();
  assert.ok(lib.length > 1_000_000 && lib.includes("window.Plotly = Plotly"));
  const a = figureBundle(barChart(["x"], [1]));
  const b = figureBundle(barChart(["y"], [2]));
  const htmlA = a["text/html"] as string, htmlB = b["text/html"] as string;
  assert.ok(htmlA.includes(lib));
  assert.ok(!htmlB.includes("window.Plotly = Plotly"));
  assert.ok(htmlB.length < 5000);
  assert.match(htmlB, /Plotly\.newPlot/);
  const ids = [htmlA, htmlB].map((h) => h.match(/<div id="([^"]+)"/)![1]);
  assert.notEqual(ids[0], ids[1]);
  const json = b["application/vnd.plotly.v1+json"] as { data: { y: number[] }[] };
  assert.deepEqual(json.data[0].y, [2]);
  // A figure's data cannot close the script tag.
  const evil = figureBundle(barChart(["</script><b>"], [1]))["text/html"] as string;
  assert.ok(!evil.includes("</script><b>"));
  // Display protocol of the kernel.
  // deno-lint-ignore no-explicit-any
  const sym = (barChart(["z"], [3]) as any)[Symbol.for("Jupyter.display")]();
  assert.ok("application/vnd.plotly.v1+json" in sym && "text/html" in sym);
});

Deno.test("trainingCurves: train and validation traces per metric, several runs by name", () => {
  const one = trainingCurves(history);
  assert.equal(one.data.length, 4);
  assert.deepEqual(one.data[0].y, [1, 0.5, 1 / 3]);
  assert.deepEqual(one.data[3].y, history.epochs.map((e) => e.valAcc));
  assert.equal(one.data[3].yaxis, "y2");
  const two = trainingCurves({ "desde cero": history, transfer: history }, { metrics: "acc" });
  assert.equal(two.data.length, 4);
  assert.equal(two.data[2].name, "transfer · entrenamiento");
  assert.throws(() => trainingCurves({} as History), /trainingCurves espera/);
});

Deno.test("trainingCurves: with validationFreq the validation line joins the validated epochs (no gaps)", () => {
  const sparse: History = {
    ...history,
    epochs: history.epochs.map((e) => e.epoch === 2 ? { ...e, valLoss: undefined, valAcc: undefined } : e),
  };
  const fig = trainingCurves(sparse);
  const val = fig.data.filter((t) => String(t.name).endsWith("validación"));
  assert.equal(val.length, 2);
  for (const t of val) {
    assert.deepEqual(t.x, [1, 3]);
    assert.ok((t.y as unknown[]).every((v) => typeof v === "number"));
  }
  assert.deepEqual(fig.data[0].x, [1, 2, 3]); // training: every epoch
});

Deno.test("trainingCurves: one tick per epoch only for short trainings, judged by the last epoch, not the count", () => {
  const at = (epochs: number[]) => ({ ...history, epochs: epochs.map((epoch) => ({ ...history.epochs[0], epoch })) });
  const dtick = (h: History) => (trainingCurves(h).layout.xaxis as { dtick?: number }).dtick;
  assert.equal(dtick(at([1, 2, 3])), 1);
  assert.equal(dtick(at([5, 10, 15, 20, 25, 30, 35, 40, 45, 48, 49, 50])), undefined); // 12 points over 50 epochs
});

Deno.test("paramsPerLayer uses params (or weights) per row, log axis, skips empty layers", () => {
  const fig = paramsPerLayer([
    { name: "input", params: 0 },
    { name: "conv1", params: 1792 },
    { name: "pool1", params: 0 },
    { name: "fc6", weights: 102760448 },
  ]);
  assert.deepEqual(fig.data[0].y, [1792, 102760448]);
  assert.deepEqual(fig.data[0].x, ["1. conv1", "2. fc6"]);
  assert.equal((fig.layout.yaxis as { type: string }).type, "log");
  assert.throws(() => paramsPerLayer([]), /paramsPerLayer espera/);
});

Deno.test("confusionMatrixFigure: heatmap of counts or row-normalised recall", () => {
  const m = [[8, 2], [1, 9]];
  const fig = confusionMatrixFigure(m, { classNames: ["gato", "perro"] });
  assert.deepEqual(fig.data[0].z, m);
  assert.equal((fig.layout.annotations as unknown[]).length, 4);
  const norm = confusionMatrixFigure(m, { normalize: true });
  assert.deepEqual(norm.data[0].z, [[0.8, 0.2], [0.1, 0.9]]);
  assert.throws(() => confusionMatrixFigure([[1, 2]]), /matriz cuadrada/);
});

Deno.test("wrongExamplesFigure titles each image with true → predicted class and confidence", () => {
  const ev = {
    accuracy: 0.5,
    loss: 1,
    count: 2,
    classNames: ["gato", "perro"],
    confusion: [[1, 1], [0, 0]],
    perClass: [],
    wrong: [{ index: 1, trueLabel: 0, predLabel: 1, confidence: 0.934, image: [[[0], [1]], [[1], [0]]] }],
  };
  const fig = wrongExamplesFigure(ev);
  assert.equal(fig.data.length, 1);
  assert.equal((fig.layout.annotations as { text: string }[])[0].text, "gato → perro (93 %)");
  assert.throws(() => wrongExamplesFigure({ ...ev, wrong: [] }), /No hay ejemplos mal clasificados/);
});

Deno.test("imageGridFigure: one image trace per image, pixels mapped to 0–255 grey", async () => {
  const x = tf.tensor4d([0, 0.5, 1, 0.25, /* second */ 1, 1, 1, 1], [2, 2, 2, 1]);
  const fig = await imageGridFigure(x, { titles: ["a", "b"], cols: 2 });
  assert.equal(fig.data.length, 2);
  assert.deepEqual(fig.data[0].z, [[[0, 0, 0], [128, 128, 128]], [[255, 255, 255], [64, 64, 64]]]);
  assert.equal(fig.data[1].xaxis, "x2");
  assert.equal((fig.layout.annotations as { text: string }[])[1].text, "b");
  x.dispose();
});

Deno.test("filters and activation maps come from the model's own weights and outputs", async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ name: "c1", inputShape: [5, 5, 1], filters: 3, kernelSize: 3, padding: "same" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: "softmax" }),
    ],
  });
  const before = tf.memory().numTensors;
  const filters = await filtersFigure(model);
  assert.equal(filters.data.length, 3);
  const image = tf.randomUniform([5, 5, 1], 0, 1, "float32", 2) as tf.Tensor3D;
  const maps = await activationMapsFigure(model, image, { layer: "c1" });
  assert.equal(maps.data.length, 3);
  // Reference: the convolution computed with tf.conv2d; the brightest pixel of map 0 is its argmax.
  const [k, b] = model.layers[0].getWeights();
  const ref = tf.tidy(() => tf.conv2d(image.expandDims(0) as tf.Tensor4D, k as tf.Tensor4D, 1, "same").add(b));
  const refArr = (await ref.array() as number[][][][])[0];
  const z = maps.data[0].z as number[][][];
  let best = [0, 0], bestV = -Infinity;
  refArr.forEach((row, i) => row.forEach((px, j) => px[0] > bestV && (bestV = px[0], best = [i, j])));
  assert.deepEqual(z[best[0]][best[1]], [253, 231, 37]); // viridis maximum
  ref.dispose();
  assert.equal(tf.memory().numTensors, before + 1); // only `image`
  await assert.rejects(() => activationMapsFigure(model, image, { layer: "nada" }), /No hay ninguna capa "nada"/);
  image.dispose();
  disposeModel(model);
});

Deno.test("augmentationPreview shows the original first, then n seeded versions, without leaks", async () => {
  const image = tf.randomUniform([4, 4, 1], 0, 1, "float32", 1);
  const seeds: number[] = [];
  const before = tf.memory().numTensors;
  const fig = await augmentationPreview(image, (x, s) => {
    seeds.push(s);
    return tf.tidy(() => x.reverse(2));
  }, { n: 3, seed: 10 });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(seeds, [10, 11, 12]);
  assert.equal(fig.data.length, 4);
  const z0 = fig.data[0].z as number[][][], z1 = fig.data[1].z as number[][][];
  assert.deepEqual(z1[0][0], z0[0][3]);
  // randomAugment options: a horizontal flip is either the mirror or the original.
  const flips = await augmentationPreview(image, { flip: "horizontal" }, { n: 4 });
  assert.equal(tf.memory().numTensors, before);
  for (const d of flips.data.slice(1)) {
    const z = d.z as number[][][];
    assert.ok(JSON.stringify(z) === JSON.stringify(z0) || JSON.stringify(z) === JSON.stringify(z1));
  }
  image.dispose();
});

Deno.test("figures: Spanish number separators, no mode bar over the titles", () => {
  const fig = barChart(["a", "b"], [1234.5, 2], { title: "t", yTitle: "y", xTitle: "x" });
  assert.equal(fig.layout.separators, ",.");
  assert.deepEqual(fig.data[0].text, ["1.234,5", "2"]);
  assert.equal((fig.layout.xaxis as { title: { text: string } }).title.text, "x");
  const bundle = figureBundle(fig, { embedPlotly: false });
  const config = (bundle["application/vnd.plotly.v1+json"] as { config: Record<string, unknown> }).config;
  assert.equal(config.displayModeBar, false);
  assert.match(bundle["text/html"] as string, /"displayModeBar":false/);
  const curves = trainingCurves(history);
  assert.equal((curves.layout.yaxis as { title: { text: string } }).title.text, "pérdida");
  assert.equal((curves.layout.yaxis2 as { title: { text: string } }).title.text, "exactitud");
  assert.deepEqual(curves.data.slice(0, 2).map((t) => t.name), ["entrenamiento", "validación"]);
});

Deno.test("confusionMatrixFigure: every count readable (WCAG contrast ≥ 4.5 on its cell)", () => {
  for (let i = 0; i <= 200; i++) {
    const t = i / 200;
    const text = annotationColor(t) === "white" ? [255, 255, 255] : [0, 0, 0];
    const ratio = contrastRatio(colorAt(CONFUSION_COLORSCALE, t), text as [number, number, number]);
    assert.ok(ratio >= 4.5, `t = ${t}: contraste ${ratio.toFixed(2)}`);
  }
  assert.deepEqual(colorAt(CONFUSION_COLORSCALE, 0.5), [0x6b, 0xae, 0xd6]);
  // Independent reference: WCAG's black on white is 21, white on itself 1.
  assert.equal(contrastRatio([0, 0, 0], [255, 255, 255]), 21);
  const fig = confusionMatrixFigure([[950, 3], [12, 1035]], { classNames: ["gato", "perro"] });
  const colors = (fig.layout.annotations as { text: string; font: { color: string } }[]).map((
    a,
  ) => [a.text, a.font.color]);
  assert.deepEqual(colors, [["950", "white"], ["3", "black"], ["12", "black"], ["1.035", "white"]]);
  assert.equal(fig.data[0].zmin, 0);
});

Deno.test("activationMapsFigure includeInput: the input in grey first, then its maps; no tensor left", async () => {
  const model = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, name: "c1", useBias: false })],
  });
  const img = tf.tensor3d(Array.from({ length: 36 }, (_, i) => i / 35), [6, 6, 1]);
  const before = tf.memory().numTensors;
  const fig = await activationMapsFigure(model, img, { layer: "c1", includeInput: true });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(fig.data.length, 3);
  const titles = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
  assert.deepEqual(titles, ["entrada", "mapa 0", "mapa 1"]);
  // The input panel is grey (r = g = b) and rescaled to 0..255: top-left 0, bottom-right 255.
  const z = fig.data[0].z as number[][][];
  assert.deepEqual(z[0][0], [0, 0, 0]);
  assert.deepEqual(z[5][5], [255, 255, 255]);
  img.dispose();
  disposeModel(model);
});
