/**
 * Convolution and pooling written as plain loops over nested arrays, for teaching: at each position the
 * filter computes the lecture's w·x + b. Slow on purpose and easy to read; checked against `tf.conv2d`,
 * `tf.maxPool` and `tf.avgPool` with {@link relError} (CS231n's `rel_error`).
 *
 * Layouts are TF's, channels last: an image is `x[row][col][channel]` (H×W×C), a filter bank is
 * `w[row][col][inChannel][filter]` (F×F×C×K), the output is `y[row][col][filter]`.
 * Also: the positions a filter visits ({@link filterPositions}) and one step of the computation
 * ({@link convAt}); `show/svg.ts` draws the sliding window from them.
 * @module
 */
import { checkInteger, convOutput, DimensionError, type Padding, type Rounding, samePadding } from "./dimensions.ts";
import { checkOptions, describeValue } from "../engine/validate.ts";

/** An image or volume as nested arrays: `x[row][col][channel]`. */
export type Image3D = number[][][];
/** A filter bank: `w[row][col][inChannel][filter]`. */
export type Filters4D = number[][][][];

/** Options of {@link conv2dNaive}. */
export interface NaiveConvOptions {
  /** One bias per filter (default zeros). */
  bias?: number[];
  /** Stride S (default 1). */
  stride?: number;
  /** Zero padding P per side, `"valid"` or `"same"` (default 0). */
  padding?: Padding;
  /** Default `"exact"` (throws when the filter does not fit); `"floor"` drops the leftover border. */
  rounding?: Rounding;
}

/** Options of {@link maxPoolNaive} and {@link avgPoolNaive}. */
export interface NaivePoolOptions {
  /** Window side F. */
  size: number;
  /** Stride S (default: the window size). */
  stride?: number;
  /** `"valid"` (default) or `"same"` (TF: padded cells are ignored, not zeros). */
  padding?: "valid" | "same";
  /** Default `"exact"`. */
  rounding?: Rounding;
}

function shape3(x: Image3D, field: string): [number, number, number] {
  if (!Array.isArray(x) || !Array.isArray(x[0]) || !Array.isArray(x[0][0])) {
    throw new DimensionError(
      `${field} debe ser un array anidado x[fila][columna][canal] (H×W×C); se recibió ${describeValue(x)}. ` +
        `Desde un tensor [H, W, C]: await t.array().`,
      { field, value: x },
    );
  }
  return [x.length, x[0].length, x[0][0].length];
}

interface Pads {
  top: number;
  left: number;
  outH: number;
  outW: number;
}

function convPads(h: number, w: number, f: number, s: number, padding: Padding, rounding: Rounding): Pads {
  const out = convOutput({ width: w, height: h, depth: 1 }, { filters: 1, size: f, stride: s, padding, rounding });
  if (padding === "same") {
    return { top: samePadding(h, f, s).before, left: samePadding(w, f, s).before, outH: out.height, outW: out.width };
  }
  const p = padding === "valid" ? 0 : padding;
  return { top: p, left: p, outH: out.height, outW: out.width };
}

/**
 * Convolution as loops: for each output position and filter k, y = Σ w·x + b over the F×F×C window
 * (zero padding outside the image). Input H×W×C, filters F×F×C×K → output H2×W2×K.
 *
 * @example conv2dNaive(await img.array(), await w.array(), { bias: [0], stride: 1, padding: 1 })
 */
