/**
 * Numbers as a Spanish (Spain) reader expects them: decimal comma and thousands point (`94,3 %`,
 * `138,4 M`, `2.359.296`). The one formatter for every number a learner reads: tables, captions, progress
 * lines and plots (plotly figures get the same convention with `layout.separators = ",."`, see {@link PLOTLY_SEPARATORS}).
 *
 * Unlike `toLocaleString("es-ES")`, four-digit numbers are grouped too (`1.000`, as in "1.000 clases"), so a
 * column of counts reads the same from top to bottom.
 * @module
 */

/** Plotly's `layout.separators` for Spanish numbers: decimal comma, thousands point. */
export const PLOTLY_SEPARATORS = ",.";

/** Options for {@link formatNumber}. */
export interface FormatNumberOptions {
  /**
   * Exact number of decimals (default: 0 for integers, else up to `maxDecimals` with trailing zeros removed).
   */
  decimals?: number;
  /** When `decimals` is not given: at most this many decimals, trailing zeros dropped; default 2. */
  maxDecimals?: number;
}

function checkDigits(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 20)) {
    throw new RangeError(`${name} debe ser un entero entre 0 y 20 (recibido: ${v}).`);
  }
}

function group(intDigits: string): string {
  return intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
}

/**
 * A number in Spanish format: `formatNumber(2359296)` → `"2.359.296"`, `formatNumber(0.9431, { decimals: 3 })`
 * → `"0,943"`, `formatNumber(12.5)` → `"12,5"`. Non-finite values give `"–"`.
 */
export function formatNumber(x: number, options: FormatNumberOptions = {}): string {
  checkDigits("decimals", options.decimals);
  checkDigits("maxDecimals", options.maxDecimals);
  if (typeof x !== "number" || !Number.isFinite(x)) return "–";
  const digits = options.decimals ?? (Number.isInteger(x) ? 0 : options.maxDecimals ?? 2);
  let fixed = Math.abs(x).toFixed(digits);
  if (options.decimals === undefined && fixed.includes(".")) fixed = fixed.replace(/\.?0+$/, "");
  const [int, frac] = fixed.split(".");
  const negative = x < 0 && /[1-9]/.test(fixed);
  return `${negative ? "-" : ""}${group(int)}${frac ? `,${frac}` : ""}`;
}

/** An integer count with thousands points: `formatCount(2359296)` → `"2.359.296"` (rounded). */
export function formatCount(n: number): string {
  return formatNumber(Math.round(n), { decimals: 0 });
}

/** Options for {@link formatPercent}. */
export interface FormatPercentOptions {
  /** Decimals; default 1. */
  decimals?: number;
}

/** A fraction as a percentage: `formatPercent(0.9431)` → `"94,3 %"` (space before `%`, as in Spanish). */
export function formatPercent(fraction: number, options: FormatPercentOptions = {}): string {
  if (typeof fraction !== "number" || !Number.isFinite(fraction)) return "–";
  return `${formatNumber(100 * fraction, { decimals: options.decimals ?? 1 })} %`;
}

/**
 * A large count abbreviated: `formatCompact(138357544)` → `"138,4 M"`, `formatCompact(61100)` → `"61,1 mil"`,
 * below 1.000 the number itself. `M` = millones, `mil M` = miles de millones.
 */
export function formatCompact(n: number, options: { decimals?: number } = {}): string {
  if (typeof n !== "number" || !Number.isFinite(n)) return "–";
  const d = options.decimals ?? 1;
  const a = Math.abs(n);
  if (a >= 1e9) return `${formatNumber(n / 1e9, { decimals: d })} mil M`;
  if (a >= 1e6) return `${formatNumber(n / 1e6, { decimals: d })} M`;
  if (a >= 1e3) return `${formatNumber(n / 1e3, { decimals: d })} mil`;
  return formatNumber(n, { maxDecimals: d });
}

/** Seconds for a progress line or caption: `formatSeconds(12.345)` → `"12,3 s"`. */
export function formatSeconds(seconds: number, options: { decimals?: number } = {}): string {
  return `${formatNumber(seconds, { decimals: options.decimals ?? 1 })} s`;
}

const SUPERSCRIPT: Record<string, string> = {
  "-": "⁻",
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
};

/** Scientific notation as written in Spanish: `formatScientific(0.0000301)` → `"3,0·10⁻⁵"`. */
export function formatScientific(x: number, options: { decimals?: number } = {}): string {
  checkDigits("decimals", options.decimals);
  if (typeof x !== "number" || !Number.isFinite(x)) return "–";
  const [mantissa, exponent] = x.toExponential(options.decimals ?? 1).split("e");
  const exp = String(Number(exponent));
  if (exp === "0") return mantissa.replace(".", ",");
  return `${mantissa.replace(".", ",")}·10${[...exp].map((c) => SUPERSCRIPT[c]).join("")}`;
}
