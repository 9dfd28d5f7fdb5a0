/**
 * Colour scales and readable text on them: the confusion matrix's white → navy scale and the text colour
 * (black or white) with the larger WCAG contrast ratio on each cell.
 * @module
 */

/** A plotly colour scale: `[position in [0, 1], "#rrggbb"]`, positions increasing from 0 to 1. */
export type ColorScale = Array<[number, string]>;

/** Colour scale of the confusion matrix: white (0) to navy (largest cell), as matplotlib's "Blues". */
export const CONFUSION_COLORSCALE: ColorScale = [
  [0, "#f7fbff"],
  [0.25, "#c6dbef"],
  [0.5, "#6baed6"],
  [0.75, "#2171b5"],
  [1, "#08306b"],
];

function hexRgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`Color no válido: "${hex}". Escríbelo como "#rrggbb".`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** The colour of a scale at `t` (clamped to [0, 1]), linearly interpolated in RGB as plotly does. */
export function colorAt(scale: ColorScale, t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  for (let i = 1; i < scale.length; i++) {
    const [a, ca] = scale[i - 1], [b, cb] = scale[i];
    if (x <= b || i === scale.length - 1) {
      const f = b > a ? Math.min(1, Math.max(0, (x - a) / (b - a))) : 0;
      const A = hexRgb(ca), B = hexRgb(cb);
      return [0, 1, 2].map((k) => A[k] + f * (B[k] - A[k])) as [number, number, number];
    }
  }
  return hexRgb(scale[0][1]);
}

/** WCAG relative luminance of an sRGB colour (0–255 channels). */
export function luminance([r, g, b]: [number, number, number]): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two colours (1 to 21; 4.5 is the minimum for normal text). */
export function contrastRatio(a: [number, number, number], b: [number, number, number]): number {
  const la = luminance(a), lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** `"black"` or `"white"`, whichever reads better on `scale` at relative value `t` in [0, 1]. */
export function annotationColor(t: number, scale: ColorScale = CONFUSION_COLORSCALE): "black" | "white" {
  const bg = colorAt(scale, t);
  return contrastRatio(bg, [255, 255, 255]) >= contrastRatio(bg, [0, 0, 0]) ? "white" : "black";
}
