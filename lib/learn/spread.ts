/**
 * Mean ± spread of a few repeated measurements (one per seed): what an honest experiment reports instead of
 * a single run.
 * @module
 */
import { formatPercent } from "../engine/format.ts";

/** Mean, sample standard deviation, minimum and maximum of a few numbers (one per seed). */
export interface Spread {
  /** Mean. */
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  std: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
}

/** Mean, sample standard deviation and range of `values` (at least one). */
export function spread(values: number[]): Spread {
  if (values.length === 0) throw new Error("spread necesita al menos un valor.");
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  return {
    mean,
    std: values.length > 1 ? Math.sqrt(ss / (values.length - 1)) : 0,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/** `94,3 % ± 1,2` — mean ± sample standard deviation of accuracies, in percentage points. */
export function formatSpread(s: Spread): string {
  return `${formatPercent(s.mean)} ± ${formatPercent(s.std).replace(" %", "")}`;
}
