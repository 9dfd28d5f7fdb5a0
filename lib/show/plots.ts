/**
 * Plotly figures for the course and their display in the Deno Jupyter kernel.
 *
 * A {@link Figure} is plain plotly JSON (`data`, `layout`). As the last expression of a notebook cell (or via
 * {@link show}) it is shown as `application/vnd.plotly.v1+json` (JupyterLab with the plotly extension,
 * VS Code) **and** `text/html` that renders offline: plotly.js comes from the npm package
 * `plotly.js-dist-min` and is embedded once per kernel session — the first figure's HTML carries it, later
 * figures only a `<div>` and a `Plotly.newPlot` call that waits for it.
 *
 * Builders: {@link trainingCurves}, {@link paramsPerLayer}, {@link confusionMatrixFigure}, {@link wrongExamplesFigure},
 * {@link imageGridFigure}, {@link filtersFigure}, {@link activationMapsFigure}, {@link barChart}
 * (`augment_preview.ts` adds the augmentation previews).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import type { ProgressEpoch } from "./progress.ts";
import { withDisplay } from "./display.ts";
import { findLayer, modelUpTo } from "../cnn/layers.ts";
import { checkOneOf, checkOptions, describeValue, InputError } from "../engine/validate.ts";

/**
 * What {@link trainingCurves} plots: a training history (the result of `train()`, or one read back with
 * `loadHistory`): its per-epoch metrics. Declared here, structurally, so that plots depend on no training code.
 */
export interface HistoryLike {
  /** One entry per epoch, in order. */
  epochs: ProgressEpoch[];
}

/** What the evaluation figures use of an evaluation (the result of `evaluate()`). */
export interface EvaluationLike {
  /** Class names, indexed by label. */
  classNames: string[];
  /** `confusion[trueLabel][predLabel]` = number of examples. */
  confusion: number[][];
  /** The most confidently wrong examples. */
  wrong: Array<{ trueLabel: number; predLabel: number; confidence: number; image: number[][][] }>;
}
import { formatCount, formatNumber, formatPercent, PLOTLY_SEPARATORS } from "../engine/format.ts";
import { annotationColor, CONFUSION_COLORSCALE } from "./colors.ts";
import { figureText } from "./mime.ts";

/** Plotly trace (any type); see https://plotly.com/javascript/reference/. */
export type Trace = Record<string, unknown>;

