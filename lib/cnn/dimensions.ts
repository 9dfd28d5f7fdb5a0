/**
 * The lecture's arithmetic: output volumes of convolution and pooling layers and their parameter counts.
 *
 * Convolution (block 3 of the unit): an input volume W1×H1×D1 and K filters of size F×F, stride S and
 * zero padding P give W2×H2×D2 with
 *
 *     W2 = (W1 − F + 2P)/S + 1     H2 = (H1 − F + 2P)/S + 1     D2 = K
 *
 * and (F·F·D1)·K weights plus K biases. Max pooling (block 4) uses the same formula with P = 0 and keeps
 * the depth: D2 = D1, no parameters.
 *
 * With `rounding: "exact"` (the default, as in the lecture) a division that is not exact means the filter
 * does not fit, and a {@link DimensionError} explains why in Spanish, with the formula filled in and the
 * nearest values that would fit. `rounding: "floor"` does what TF/Keras/PyTorch silently do: drop the
 * last row/column that the filter cannot cover.
 * @module
 */
import { formatCount, formatNumber } from "../engine/format.ts";
import { describeValue, InputError, unknownKeyMessage } from "../engine/validate.ts";

/** A 3-D volume: width × height × depth (channels last in TF.js tensors: `[height, width, depth]`). */
export interface Volume {
  /** Number of columns (W). */
  width: number;
  /** Number of rows (H). */
  height: number;
  /** Number of channels / activation maps (D). */
  depth: number;
}

/** How a non-integer output size is handled: `"exact"` throws a {@link DimensionError}, `"floor"` rounds down. */
export type Rounding = "exact" | "floor";

/**
 * Zero padding: a number P of zero rows/columns on each side, `"valid"` (P = 0) or `"same"`
 * (TF semantics: the output has ⌈N/S⌉ positions, the padding needed is added, more at the bottom/right
 * when it is odd).
 */
export type Padding = number | "same" | "valid";

/** A convolution layer's hyperparameters for {@link convOutput}. */
export interface ConvOptions {
  /** Number of filters K: the output depth. */
  filters: number;
  /** Filter side F (square filters, F×F×D1). */
  size: number;
  /** Stride S (same horizontally and vertically). Default 1. */
  stride?: number;
  /** Zero padding P per side, `"valid"` or `"same"`. Default 0. */
  padding?: Padding;
  /** Default `"exact"`. */
  rounding?: Rounding;
}

/** A pooling layer's hyperparameters for {@link poolOutput}. */
export interface PoolOptions {
  /** Pool window side F. */
  size: number;
  /** Stride S. Default: the window size (non-overlapping windows). */
  stride?: number;
  /** `"valid"` (default, no padding, as in the lecture) or `"same"` (TF semantics). */
  padding?: "valid" | "same";
  /** Default `"exact"`. */
  rounding?: Rounding;
}

/** A parameter count with weights and biases kept apart (the lecture often counts weights only). */
export interface ParamCount {
  /** Multiplicative parameters. */
  weights: number;
  /** One per filter or neuron. */
  biases: number;
  /** weights + biases. */
  total: number;
}

/** One value that would make a layer fit, offered by {@link DimensionError}. */
export interface FitSuggestion {
  /** Which hyperparameter changes. */
  field: "input" | "padding" | "stride" | "size";
  /** The value that fits. */
  value: number;
  /** The output side it gives. */
  output: number;
}

/** Options for constructing a {@link DimensionError}. */
export interface DimensionErrorOptions {
  /** The offending field, e.g. `"stride"` or `"input.width"`. */
  field?: string;
  /** The value received. */
  value?: unknown;
  /** Nearby values that fit (only for a division that is not exact). */
  suggestions?: FitSuggestion[];
}

/**
 * A volume or hyperparameter that does not work: a filter that does not fit, a non-integer size,
 * a zero stride... The message (Spanish) names the field and value and says what to do. A kind of
 * {@link InputError} (the kit's learner-input error, with the same `field` and `value`).
 */
export class DimensionError extends InputError {
  /** Nearby values that fit (empty unless the formula gave a non-integer). */
  readonly suggestions: FitSuggestion[];

  /** Builds the error; `message` is shown to the learner as is. */
  constructor(message: string, options: DimensionErrorOptions = {}) {
    super(message, options);
    this.name = "DimensionError";
    this.suggestions = options.suggestions ?? [];
  }
}

/** Throws a {@link DimensionError} unless `value` is an integer ≥ `min`. Returns the value. */
export function checkInteger(field: string, value: unknown, min = 1): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    const what = min === 1 ? "un entero positivo (1, 2, 3…)" : `un entero ≥ ${min}`;
    throw new DimensionError(`${field} debe ser ${what}; se recibió ${describeValue(value)}.`, { field, value });
  }
  return value;
}

