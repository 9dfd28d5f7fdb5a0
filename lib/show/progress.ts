/**
 * Live training progress: one notebook output updated in place (progress bar, epoch/batch, samples/s, ETA
 * and loss/accuracy curves redrawn as epochs finish) or, in a terminal, one progress line on stderr.
 *
 * Used by `train()` (see `learn/train.ts`); exported so a custom loop can report the same way.
 * @module
 */
import { formatCount, formatNumber, formatPercent, formatScientific, formatSeconds } from "../engine/format.ts";
import { svgImgHtml } from "./mime.ts";

/** Where progress goes: `auto` picks the notebook inside the Deno Jupyter kernel, else the terminal. */
import { escapeXml } from "./display.ts";

export type ProgressMode = "auto" | "notebook" | "terminal" | "none";

/** One finished epoch, as shown by the progress display (`EpochLogs` in `learn/history.ts` extends it). */
export interface ProgressEpoch {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss. */
  loss: number;
  /** Training accuracy in [0, 1]. */
  acc: number;
  /** Validation loss, when there is validation data. */
  valLoss?: number;
  /** Validation accuracy, when there is validation data. */
  valAcc?: number;
  /** Learning rate used during the epoch. */
  lr: number;
}

/** What {@link TrainingProgress.start} needs to size the bar. */
export interface ProgressPlan {
  /** Last epoch number (1-based, including resumed ones). */
  epochs: number;
  /** Batches per epoch. */
  batchesPerEpoch: number;
  /** Training samples per epoch. */
  samplesPerEpoch: number;
  /** Epochs already done before (resumed training); they are drawn but not counted in the bar. */
  previous?: ProgressEpoch[];
}

/** One finished batch, for {@link TrainingProgress.batch}. */
export interface ProgressStep {
  /** 1-based epoch. */
  epoch: number;
  /** 1-based batch within the epoch. */
  batch: number;
  /** Running mean loss of the epoch. */
  loss: number;
  /** Running accuracy of the epoch. */
  acc: number;
  /** Samples processed since {@link TrainingProgress.start}. */
  samplesDone: number;
}

/** Options for {@link TrainingProgress}. */
export interface ProgressOptions {
  /** Output target; defaults to `auto`. */
  mode?: ProgressMode;
  /** Title shown above the bar (notebook) or before it (terminal). */
  title?: string;
  /** Minimum milliseconds between two in-place updates (default 300 in a notebook, 150 in a terminal). */
  minIntervalMs?: number;
  /**
   * Notebook output to draw in: reporters given the same id reuse one output (e.g. the repeats of an
   * experiment), instead of adding one output each. Default: a new output.
   */
  displayId?: string;
  /** Sends a notebook display; default `Deno.jupyter.display` (tests and other frontends pass their own). */
  display?: (bundle: Record<string, string>, options: Deno.jupyter.DisplayOptions) => Promise<void>;
}

/** Display ids already shown in this kernel session (their output exists and can be updated). */
const shownDisplays = new Set<string>();

/** True when running inside the Deno Jupyter kernel (`Deno.jupyter` exists there and throws elsewhere). */
export function inNotebook(): boolean {
  try {
    // deno-lint-ignore no-explicit-any
    return typeof (Deno as any).jupyter?.display === "function";
  } catch {
    return false;
  }
}

function stderrIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** Formats seconds as `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined || !Number.isFinite(v) ? "–" : formatNumber(v, { decimals: digits });
}

function pctOf(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? "–" : formatPercent(v);
}

/** A line series for {@link svgLineChart}. */
export interface SvgSeries {
  /** Legend label. */
  name: string;
  /** y values, one per x = 1, 2, 3… */
  values: number[];
  /** CSS colour. */
  color: string;
  /** Dashed line. */
  dashed?: boolean;
}

/**
 * A small self-contained SVG line chart (no script needed): used for the live curves, which are redrawn in
 * place while training runs.
 */
export function svgLineChart(series: SvgSeries[], options: { title?: string; width?: number; height?: number } = {}) {
  const width = options.width ?? 320, height = options.height ?? 180;
  const pad = { l: 44, r: 10, t: 22, b: 26 };
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const n = Math.max(1, ...series.map((s) => s.values.length));
  let lo = all.length ? Math.min(...all) : 0, hi = all.length ? Math.max(...all) : 1;
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const X = (i: number) => pad.l + (n === 1 ? 0.5 : i / (n - 1)) * (width - pad.l - pad.r);
  const Y = (v: number) => pad.t + (1 - (v - lo) / (hi - lo)) * (height - pad.t - pad.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" style="font:11px sans-serif">`,
    `<rect x="${pad.l}" y="${pad.t}" width="${width - pad.l - pad.r}" height="${
      height - pad.t - pad.b
    }" fill="#fafafa" stroke="#ddd"/>`,
  ];
  if (options.title) parts.push(`<text x="${pad.l}" y="14" font-weight="bold">${escapeXml(options.title)}</text>`);
  for (const v of [lo, (lo + hi) / 2, hi]) {
    parts.push(
      `<text x="${pad.l - 4}" y="${Y(v) + 4}" text-anchor="end" fill="#555">${
        formatNumber(Number(v.toPrecision(3)), { maxDecimals: 4 })
      }</text>`,
    );
  }
  parts.push(`<text x="${width - pad.r}" y="${height - 8}" text-anchor="end" fill="#555">época ${n}</text>`);
  // Legend after the title, about 6 px per character at 11 px (fits "entrenamiento" and "validación" in 320 px).
  let legendX = pad.l + (options.title ? 7 * options.title.length + 14 : 0);
  for (const s of series) {
    const pts = s.values.map((v, i) => [X(i), Y(v)]).filter(([, y]) => Number.isFinite(y));
    if (pts.length === 0) continue;
    const dash = s.dashed ? ' stroke-dasharray="5,3"' : "";
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${
        pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ")
      }"/>`,
    );
    for (const [x, y] of pts) {
      parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    }
    parts.push(
      `<line x1="${legendX}" y1="10" x2="${legendX + 16}" y2="10" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${legendX + 20}" y="14">${escapeXml(s.name)}</text>`,
    );
    legendX += 26 + 6 * s.name.length;
  }
  parts.push("</svg>");
  return parts.join("");
}