/** A plotly figure; displays itself in a notebook. */
export interface Figure {
  /** Traces. */
  data: Trace[];
  /** Layout (title, axes, size…). */
  layout: Record<string, unknown>;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

let plotlyEmbedded = false;
let plotlySource: string | undefined;
let figureCounter = 0;
const sessionId = Math.random().toString(36).slice(2, 8);

/** The plotly.js bundle from `node_modules/plotly.js-dist-min` (read once). */
export function plotlyJs(): string {
  if (plotlySource === undefined) {
    const require = createRequire(import.meta.url);
    let path: string;
    try {
      path = require.resolve("plotly.js-dist-min/plotly.min.js");
    } catch {
      path = new URL("../../node_modules/plotly.js-dist-min/plotly.min.js", import.meta.url).pathname;
    }
    plotlySource = readFileSync(path, "utf8");
  }
  return plotlySource;
}

/** Forgets that plotly.js was embedded, so the next figure embeds it again (e.g. after reloading the page). */
export function resetPlotlyEmbedding(): void {
  plotlyEmbedded = false;
}

function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Options for {@link figureHtml} and {@link show}. */
export interface FigureHtmlOptions {
  /** Embed plotly.js in this figure's HTML: default only for the first figure of the session. */
  embedPlotly?: boolean;
}

/**
 * Self-contained HTML of a figure: a `<div>` and a script drawing it with `window.Plotly` (embedding
 * plotly.js first when it is the first figure of the session, or when `embedPlotly` says so).
 */
export function figureHtml(fig: Figure, options: FigureHtmlOptions = {}): string {
  const embed = options.embedPlotly ?? !plotlyEmbedded;
  plotlyEmbedded ||= embed;
  const id = `cnn-fig-${sessionId}-${++figureCounter}`;
  const width = Number(fig.layout.width ?? 700), height = Number(fig.layout.height ?? 420);
  const lib = embed ? `<script type="text/javascript">if (!window.Plotly) {\n${plotlyJs()}\n}</script>\n` : "";
  const draw = `<script type="text/javascript">(function () {
  var fig = ${jsonForScript({ data: fig.data, layout: fig.layout })};
  var tries = 0;
  function draw() {
    var el = document.getElementById(${JSON.stringify(id)});
    if (!el) return;
    var still = el.querySelector("img.cnn-static-figure");
    if (window.Plotly) {
      if (still) el.removeChild(still);
      window.Plotly.newPlot(el, fig.data, fig.layout, ${jsonForScript(FIGURE_CONFIG)});
      return;
    }
    if (++tries < 200) { setTimeout(draw, 50); return; }
    if (!still) el.innerHTML = "plotly.js no está cargado: vuelve a ejecutar la primera celda que dibuja una figura.";
  }
  draw();
})();</script>`;
  return `${lib}<div id="${id}" style="width:${width}px;height:${height}px;max-width:100%"></div>\n${draw}`;
}

/**
 * The Jupyter MIME bundle of a figure: plotly JSON + offline HTML + its title and key numbers as text (see
 * `mime.ts` for which front end shows which; `deno task course` adds a static PNG to executed notebooks).
 */
export function figureBundle(fig: Figure, options: FigureHtmlOptions = {}): Record<string, unknown> {
  return {
    "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout, config: FIGURE_CONFIG },
    "text/html": figureHtml(fig, options),
    "text/plain": figureText(fig),
  };
}

/**
 * Plotly config of every course figure: no mode bar (it covered the titles; zoom and pan still work with the
 * mouse, double click resets), no logo, fixed size.
 */
export const FIGURE_CONFIG = { displayModeBar: false, displaylogo: false, responsive: false } as const;

/**
 * Makes a plain `{data, layout}` object display itself as a figure when it is a cell's last expression.
 * Numbers on axes and hovers use the Spanish format (`separators: ",."`: decimal comma, thousands point).
 */
export function figure(data: Trace[], layout: Record<string, unknown> = {}): Figure {
  const title = layout.title as Record<string, unknown> | undefined;
  const fig: Figure = {
    data,
    layout: {
      width: 700,
      height: 420,
      margin: { l: 60, r: 20, t: 50, b: 50 },
      separators: PLOTLY_SEPARATORS,
      ...layout,
      ...(title ? { title: { x: 0.01, xanchor: "left", ...title } } : {}),
    },
  };
  return withDisplay(fig, () => figureBundle(fig));
}

/** Shows a figure now (in the notebook; outside a kernel it prints a one-line note instead). */
export async function show(fig: Figure, options: FigureHtmlOptions = {}): Promise<void> {
  if (!fig || !Array.isArray(fig.data)) {
    throw new Error(`show espera una figura { data, layout } (recibido: ${typeof fig}).`);
  }
  let jupyter: { display: (o: unknown, opts: unknown) => Promise<void> } | undefined;
  try {
    // deno-lint-ignore no-explicit-any
    jupyter = (Deno as any).jupyter;
  } catch {
    jupyter = undefined;
  }
  if (jupyter) await jupyter.display(figureBundle(fig, options), { raw: true });
  else console.log(`[figura: ${(fig.layout.title as { text?: string } | undefined)?.text ?? "sin título"}]`);
}

/** Options for {@link trainingCurves}. */
export interface TrainingCurvesOptions {
  /** Figure title. */
  title?: string;
  /** Which panels: `both` (default), `loss` or `acc`. */
  metrics?: "both" | "loss" | "acc";
}

/**
 * Training curves, train (solid) vs validation (dashed), loss and accuracy per epoch. Pass one history or
 * several by name (`{ "desde cero": h1, "transfer": h2 }`) to compare runs.
 */
export function trainingCurves(
  histories: HistoryLike | Record<string, HistoryLike>,
  options: TrainingCurvesOptions = {},
): Figure {
  checkOptions("trainingCurves", options, { title: true, metrics: true });
  if (typeof histories !== "object" || histories === null) {
    throw new InputError(
      `trainingCurves espera el historial que devuelve train() (o un objeto { nombre: historial }); se recibió ${
        describeValue(histories)
      }.`,
      { field: "histories", value: histories },
    );
  }
  if (options.metrics !== undefined) checkOneOf("metrics", options.metrics, ["both", "loss", "acc"]);
  const runs: Array<[string, HistoryLike]> = Array.isArray((histories as HistoryLike).epochs)
    ? [["", histories as HistoryLike]]
    : Object.entries(histories as Record<string, HistoryLike>);
  if (runs.length === 0 || runs.some(([, h]) => !h || !Array.isArray(h.epochs))) {
    throw new Error("trainingCurves espera el historial que devuelve train() (o un objeto { nombre: historial }).");
  }
  const which = options.metrics ?? "both";
  const panels: Array<["loss" | "acc", string]> = which === "both"
    ? [["loss", "pérdida"], ["acc", "exactitud"]]
    : [[which, which === "loss" ? "pérdida" : "exactitud"]];
  const data: Trace[] = [];
  panels.forEach(([metric], p) => {
    const axis = p === 0 ? "" : String(p + 1);
    runs.forEach(([name, h], r) => {
      const color = PALETTE[r % PALETTE.length];
      const x = h.epochs.map((e) => e.epoch);
      const prefix = name ? `${name} · ` : "";
      const valKey = metric === "loss" ? "valLoss" : "valAcc";
      data.push({
        type: "scatter",
        mode: "lines+markers",
        x,
        y: h.epochs.map((e) => e[metric]),
        name: `${prefix}entrenamiento`,
        line: { color },
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
        legendgroup: `${r}-train`,
        showlegend: p === 0,
      });
      const validated = h.epochs.filter((e) => e[valKey] !== undefined); // every epoch, or every validationFreq
      if (validated.length > 0) {
        data.push({
          type: "scatter",
          mode: "lines+markers",
          x: validated.map((e) => e.epoch),
          y: validated.map((e) => e[valKey]!),
          name: `${prefix}validación`,
          line: { color, dash: "dash" },
          xaxis: `x${axis}`,
          yaxis: `y${axis}`,
          legendgroup: `${r}-val`,
          showlegend: p === 0,
        });
      }
    });
  });
  const layout: Record<string, unknown> = {
    title: { text: options.title ?? "Curvas de entrenamiento" },
    width: (panels.length === 2 ? 900 : 600) + (runs.length > 1 ? 200 : 80),
    height: 380,
    margin: { l: 60, r: 20, t: 50, b: 50 },
  };
  panels.forEach(([, label], p) => {
    const axis = p === 0 ? "" : String(p + 1);
    const lo = p / panels.length + (p > 0 ? 0.06 : 0),
      hi = (p + 1) / panels.length - (p < panels.length - 1 ? 0.04 : 0);
    // one tick per epoch for short trainings (by the last epoch, not the count: measured epochs may be sparse)
    const few = Math.max(...runs.flatMap(([, h]) => h.epochs.map((e) => e.epoch))) <= 15;
    layout[`xaxis${axis}`] = {
      domain: [lo, hi],
      title: { text: "época" },
      anchor: `y${axis}`,
      ...(few ? { dtick: 1 } : {}),
    };
    layout[`yaxis${axis}`] = { title: { text: label }, anchor: `x${axis}` };
  });
  return figure(data, layout);
}

/** A row of a parameters-per-layer plot (compatible with the summary rows of `cnn/architecture.ts`). */
export interface ParamsRow {
  /** Layer name / label (e.g. `CONV3-64`). */
  name?: string;
  /** Alternative label field. */
  layer?: string;
  /** Number of parameters (weights, optionally + biases). */
  params?: number;
  /** Alternative count field (weights only). */
  weights?: number;
}

/** Options for {@link paramsPerLayer}. */
export interface ParamsPerLayerOptions {
  /** Figure title. */
  title?: string;
  /** Logarithmic y axis; default true. */
  log?: boolean;
  /** Skip rows with no parameters (pooling, input); default true. */
  skipEmpty?: boolean;
}

/** Parameters per layer as bars (log scale): shows where the weights of VGG-16 sit (the FC layers). */
export function paramsPerLayer(rows: ParamsRow[], options: ParamsPerLayerOptions = {}): Figure {
  checkOptions("paramsPerLayer", options, { title: true, log: true, skipEmpty: true });
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new Error("paramsPerLayer espera una lista de filas { name, params } (p. ej. las de summarize()).");
  }
  const kept = rows
    .map((r, i) => ({ name: String(r.name ?? r.layer ?? `capa ${i + 1}`), params: Number(r.params ?? r.weights ?? 0) }))
    .filter((r) => !(options.skipEmpty ?? true) || r.params > 0);
  const total = kept.reduce((a, r) => a + r.params, 0);
  // Plotly joins equal category names: make labels unique with their position.
  const labels = kept.map((r, i) => `${i + 1}. ${r.name}`);
  return figure([{
    type: "bar",
    x: labels,
    y: kept.map((r) => r.params),
    text: kept.map((r) => formatPercent(r.params / total)),
    textposition: "outside",
    marker: { color: kept.map((r) => /^fc|dense/i.test(r.name) ? "#d62728" : "#1f77b4") },
    hovertemplate: "%{x}<br>%{y:,} parámetros<extra></extra>",
  }], {
    title: { text: options.title ?? `Parámetros por capa (total ${formatCount(total)})` },
    width: Math.max(600, 40 * kept.length + 150),
    height: 450,
    yaxis: { type: (options.log ?? true) ? "log" : "linear", title: { text: "parámetros" } },
    xaxis: { tickangle: -45, automargin: true, title: { text: "capa" } },
    margin: { l: 70, r: 20, t: 50, b: 120 },
  });
}