export function conv2dNaive(x: Image3D, w: Filters4D, options: NaiveConvOptions = {}): Image3D {
  checkOptions("conv2dNaive", options, { bias: true, stride: true, padding: true, rounding: true });
  const [h, wid, c] = shape3(x, "x");
  if (!Array.isArray(w) || !Array.isArray(w[0]) || !Array.isArray(w[0][0]) || !Array.isArray(w[0][0][0])) {
    throw new DimensionError("w debe ser un array anidado w[fila][columna][canal][filtro] (F×F×C×K).", {
      field: "w",
      value: typeof w,
    });
  }
  const f = w.length;
  if (w[0].length !== f) {
    throw new DimensionError(`El filtro debe ser cuadrado (F×F); se recibió ${f}×${w[0].length}.`, {
      field: "w",
      value: [f, w[0].length],
    });
  }
  if (w[0][0].length !== c) {
    throw new DimensionError(
      `El filtro tiene profundidad ${w[0][0].length} y la entrada ${c}: los filtros deben tener la misma ` +
        `profundidad que el volumen de entrada.`,
      { field: "w", value: w[0][0].length },
    );
  }
  const k = w[0][0][0].length;
  const s = checkInteger("stride (S)", options.stride ?? 1);
  const bias = options.bias ?? new Array(k).fill(0);
  if (bias.length !== k) {
    throw new DimensionError(`bias debe tener un valor por filtro (${k}); se recibieron ${bias.length}.`, {
      field: "bias",
      value: bias.length,
    });
  }
  const { top, left, outH, outW } = convPads(h, wid, f, s, options.padding ?? 0, options.rounding ?? "exact");
  const y: Image3D = [];
  for (let i = 0; i < outH; i++) {
    const row: number[][] = [];
    for (let j = 0; j < outW; j++) {
      const cell: number[] = [];
      for (let kk = 0; kk < k; kk++) {
        let sum = bias[kk];
        for (let di = 0; di < f; di++) {
          const r = i * s + di - top;
          if (r < 0 || r >= h) continue; // a row of zero padding
          for (let dj = 0; dj < f; dj++) {
            const col = j * s + dj - left;
            if (col < 0 || col >= wid) continue;
            for (let ch = 0; ch < c; ch++) sum += w[di][dj][ch][kk] * x[r][col][ch];
          }
        }
        cell.push(sum);
      }
      row.push(cell);
    }
    y.push(row);
  }
  return y;
}

function poolNaive(x: Image3D, options: NaivePoolOptions, mode: "max" | "avg"): Image3D {
  const [h, wid, c] = shape3(x, "x");
  const f = checkInteger("size (lado de la ventana F)", options?.size);
  const s = checkInteger("stride (S)", options.stride ?? f);
  const padding = options.padding ?? "valid";
  const same = padding === "same";
  const out = convOutput({ width: wid, height: h, depth: 1 }, {
    filters: 1,
    size: f,
    stride: s,
    padding,
    rounding: options.rounding ?? "exact",
  });
  const top = same ? samePadding(h, f, s).before : 0;
  const left = same ? samePadding(wid, f, s).before : 0;
  const y: Image3D = [];
  for (let i = 0; i < out.height; i++) {
    const row: number[][] = [];
    for (let j = 0; j < out.width; j++) {
      const cell: number[] = [];
      for (let ch = 0; ch < c; ch++) {
        let best = -Infinity;
        let sum = 0;
        let count = 0;
        for (let di = 0; di < f; di++) {
          const r = i * s + di - top;
          if (r < 0 || r >= h) continue; // padded cells take no part
          for (let dj = 0; dj < f; dj++) {
            const col = j * s + dj - left;
            if (col < 0 || col >= wid) continue;
            const v = x[r][col][ch];
            if (v > best) best = v;
            sum += v;
            count++;
          }
        }
        cell.push(mode === "max" ? best : sum / count);
      }
      row.push(cell);
    }
    y.push(row);
  }
  return y;
}

/**
 * Max pooling as loops: the maximum of each F×F window, channel by channel (depth unchanged, no
 * parameters). Input H×W×C → H2×W2×C with H2 = (H − F)/S + 1.
 */
export function maxPoolNaive(x: Image3D, options: NaivePoolOptions): Image3D {
  checkOptions("maxPoolNaive", options, { size: true, stride: true, padding: true, rounding: true });
  return poolNaive(x, options, "max");
}

/** Average pooling as loops: the mean of each F×F window, channel by channel. */
export function avgPoolNaive(x: Image3D, options: NaivePoolOptions): Image3D {
  checkOptions("avgPoolNaive", options, { size: true, stride: true, padding: true, rounding: true });
  return poolNaive(x, options, "avg");
}

function flatten(a: unknown, out: number[] = []): number[] {
  if (typeof a === "number") out.push(a);
  else if (ArrayBuffer.isView(a)) out.push(...Array.from(a as Float32Array));
  else if (Array.isArray(a)) { for (const v of a) flatten(v, out); }
  else throw new Error(`relError: se esperaban números o arrays de números; se encontró ${describeValue(a)}.`);
  return out;
}