let displayCounter = 0;

/**
 * Reports the progress of a training run: {@link start}, then {@link batch} after every batch (throttled),
 * {@link epochEnd} after every epoch, {@link end} once. In a notebook the whole report is ONE output updated in
 * place; in a terminal it is one line on stderr rewritten with `\r` plus one summary line per epoch.
 */
export class TrainingProgress {
  readonly mode: Exclude<ProgressMode, "auto">;
  private readonly title: string;
  private readonly minInterval: number;
  private readonly displayId: string;
  private readonly display?: ProgressOptions["display"];
  private shown: boolean;
  private lastUpdate = 0;
  private t0 = 0;
  private epochs = 0;
  private batches = 0;
  private samplesPerEpoch = 0;
  private history: ProgressEpoch[] = [];
  private status = "";
  private notes: string[] = [];

  /** Creates a reporter; nothing is shown before {@link start}. */
  constructor(options: ProgressOptions = {}) {
    const mode = options.mode ?? "auto";
    if (!["auto", "notebook", "terminal", "none"].includes(mode)) {
      throw new Error(`progress.mode="${mode}" no es válido: usa "auto", "notebook", "terminal" o "none".`);
    }
    this.mode = mode === "auto" ? (inNotebook() ? "notebook" : "terminal") : mode;
    this.title = options.title ?? "Entrenamiento";
    this.minInterval = options.minIntervalMs ?? (this.mode === "notebook" ? 300 : 150);
    this.displayId = options.displayId ?? `cnn-progress-${Date.now().toString(36)}-${++displayCounter}`;
    this.shown = shownDisplays.has(this.displayId);
    this.display = options.display;
  }

  /** Starts the clock and shows the empty report. `previous` are epochs already done (resumed training). */
  async start(plan: ProgressPlan) {
    const { epochs, batchesPerEpoch, samplesPerEpoch, previous = [] } = plan;
    this.t0 = performance.now();
    this.epochs = epochs;
    this.batches = batchesPerEpoch;
    this.samplesPerEpoch = samplesPerEpoch;
    this.history = [...previous];
    this.skipped = previous.length;
    this.status = "empezando…";
    await this.render(0, true);
  }

  /** Adds a one-line note shown under the bar (e.g. "lr ÷ 10"). */
  note(text: string): void {
    this.notes.push(text);
    if (this.mode === "terminal") this.writeTerminal(`\r\x1b[K${text}\n`);
  }

  /** Reports a finished batch (`epoch` and `batch` 1-based) with the running epoch loss/accuracy. */
  async batch(step: ProgressStep) {
    const { epoch, batch, samplesDone } = step;
    const running = { loss: step.loss, acc: step.acc };
    const now = performance.now();
    if (now - this.lastUpdate < this.minInterval && batch < this.batches) return;
    const done = (epoch - 1 - this.firstEpoch()) * this.batches + batch;
    const total = (this.epochs - this.firstEpoch()) * this.batches;
    const elapsed = (now - this.t0) / 1000;
    const rate = samplesDone / Math.max(elapsed, 1e-6);
    const eta = done > 0 ? elapsed * (total - done) / done : NaN;
    this.status = `época ${epoch}/${this.epochs} · lote ${batch}/${this.batches} · ${
      formatCount(rate)
    } muestras/s · ETA ${formatDuration(eta)} · pérdida ${fmt(running.loss)} · exactitud ${pctOf(running.acc)}`;
    await this.render(total > 0 ? done / total : 1);
  }