/** Options for {@link confusionMatrixFigure}. */
export interface ConfusionOptions {
  /** Class names (default: from the evaluation, else indices). */
  classNames?: string[];
  /** Show each row as fractions of the true class (recall) instead of counts; default false. */
  normalize?: boolean;
  /** Figure title. */
  title?: string;
}

/** Confusion-matrix heatmap: rows = true class, columns = predicted class, counts written in the cells. */
export function confusionMatrixFigure(
  matrixOrEval: number[][] | EvaluationLike,
  options: ConfusionOptions = {},
): Figure {
  checkOptions("confusionMatrixFigure", options, { classNames: true, normalize: true, title: true });
  const m = Array.isArray(matrixOrEval) ? matrixOrEval : matrixOrEval?.confusion;
  if (!Array.isArray(m) || m.length === 0 || m.some((r) => !Array.isArray(r) || r.length !== m.length)) {
    throw new Error("confusionMatrixFigure espera una matriz cuadrada (número[][]) o el resultado de evaluate().");
  }
  const names = options.classNames ?? (Array.isArray(matrixOrEval) ? undefined : matrixOrEval.classNames) ??
    m.map((_, i) => String(i));
  const z = options.normalize
    ? m.map((row) => {
      const s = row.reduce((a, b) => a + b, 0);
      return row.map((v) => s > 0 ? v / s : 0);
    })
    : m;
  // White → navy: each count in black or white, whichever contrasts more with its cell.
  const zMax = Math.max(...z.flat(), 1e-12);
  const annotations = m.flatMap((row, i) =>
    row.map((v, j) => ({
      x: names[j],
      y: names[i],
      text: options.normalize ? formatNumber(z[i][j] as number, { decimals: 2 }) : formatCount(v),
      showarrow: false,
      font: { color: annotationColor((z[i][j] as number) / zMax), size: 11 },
    }))
  );
  const size = Math.min(700, 140 + 50 * names.length);
  return figure([{
    type: "heatmap",
    z,
    x: names,
    y: names,
    colorscale: CONFUSION_COLORSCALE,
    zmin: 0,
    hovertemplate: "real %{y} → predicha %{x}: %{z}<extra></extra>",
  }], {
    title: { text: options.title ?? "Matriz de confusión" },
    width: size + 120,
    height: size,
    xaxis: { title: { text: "clase predicha" }, tickangle: -30 },
    yaxis: { title: { text: "clase real" }, autorange: "reversed" },
    annotations,
    margin: { l: 110, r: 20, t: 50, b: 110 },
  });
}