/**
 * CS231n's relative error: max |x − y| / max(1e-8, |x| + |y|), element by element, over numbers,
 * nested arrays or typed arrays of the same size. Around 1e-7 or less (float32) means "equal".
 */
export function relError(x: unknown, y: unknown): number {
  const a = flatten(x);
  const b = flatten(y);
  if (a.length !== b.length) {
    throw new Error(`relError: los dos arrays deben tener el mismo número de elementos (${a.length} vs ${b.length}).`);
  }
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(1e-8, Math.abs(a[i]) + Math.abs(b[i]));
    if (e > worst || Number.isNaN(e)) worst = e;
  }
  return worst;
}

/** Where the filter is at one step: output cell (row, col) and the window's top-left corner. */
export interface FilterPosition {
  /** Step number, 0-based, in reading order. */
  step: number;
  /** Output row. */
  row: number;
  /** Output column. */
  col: number;
  /** Window's top row in the padded input (row 0 is the first padding row when P > 0). */
  top: number;
  /** Window's left column in the padded input. */
  left: number;
}

/** Options of {@link filterPositions} and {@link filterSvg}. */
export interface SlideOptions {
  /** Filter side F. */
  size: number;
  /** Stride S (default 1). */
  stride?: number;
  /** Zero padding P per side (default 0). */
  padding?: number;
  /** Default `"exact"`: throws when the filter does not fit; `"floor"` lists the positions that fit. */
  rounding?: Rounding;
}

/** Width and height of a filter input given as the side N of a square or as `{ width, height }`. */
export function inputSides(input: number | { width: number; height: number }): { width: number; height: number } {
  if (typeof input === "number") return { width: input, height: input };
  if (typeof input === "object" && input !== null) return { width: input.width, height: input.height };
  throw new DimensionError(
    `input debe ser el lado N de una entrada cuadrada o { width, height }; se recibió ${describeValue(input)}.`,
    { field: "input", value: input },
  );
}

/**
 * The positions a filter F×F visits on an N×N (or W×H) input with stride S and padding P, in reading
 * order: (N − F + 2P)/S + 1 positions per side.
 *
 * @example filterPositions(7, { size: 3, stride: 2 }).length // 9 (3×3 output)
 */
export function filterPositions(
  input: number | { width: number; height: number },
  options: SlideOptions,
): FilterPosition[] {
  const { width, height } = inputSides(input);
  const s = options?.stride ?? 1;
  const p = options?.padding ?? 0;
  const out = convOutput({ width, height, depth: 1 }, {
    filters: 1,
    size: options?.size as number,
    stride: s,
    padding: p,
    rounding: options?.rounding ?? "exact",
  });
  const list: FilterPosition[] = [];
  for (let row = 0; row < out.height; row++) {
    for (let col = 0; col < out.width; col++) list.push({ step: list.length, row, col, top: row * s, left: col * s });
  }
  return list;
}

/** One step of a convolution, spelled out: the window, the products and w·x + b. */
export interface ConvStep {
  /** The F×F×C window of the (padded) input. */
  window: Image3D;
  /** Σ w·x over the window. */
  dot: number;
  /** The bias b. */
  bias: number;
  /** w·x + b: the output value at this position. */
  value: number;
}

/** Options of {@link convAt}. */
export interface ConvAtOptions {
  /** Output row. */
  row: number;
  /** Output column. */
  col: number;
  /** Which filter k (default 0). */
  filter?: number;
  /** Its bias (default 0). */
  bias?: number;
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding P per side (default 0). */
  padding?: number;
}

/**
 * The computation at one output position (row, col) for one filter: the window under the filter,
 * w·x and w·x + b — the same number {@link conv2dNaive} writes there.
 */