/** Refuses a key of a layer object that is not in `known` (e.g. `strides` for `stride`), suggesting the closest. */
function checkLayerKeys(layer: object, known: readonly string[]): void {
  for (const [key, value] of Object.entries(layer)) {
    if (!known.includes(key)) throw new DimensionError(unknownKeyMessage(key, known), { field: key, value });
  }
}

function checkRounding(value: unknown): Rounding {
  if (value === undefined) return "exact";
  if (value !== "exact" && value !== "floor") {
    throw new DimensionError(
      `rounding debe ser "exact" (el filtro tiene que encajar, como en clase) o "floor" (redondear hacia ` +
        `abajo, como TF/Keras); se recibió ${describeValue(value)}.`,
      { field: "rounding", value },
    );
  }
  return value;
}

/** Checks a {@link Volume} (positive integer sides) and returns it; `field` names it in errors. */
export function checkVolume(volume: unknown, field = "input"): Volume {
  if (typeof volume !== "object" || volume === null) {
    throw new DimensionError(
      `${field} debe ser un volumen { width, height, depth }; se recibió ${describeValue(volume)}.`,
      { field, value: volume },
    );
  }
  const v = volume as Record<string, unknown>;
  for (const key of ["width", "height", "depth"]) checkInteger(`${field}.${key}`, v[key]);
  return { width: v.width as number, height: v.height as number, depth: v.depth as number };
}

/** Number of values in a volume: W·H·D. */
export function volumeSize(volume: Volume): number {
  return volume.width * volume.height * volume.depth;
}

/** `"32×32×10"` (width×height×depth). */
export function formatVolume(volume: Volume): string {
  return `${volume.width}×${volume.height}×${volume.depth}`;
}

/** Parses `"32x32x3"` or `"32×32×3"` (width × height × depth) into a {@link Volume}. */
export function parseVolume(text: string): Volume {
  const m = typeof text === "string" ? text.trim().match(/^(\d+)\s*[x×*]\s*(\d+)\s*[x×*]\s*(\d+)$/i) : null;
  if (!m) {
    throw new DimensionError(
      `No entiendo el volumen ${describeValue(text)}: escríbelo como "ancho x alto x profundidad", p. ej. "32x32x3".`,
      { field: "volume", value: text },
    );
  }
  return checkVolume({ width: Number(m[1]), height: Number(m[2]), depth: Number(m[3]) });
}

/** `1.234.567` (Spanish thousands separator), as in the lecture's "270.000"; defined in `format.ts`. */
export { formatCount };

function formatRatio(num: number, den: number): string {
  return formatNumber(num / den, { decimals: Number.isInteger(num / den) ? 0 : 2 });
}

const SIDE_NAMES = { width: "ancho", height: "alto" } as const;

interface Side {
  n: number;
  f: number;
  s: number;
  p: number;
}

function fits({ n, f, s, p }: Side): boolean {
  return n - f + 2 * p >= 0 && (n - f + 2 * p) % s === 0;
}

function out({ n, f, s, p }: Side): number {
  return (n - f + 2 * p) / s + 1;
}

/** The nearest values (input size, padding, stride, filter size) that make one side fit exactly. */
function suggestionsFor(side: Side, allowPadding: boolean): FitSuggestion[] {
  const list: FitSuggestion[] = [];
  const { n, f, s, p } = side;
  const rem = (n - f + 2 * p) % s;
  const below = n - rem;
  if (below >= 1 && below !== n && fits({ ...side, n: below })) {
    list.push({ field: "input", value: below, output: out({ ...side, n: below }) });
  }
  const above = below + s;
  if (fits({ ...side, n: above })) list.push({ field: "input", value: above, output: out({ ...side, n: above }) });
  if (allowPadding) {
    for (let d = 1; d <= s; d++) {
      const cands = [p + d, p - d].filter((q) => q >= 0 && q < f && fits({ ...side, p: q }));
      if (cands.length) {
        list.push({ field: "padding", value: cands[0], output: out({ ...side, p: cands[0] }) });
        break;
      }
    }
  }
  const strides: number[] = [];
  for (let d = 1; d < Math.max(s, f + 1) && strides.length < 2; d++) {
    for (const q of [s - d, s + d]) {
      if (q >= 1 && strides.length < 2 && fits({ ...side, s: q })) strides.push(q);
    }
  }
  for (const q of strides.sort((a, b) => a - b)) {
    list.push({ field: "stride", value: q, output: out({ ...side, s: q }) });
  }
  for (let d = 1; d <= s; d++) {
    const cands = [f - d, f + d].filter((q) => q >= 1 && q <= n + 2 * p && fits({ ...side, f: q }));
    if (cands.length) {
      list.push({ field: "size", value: cands[0], output: out({ ...side, f: cands[0] }) });
      break;
    }
  }
  return list;
}