/**
 * The most confidently wrong examples of an evaluation (`evaluate(…, { topWrong })`), each titled
 * `real → predicha (confianza)`.
 */
export function wrongExamplesFigure(
  ev: EvaluationLike,
  options: { cols?: number; cell?: number; title?: string } = {},
): Figure {
  checkOptions("wrongExamplesFigure", options, { cols: true, cell: true, title: true });
  if (!ev || !Array.isArray(ev.wrong)) throw new Error("wrongExamplesFigure espera el resultado de evaluate().");
  if (ev.wrong.length === 0) throw new Error("No hay ejemplos mal clasificados que mostrar (o topWrong era 0).");
  return imageGridFigureFromArrays(ev.wrong.map((w) => w.image), {
    titles: ev.wrong.map((w) =>
      `${ev.classNames[w.trueLabel]} → ${ev.classNames[w.predLabel]} (${Math.round(100 * w.confidence)} %)`
    ),
    cols: options.cols ?? Math.min(6, ev.wrong.length),
    cell: options.cell ?? 120,
    title: options.title ?? "Errores más seguros: real → predicha (confianza)",
  });
}

/** Options for {@link imageGridFigure}. */
export interface ImageGridFigureOptions {
  /** A title per image. */
  titles?: string[];
  /** Images per row; default ceil(sqrt(n)), at most 8. */
  cols?: number;
  /** Size of each panel in pixels; default 110. */
  cell?: number;
  /** Figure title. */
  title?: string;
  /**
   * How values map to grey levels: `image` (default) expects [0, 1] (or [0, 255] when any value > 1.5);
   * `each` rescales every image to its own min–max (filters, feature maps).
   */
  scale?: "image" | "each";
  /** Colour map for single-channel images: `gray` (default) or `viridis` (feature maps). */
  colormap?: "gray" | "viridis";
  /** A colour map per image, overriding `colormap` (e.g. the input in grey before its maps in viridis). */
  colormaps?: Array<"gray" | "viridis" | undefined>;
}