export function convAt(x: Image3D, w: Filters4D, options: ConvAtOptions): ConvStep {
  checkOptions("convAt", options, { row: true, col: true, filter: true, bias: true, stride: true, padding: true });
  const [h, wid, c] = shape3(x, "x");
  const f = w.length;
  const s = options.stride ?? 1;
  const p = options.padding ?? 0;
  const k = options.filter ?? 0;
  const out = convOutput({ width: wid, height: h, depth: c }, {
    filters: 1,
    size: f,
    stride: s,
    padding: p,
    rounding: "floor",
  });
  for (const [field, v, max] of [["row", options.row, out.height], ["col", options.col, out.width]] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= max) {
      throw new DimensionError(`${field} debe ser un entero entre 0 y ${max - 1}; se recibió ${describeValue(v)}.`, {
        field,
        value: v,
      });
    }
  }
  const window: Image3D = [];
  let dot = 0;
  for (let di = 0; di < f; di++) {
    const wr: number[][] = [];
    for (let dj = 0; dj < f; dj++) {
      const r = options.row * s + di - p;
      const col = options.col * s + dj - p;
      const inside = r >= 0 && r < h && col >= 0 && col < wid;
      const px: number[] = [];
      for (let ch = 0; ch < c; ch++) {
        const v = inside ? x[r][col][ch] : 0;
        px.push(v);
        dot += w[di][dj][ch][k] * v;
      }
      wr.push(px);
    }
    window.push(wr);
  }
  const bias = options.bias ?? 0;
  return { window, dot, bias, value: dot + bias };
}

/** Options of {@link assertRelError}. */
export interface AssertRelErrorOptions {
  /** Largest accepted relative error (default 1e-4, float32 arithmetic). */
  tolerance?: number;
  /** What is compared, for the message. */
  label?: string;
}

/**
 * {@link relError} of two results, and an Error (Spanish) when it exceeds the tolerance: notebooks use it
 * so that a wrong result stops the run. Returns the relative error.
 */
export function assertRelError(x: unknown, y: unknown, options: AssertRelErrorOptions = {}): number {
  checkOptions("assertRelError", options, { tolerance: true, label: true });
  const tolerance = options.tolerance ?? 1e-4;
  const err = relError(x, y);
  if (!(err <= tolerance)) {
    throw new Error(
      `${options.label ?? "Los dos resultados"} no coinciden: error relativo ${err.toExponential(2)} > ${tolerance}.`,
    );
  }
  return err;
}

/** Classic hand-made 3×3 filters (before CNNs learnt their own). */
export const CLASSIC_FILTERS: Readonly<Record<string, readonly (readonly number[])[]>> = {
  "bordes verticales": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
  "bordes horizontales": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
  "desenfoque": [[1 / 9, 1 / 9, 1 / 9], [1 / 9, 1 / 9, 1 / 9], [1 / 9, 1 / 9, 1 / 9]],
  "realce": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
  "contornos": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
};

/** Options of {@link classicFilters}. */
export interface ClassicFiltersOptions {
  /** Input depth D1: each 3×3 kernel is repeated over the channels and divided by D1 (default 1). */
  channels?: number;
  /** Which filters (default all of {@link CLASSIC_FILTERS}, in order). */
  names?: string[];
}

/**
 * A bank of classic filters ready for a convolution: weights `w[row][col][channel][filter]` (3×3×D1×K)
 * and their names. Sobel edges (vertical, horizontal), box blur, sharpen and outline.
 *
 * @example const { weights, names } = classicFilters({ channels: 3 }); tf.conv2d(img, tf.tensor4d(weights), 1, "same")
 */
export function classicFilters(options: ClassicFiltersOptions = {}): { names: string[]; weights: Filters4D } {
  checkOptions("classicFilters", options, { channels: true, names: true });
  const c = checkInteger("channels (profundidad de la entrada)", options.channels ?? 1);
  const names = options.names ?? Object.keys(CLASSIC_FILTERS);
  for (const n of names) {
    if (!(n in CLASSIC_FILTERS)) {
      throw new Error(
        `No hay un filtro clásico "${n}"; los disponibles son: ${Object.keys(CLASSIC_FILTERS).join(", ")}.`,
      );
    }
  }
  const weights: Filters4D = [0, 1, 2].map((i) =>
    [0, 1, 2].map((j) => Array.from({ length: c }, () => names.map((n) => CLASSIC_FILTERS[n][i][j] / c)))
  );
  return { names, weights };
}