const FIELD_LABEL: Record<FitSuggestion["field"], string> = {
  input: "entrada",
  padding: "padding",
  stride: "stride",
  size: "filtro",
};

function describeSuggestions(list: FitSuggestion[], dim: string): string {
  if (!list.length) return "";
  const parts = list.map((sg) =>
    sg.field === "input"
      ? `${dim} de entrada ${sg.value} (salida ${sg.output})`
      : sg.field === "size"
      ? `filtro ${sg.value}×${sg.value} (salida ${sg.output})`
      : `${FIELD_LABEL[sg.field]} ${sg.value} (salida ${sg.output})`
  );
  return ` Valores cercanos que sí encajan: ${parts.join("; ")}.`;
}

/**
 * One side of the output: (N − F + 2P)/S + 1, checked. `what` is "El filtro" or "La ventana de pooling".
 */
function sideOutput(
  dim: "width" | "height",
  side: Side,
  rounding: Rounding,
  what: string,
  allowPadding: boolean,
): number {
  const { n, f, s, p } = side;
  const name = SIDE_NAMES[dim];
  const formula = allowPadding
    ? `(N − F + 2P)/S + 1 = (${n} − ${f} + 2·${p})/${s} + 1`
    : `(N − F)/S + 1 = (${n} − ${f})/${s} + 1`;
  if (f > n + 2 * p) {
    const padded = allowPadding ? ` con padding (N + 2P = ${n} + 2·${p} = ${n + 2 * p})` : ` (N = ${n})`;
    throw new DimensionError(
      `${what} de ${f}×${f} no cabe en la entrada: su lado F = ${f} es mayor que el ${name} de la entrada${padded}. ` +
        `Usa un filtro más pequeño${allowPadding ? " o más padding" : ""}.`,
      { field: "size", value: f },
    );
  }
  const exact = (n - f + 2 * p) / s + 1;
  if (Number.isInteger(exact)) return exact;
  if (rounding === "floor") return Math.floor((n - f + 2 * p) / s) + 1;
  const suggestions = suggestionsFor(side, allowPadding);
  throw new DimensionError(
    `${what} no encaja en el ${name}: ${formula} = ${formatRatio(n - f + 2 * p, s)} + 1 = ${
      formatRatio(n - f + 2 * p + s, s)
    }, ` +
      `que no es un número entero (con stride ${s} el último paso se saldría de la entrada).` +
      describeSuggestions(suggestions, name) +
      ` Si quieres descartar el borde sobrante como hacen TF/Keras, usa rounding: "floor" ` +
      `(daría ${Math.floor((n - f + 2 * p) / s) + 1}).`,
    { field: allowPadding ? "stride/padding" : "stride", value: s, suggestions },
  );
}