type Img = number[][][]; // [h][w][c]

function toRgb(img: Img, mode: "image" | "each", colormap: "gray" | "viridis"): number[][][] {
  const flat = img.flat(2);
  let lo = 0, hi = flat.some((v) => v > 1.5) ? 255 : 1;
  if (mode === "each") {
    lo = Math.min(...flat);
    hi = Math.max(...flat);
  }
  const span = hi - lo > 1e-12 ? hi - lo : 1;
  const norm = (v: number) => Math.min(1, Math.max(0, (v - lo) / span));
  return img.map((row) =>
    row.map((px) => {
      if (px.length >= 3) return [0, 1, 2].map((k) => Math.round(255 * norm(px[k])));
      const g = norm(px[0]);
      if (colormap === "viridis") return viridis(g);
      const v = Math.round(255 * g);
      return [v, v, v];
    })
  );
}

const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function viridis(t: number): number[] {
  const x = t * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(VIRIDIS[i][k] + f * (VIRIDIS[i + 1][k] - VIRIDIS[i][k])));
}

/** Builds a grid figure from images already as nested arrays `[h][w][c]`. */
export function imageGridFigureFromArrays(images: Img[], options: ImageGridFigureOptions = {}): Figure {
  checkOptions("imageGridFigure", options, {
    titles: true,
    cols: true,
    cell: true,
    title: true,
    scale: true,
    colormap: true,
    colormaps: true,
  });
  if (!Array.isArray(images) || images.length === 0) throw new Error("imageGridFigure necesita al menos una imagen.");
  const n = images.length;
  const cols = options.cols ?? Math.min(8, Math.ceil(Math.sqrt(n)));
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`cols debe ser un entero ≥ 1 y es ${cols}.`);
  const rows = Math.ceil(n / cols);
  const cell = options.cell ?? 110;
  const titleSpace = options.titles ? 30 : 6;
  const top = options.title ? 40 : 10;
  const width = cols * cell, height = rows * (cell + titleSpace) + top;
  const data: Trace[] = [];
  const layout: Record<string, unknown> = {
    width: width + 20,
    height,
    margin: { l: 10, r: 10, t: top, b: 0 },
    showlegend: false,
    annotations: [] as unknown[],
  };
  if (options.title) layout.title = { text: options.title, font: { size: 14 } };
  const plotH = height - top;
  images.forEach((img, i) => {
    const r = Math.floor(i / cols), c = i % cols;
    const k = i === 0 ? "" : String(i + 1);
    data.push({
      type: "image",
      z: toRgb(img, options.scale ?? "image", options.colormaps?.[i] ?? options.colormap ?? "gray"),
      xaxis: `x${k}`,
      yaxis: `y${k}`,
      hoverinfo: "skip",
    });
    const x0 = c / cols + 0.01, x1 = (c + 1) / cols - 0.01;
    const yTop = 1 - (r * (cell + titleSpace) + titleSpace) / plotH;
    const yBot = 1 - ((r + 1) * (cell + titleSpace)) / plotH;
    const axis = { showticklabels: false, showgrid: false, zeroline: false, ticks: "" };
    layout[`xaxis${k}`] = { ...axis, domain: [x0, x1], anchor: `y${k}` };
    layout[`yaxis${k}`] = { ...axis, domain: [Math.max(0, yBot), Math.min(1, yTop)], anchor: `x${k}` };
    if (options.titles?.[i] !== undefined) {
      (layout.annotations as unknown[]).push({
        text: options.titles[i],
        x: (x0 + x1) / 2,
        y: Math.min(1, yTop),
        xref: "paper",
        yref: "paper",
        xanchor: "center",
        yanchor: "bottom",
        showarrow: false,
        font: { size: 10 },
      });
    }
  });
  return figure(data, layout);
}