  /** Reports a finished epoch; curves are redrawn. */
  async epochEnd(logs: ProgressEpoch, seconds: number) {
    this.history.push(logs);
    const val = logs.valLoss !== undefined
      ? ` · validación: pérdida ${fmt(logs.valLoss)}, exactitud ${pctOf(logs.valAcc)}`
      : "";
    const line = `época ${logs.epoch}/${this.epochs} · ${formatSeconds(seconds)} · pérdida ${
      fmt(logs.loss)
    } · exactitud ${pctOf(logs.acc)}${val} · lr ${formatScientific(logs.lr)}`;
    this.status = line;
    if (this.mode === "terminal") this.writeTerminal(`\r\x1b[K${this.title}: ${line}\n`);
    const done = (logs.epoch - this.firstEpoch()) / Math.max(1, this.epochs - this.firstEpoch());
    await this.render(done, true);
  }

  /** Final update: total time and the reason training stopped. */
  async end(summary: string) {
    const elapsed = (performance.now() - this.t0) / 1000;
    this.status = `${summary} · ${formatDuration(elapsed)} en total`;
    if (this.mode === "terminal") this.writeTerminal(`\r\x1b[K${this.title}: ${this.status}\n`);
    await this.render(1, true);
  }

  /**
   * Marks the report as stopped before the end (Jupyter's Stop): `text` (e.g. "detenido en la época 2/5,
   * lote 37/469") replaces the status and the bar turns red, in the same output (updated by its display id).
   */
  async stopped(text: string) {
    const elapsed = (performance.now() - this.t0) / 1000;
    this.halted = true;
    this.status = `${text} · ${formatDuration(elapsed)}`;
    if (this.mode === "terminal") this.writeTerminal(`\r\x1b[K${this.title}: ${this.status}\n`);
    await this.render(this.fraction, true);
  }

  private halted = false;
  private fraction = 0;

  /** Epochs already done before start() (resumed runs) do not count in the bar. */
  private skipped = 0;
  private firstEpoch(): number {
    return this.skipped;
  }

  private writeTerminal(text: string) {
    try {
      Deno.stderr.writeSync(new TextEncoder().encode(text));
    } catch { /* stderr closed: progress is optional */ }
  }

  private async render(fraction: number, force = false) {
    if (this.mode === "none") return;
    this.fraction = fraction;
    const now = performance.now();
    if (!force && now - this.lastUpdate < this.minInterval) return;
    this.lastUpdate = now;
    if (this.mode === "terminal") {
      if (!stderrIsTerminal()) return; // logs get only the per-epoch lines
      const width = 24;
      const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
      this.writeTerminal(`\r\x1b[K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${this.status}`);
      return;
    }
    const bundle = { "text/html": this.html(fraction), "text/plain": this.text() };
    const display = this.display ?? ((b, o) => Deno.jupyter.display(b, o));
    await display(bundle, { raw: true, display_id: this.displayId, update: this.shown });
    this.shown = true;
    shownDisplays.add(this.displayId);
  }

  /** The notebook view as text: title, status, notes and the last epoch's numbers. */
  text(): string {
    const last = this.history[this.history.length - 1];
    const epoch = last
      ? `época ${last.epoch}: pérdida ${fmt(last.loss)}, exactitud ${fmt(last.acc)}` +
        (last.valLoss !== undefined
          ? `; en validación: pérdida ${fmt(last.valLoss)}, exactitud ${fmt(last.valAcc)}`
          : "")
      : "";
    return [`${this.title}: ${this.status}`, ...this.notes, epoch].filter(Boolean).join("\n");
  }

  /** The notebook view as HTML (bar, status, curves); exposed for tests. */
  html(fraction: number): string {
    const share = Math.min(1, Math.max(0, fraction));
    const pct = (100 * share).toFixed(1); // CSS width: needs a decimal point
    const h = this.history;
    const hasVal = h.some((e) => e.valLoss !== undefined);
    const charts = h.length === 0 ? "" : [
      svgLineChart([
        { name: "entrenamiento", values: h.map((e) => e.loss), color: "#1f77b4" },
        ...(hasVal
          ? [{ name: "validación", values: h.map((e) => e.valLoss ?? NaN), color: "#ff7f0e", dashed: true }]
          : []),
      ], { title: "pérdida" }),
      svgLineChart([
        { name: "entrenamiento", values: h.map((e) => e.acc), color: "#1f77b4" },
        ...(hasVal
          ? [{ name: "validación", values: h.map((e) => e.valAcc ?? NaN), color: "#ff7f0e", dashed: true }]
          : []),
      ], { title: "exactitud" }),
    ].map((svg) => svgImgHtml(svg)).join(""); // images survive an untrusted notebook's sanitiser (mime.ts)
    const notes = this.notes.map((n) => `<div style="color:#a15c00">${escapeXml(n)}</div>`).join("");
    return `<div style="font:13px sans-serif;max-width:680px">` +
      `<div style="font-weight:bold;margin-bottom:4px">${escapeXml(this.title)}</div>` +
      `<div style="background:#e8e8e8;border-radius:4px;height:12px;overflow:hidden">` +
      `<div style="background:${this.halted ? "#d9534f" : "#4c8bf5"};height:12px;width:${pct}%"></div></div>` +
      `<div style="margin:4px 0;font-family:monospace">${formatPercent(share)} · ${
        escapeXml(this.status)
      }</div>${notes}` +
      `<div style="display:flex;gap:8px;flex-wrap:wrap">${charts}</div></div>`;
  }
}