/** Padding per side and total for "same" (TF semantics): total = max((⌈N/S⌉ − 1)·S + F − N, 0). */
export function samePadding(n: number, size: number, stride: number): { before: number; after: number } {
  const outSide = Math.ceil(n / stride);
  const total = Math.max((outSide - 1) * stride + size - n, 0);
  return { before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

function checkPadding(value: unknown): Padding {
  if (value === undefined) return 0;
  if (value === "same" || value === "valid") return value;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  throw new DimensionError(
    `padding debe ser un entero ≥ 0 (filas/columnas de ceros por cada lado), "valid" o "same"; ` +
      `se recibió ${describeValue(value)}.`,
    { field: "padding", value },
  );
}

/**
 * Output volume of a convolution layer: W2 = (W1 − F + 2P)/S + 1, H2 = (H1 − F + 2P)/S + 1, D2 = K.
 *
 * Defaults: stride 1, padding 0, rounding `"exact"`. With `padding: "same"` the output is ⌈N/S⌉ per side
 * (TF's rule). A conv layer spec is accepted too (its `kind`, `activation`, `bias` and `name` are ignored); any
 * other key (e.g. `strides`) is refused with a suggestion. Throws a {@link DimensionError} when the filter does
 * not fit or a value is not valid.
 *
 * @example convOutput({ width: 32, height: 32, depth: 3 }, { filters: 10, size: 5, padding: 2 }) // 32×32×10
 */
export function convOutput(input: Volume, conv: ConvOptions): Volume {
  const v = checkVolume(input);
  if (typeof conv !== "object" || conv === null) {
    throw new DimensionError(
      `La capa debe ser un objeto { filters, size, stride?, padding? }; se recibió ${describeValue(conv)}.`,
      { field: "conv", value: conv },
    );
  }
  checkLayerKeys(conv, ["filters", "size", "stride", "padding", "rounding", "kind", "activation", "bias", "name"]);
  const k = checkInteger("filters (número de filtros K)", conv.filters);
  const f = checkInteger("size (lado del filtro F)", conv.size);
  const s = checkInteger("stride (S)", conv.stride ?? 1);
  const padding = checkPadding(conv.padding);
  const rounding = checkRounding(conv.rounding);
  if (padding === "same") {
    return { width: Math.ceil(v.width / s), height: Math.ceil(v.height / s), depth: k };
  }
  const p = padding === "valid" ? 0 : padding;
  const width = sideOutput("width", { n: v.width, f, s, p }, rounding, "El filtro", true);
  const height = sideOutput("height", { n: v.height, f, s, p }, rounding, "El filtro", true);
  return { width, height, depth: k };
}

/**
 * Output volume of a (max or average) pooling layer: W2 = (W1 − F)/S + 1, H2 = (H1 − F)/S + 1, D2 = D1.
 *
 * Defaults: stride = size (non-overlapping windows), no padding, rounding `"exact"`. A pool layer spec is
 * accepted too (`kind`, `mode`, `name` ignored); any other key is refused with a suggestion. Pooling has no
 * parameters. Throws a {@link DimensionError} when the window does not fit or a value is not valid.
 *
 * @example poolOutput({ width: 224, height: 224, depth: 64 }, { size: 2 }) // 112×112×64
 */
export function poolOutput(input: Volume, pool: PoolOptions): Volume {
  const v = checkVolume(input);
  if (typeof pool !== "object" || pool === null) {
    throw new DimensionError(
      `El pooling debe ser un objeto { size, stride? }; se recibió ${describeValue(pool)}.`,
      { field: "pool", value: pool },
    );
  }
  checkLayerKeys(pool, ["size", "stride", "padding", "rounding", "kind", "mode", "name"]);
  const f = checkInteger("size (lado de la ventana F)", pool.size);
  const s = checkInteger("stride (S)", pool.stride ?? f);
  const rounding = checkRounding(pool.rounding);
  const padding = pool.padding ?? "valid";
  if (padding !== "valid" && padding !== "same") {
    throw new DimensionError(
      `padding de un pooling debe ser "valid" (sin ceros, como en clase) o "same"; se recibió ${
        describeValue(padding)
      }.`,
      { field: "padding", value: padding },
    );
  }
  if (padding === "same") return { width: Math.ceil(v.width / s), height: Math.ceil(v.height / s), depth: v.depth };
  const what = "La ventana de pooling";
  const width = sideOutput("width", { n: v.width, f, s, p: 0 }, rounding, what, false);
  const height = sideOutput("height", { n: v.height, f, s, p: 0 }, rounding, what, false);
  return { width, height, depth: v.depth };
}

/**
 * Parameters of a convolution layer: each filter has F·F·D1 weights and one bias, so
 * (F·F·D1)·K weights and K biases in total — independent of the image's width and height.
 *
 * @example convParams(3, { filters: 10, size: 5 }) // { weights: 750, biases: 10, total: 760 }
 */
export function convParams(inputDepth: number, conv: { filters: number; size: number }): ParamCount {
  const d = checkInteger("inputDepth (profundidad de la entrada D1)", inputDepth);
  const k = checkInteger("filters (número de filtros K)", conv?.filters);
  const f = checkInteger("size (lado del filtro F)", conv?.size);
  const weights = f * f * d * k;
  return { weights, biases: k, total: weights + k };
}

/**
 * Parameters of a fully connected (dense) layer: inputs·units weights and one bias per unit.
 * `inputs` may be a count or a {@link Volume} (flattened: W·H·D inputs).
 *
 * @example denseParams(300 * 300 * 3, 1).weights // 270000: one MLP neuron on a 300×300 colour image
 */
export function denseParams(inputs: number | Volume, units: number): ParamCount {
  const n = typeof inputs === "object" && inputs !== null
    ? volumeSize(checkVolume(inputs, "inputs"))
    : checkInteger("inputs (número de entradas)", inputs);
  const u = checkInteger("units (número de neuronas)", units);
  return { weights: n * u, biases: u, total: n * u + u };
}

/**
 * Runs `fn`, which must fail with a {@link DimensionError}, and returns its message (notebooks use it to
 * show why a layer does not fit). Throws when `fn` does not fail that way, so a notebook run stops.
 *
 * @example dimensionErrorOf(() => convOutput({ width: 7, height: 7, depth: 1 }, { filters: 1, size: 3, stride: 3 }))
 */
export function dimensionErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof DimensionError) return e.message;
    throw e;
  }
  throw new Error("Se esperaba un DimensionError (la capa no debería encajar), pero el cálculo funcionó.");
}