/**
 * A grid of images with optional titles. Accepts a `[n, h, w, c]` tensor (first 64 images), a single
 * `[h, w, c]` tensor, or nested arrays.
 */
export async function imageGridFigure(
  images: tf.Tensor | Img[],
  options: ImageGridFigureOptions = {},
): Promise<Figure> {
  let arrays: Img[];
  if (images instanceof tf.Tensor) {
    if (images.rank !== 3 && images.rank !== 4) {
      throw new Error(
        `imageGridFigure espera imágenes [n, alto, ancho, canales] o [alto, ancho, canales]; forma [${images.shape}].`,
      );
    }
    const t = tf.tidy(() => {
      const x = images.rank === 3 ? images.expandDims(0) : images;
      return x.slice(0, Math.min(64, x.shape[0])).toFloat();
    });
    arrays = await t.array() as Img[];
    t.dispose();
  } else {
    arrays = images;
  }
  return imageGridFigureFromArrays(arrays, options);
}

/** Options for {@link filtersFigure}. */
export interface FiltersOptions {
  /** Conv layer (name or index); default the first Conv2D. */
  layer?: string | number;
  /** At most this many filters; default 32. */
  maxFilters?: number;
  /** Panel size; default 60. */
  cell?: number;
}

/**
 * The filters of a convolution layer as small images (each rescaled to its own range). RGB when the
 * layer sees 3 channels (first layer on colour images), else the first input channel.
 */
export async function filtersFigure(model: tf.LayersModel, options: FiltersOptions = {}): Promise<Figure> {
  checkOptions("filtersFigure", options, { layer: true, maxFilters: true, cell: true });
  const layer = findLayer(model, options.layer, { fallback: "firstConv" });
  const kernel = layer.getWeights()[0];
  if (!kernel || kernel.rank !== 4) throw new Error(`La capa "${layer.name}" no es convolucional (sin kernel 4D).`);
  const [fh, fw, cin, k] = kernel.shape as number[];
  const count = Math.min(k, options.maxFilters ?? 32);
  const t = tf.tidy(() => {
    const ch = cin === 3 ? kernel : kernel.slice([0, 0, 0, 0], [fh, fw, 1, k]);
    return ch.transpose([3, 0, 1, 2]).slice(0, count); // [count, fh, fw, c]
  });
  const arrays = await t.array() as Img[];
  t.dispose();
  return imageGridFigureFromArrays(arrays, {
    scale: "each",
    cell: options.cell ?? 60,
    cols: Math.min(8, count),
    titles: arrays.map((_, i) => `filtro ${i}`),
    title: `Filtros de "${layer.name}" (${fh}×${fw}×${cin}, ${k} filtros)`,
  });
}

/** Options for {@link activationMapsFigure}. */
export interface ActivationMapsOptions {
  /** Layer (name or index) whose output to show; default the first Conv2D. */
  layer?: string | number;
  /** At most this many maps (channels); default 16. */
  maxMaps?: number;
  /** Panel size; default 90. */
  cell?: number;
  /** Draw the input image first (in grey, titled "entrada"), next to its maps; default false. */
  includeInput?: boolean;
}

/**
 * Activation maps (feature maps) of one layer for one image (`[h, w, c]` or `[1, h, w, c]`): each channel of
 * the layer's output drawn as an image (viridis, rescaled per map).
 */
export async function activationMapsFigure(
  model: tf.LayersModel,
  image: tf.Tensor,
  options: ActivationMapsOptions = {},
): Promise<Figure> {
  checkOptions("activationMapsFigure", options, { layer: true, maxMaps: true, cell: true, includeInput: true });
  if (!(image instanceof tf.Tensor) || (image.rank !== 3 && !(image.rank === 4 && image.shape[0] === 1))) {
    throw new Error(`image debe ser un tensor [alto, ancho, canales] (una imagen); forma recibida [${image?.shape}].`);
  }
  const layer = findLayer(model, options.layer, { fallback: "firstConv" });
  const sub = modelUpTo(model, layer); // a view: shares the weights, no new tensors to dispose
  const t = tf.tidy(() => {
    const out = sub.predict(image.rank === 3 ? image.expandDims(0) : image) as tf.Tensor;
    if (out.rank !== 4) throw new Error(`La salida de "${layer.name}" no es un volumen [alto, ancho, canales].`);
    const c = Math.min(out.shape[3] as number, options.maxMaps ?? 16);
    return out.slice([0, 0, 0, 0], [1, -1, -1, c]).squeeze([0]).transpose([2, 0, 1]).expandDims(3); // [c, h, w, 1]
  });
  const arrays = await t.array() as Img[];
  const [, h, w] = t.shape;
  t.dispose();
  const total = (layer.outputShape as number[])[3];
  const input: Img[] = [];
  if (options.includeInput) {
    const x = tf.tidy(() => (image.rank === 4 ? image.squeeze([0]) : image).toFloat());
    input.push(await x.array() as Img);
    x.dispose();
  }
  const cols = Math.min(8, arrays.length + input.length);
  return imageGridFigureFromArrays([...input, ...arrays], {
    scale: "each",
    colormap: "viridis",
    colormaps: input.length ? ["gray"] : undefined,
    cell: options.cell ?? 90,
    cols,
    titles: [...(input.length ? ["entrada"] : []), ...arrays.map((_, i) => `mapa ${i}`)],
    title: `Mapas de activación de "${layer.name}" (${h}×${w}×${total}${
      arrays.length < total ? `, primeros ${arrays.length}` : ""
    })`,
  });
}

/** Options for {@link barChart}. */
export interface BarChartOptions {
  /** Figure title. */
  title?: string;
  /** y axis title. */
  yTitle?: string;
  /** x axis title. */
  xTitle?: string;
  /** Logarithmic y axis. */
  log?: boolean;
  /** Text on the bars (default: the values, formatted). */
  text?: string[];
}

/** A simple bar chart (e.g. accuracy of the transfer-learning variants, parameters FC vs GAP). */
export function barChart(labels: string[], values: number[], options: BarChartOptions = {}): Figure {
  checkOptions("barChart", options, { title: true, xTitle: true, yTitle: true, log: true, text: true });
  if (!Array.isArray(labels) || !Array.isArray(values) || labels.length !== values.length) {
    throw new Error(`barChart: labels (${labels?.length}) y values (${values?.length}) deben tener la misma longitud.`);
  }
  return figure([{
    type: "bar",
    x: labels,
    y: values,
    text: options.text ?? values.map((v) => formatNumber(v, { maxDecimals: 3 })),
    textposition: "outside",
    marker: { color: labels.map((_, i) => PALETTE[i % PALETTE.length]) },
  }], {
    title: { text: options.title ?? "" },
    xaxis: { automargin: true, ...(options.xTitle ? { title: { text: options.xTitle } } : {}) },
    yaxis: { title: { text: options.yTitle ?? "" }, type: options.log ? "log" : "linear", automargin: true },
    // Wide enough for the title (about 8 px per character at plotly's default size).
    width: Math.max(450, 110 * labels.length + 150, 8 * (options.title ?? "").length + 90),
    height: 400,
  });
}
