/**
 * SVG drawings that display themselves in a notebook cell ({@link SvgFigure}) and the lecture's picture of
 * a filter sliding over a padded input ({@link filterSvg}), drawn from the positions `cnn/naive.ts` computes.
 * @module
 */
import { type FilterPosition, filterPositions, inputSides, type SlideOptions } from "../cnn/naive.ts";
import { Displayable, escapeXml, type MimeBundle } from "./display.ts";
import { svgImgHtml, svgText } from "./mime.ts";
import { checkOptions } from "../engine/validate.ts";

/** An SVG drawing that displays itself in a Deno notebook cell. */
export class SvgFigure extends Displayable {
  /** The SVG markup. */
  readonly svg: string;
  /** What the drawing says, as text (default: its text labels). */
  readonly text: string;
  /** Wraps SVG markup; `text` describes it for front ends that show no image. */
  constructor(svg: string, text?: string) {
    super();
    this.svg = svg;
    this.text = text ?? svgText(svg);
  }
  /** The SVG markup. */
  override toString(): string {
    return this.svg;
  }
  /**
   * The MIME bundle shown in a notebook: the SVG, also as `text/html` (an `<img>` of the SVG, animations
   * included, which nbconvert's HTML export and the sanitiser of untrusted notebooks keep, while they drop
   * `image/svg+xml` and inline `<svg>`), and its text (see `mime.ts`).
   */
  mimeBundle(): MimeBundle {
    return { "text/html": svgImgHtml(this.svg, this.text), "image/svg+xml": this.svg, "text/plain": this.text };
  }
}

/** Options of {@link filterSvg}. */
export interface FilterSvgOptions extends SlideOptions {
  /** Which step to highlight (default 0); ignored with `animate`. */
  step?: number;
  /** Animate the window over every position (SVG/SMIL, loops). Default false. */
  animate?: boolean;
  /** Seconds per step when animating (default 0.7). */
  secondsPerStep?: number;
  /** Cell side in pixels (default 26). */
  cell?: number;
  /** Values to print in the input cells (`values[row][col]`, without padding). */
  values?: number[][];
  /** Title above the drawing. */
  title?: string;
}

/**
 * Draws the sliding filter: the padded input grid (padding cells grey, with 0), the F×F window at one
 * step (or animated over all of them), and the output grid with the cell being computed. With
 * `rounding: "floor"` the input cells the filter never covers are shaded orange.
 */
export function filterSvg(input: number | { width: number; height: number }, options: FilterSvgOptions): SvgFigure {
  checkOptions("filterSvg", options, {
    size: true,
    stride: true,
    padding: true,
    rounding: true,
    step: true,
    animate: true,
    secondsPerStep: true,
    cell: true,
    values: true,
    title: true,
  });
  const { width, height } = inputSides(input);
  const f = options.size;
  const s = options.stride ?? 1;
  const p = options.padding ?? 0;
  const positions = filterPositions({ width, height }, options);
  const outW = Math.max(...positions.map((q) => q.col)) + 1;
  const outH = Math.max(...positions.map((q) => q.row)) + 1;
  const cs = options.cell ?? 26;
  const pw = width + 2 * p;
  const ph = height + 2 * p;
  const gap = 2 * cs;
  const titleH = options.title ? 24 : 0;
  const labelH = 22;
  const inLabel = `entrada ${width}×${height}${p ? ` + padding ${p}` : ""} · filtro ${f}×${f} · stride ${s}`;
  const outLabel = `salida ${outW}×${outH}`;
  const textWidth = (t: string, px: number) => Math.ceil(t.length * px * 0.6);
  const ox = Math.max(pw * cs + gap, textWidth(inLabel, 12) + 16);
  const oy = titleH + labelH;
  const W = Math.max(ox + Math.max(outW * cs, textWidth(outLabel, 12)) + 10, textWidth(options.title ?? "", 15) + 10);
  const H = oy + Math.max(ph, outH) * cs + 10;
  const g: Grid = { f, p, cs, width, height, pw, ph, outW, outH, ox, oy, positions };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  if (options.title) {
    parts.push(`<text x="4" y="17" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`);
  }
  parts.push(
    `<text x="4" y="${oy - 6}" font-size="12">${inLabel}</text>`,
    `<text x="${ox}" y="${oy - 6}" font-size="12">${outLabel}</text>`,
    ...inputCells(g, options.values),
    ...outputCells(g),
    ...slidingWindow(g, options),
    "</svg>",
  );
  return new SvgFigure(parts.join(""));
}

/** The geometry of a {@link filterSvg} drawing. */
interface Grid {
  f: number;
  p: number;
  cs: number;
  width: number;
  height: number;
  pw: number;
  ph: number;
  outW: number;
  outH: number;
  ox: number;
  oy: number;
  positions: FilterPosition[];
}

/** The padded input grid: padding cells grey (with 0), cells the filter never covers orange, the values. */
function inputCells({ f, p, cs, width, height, pw, ph, oy, positions }: Grid, values?: number[][]): string[] {
  const parts: string[] = [];
  const covered = new Set<string>();
  for (const q of positions) {
    for (let i = 0; i < f; i++) for (let j = 0; j < f; j++) covered.add(`${q.top + i},${q.left + j}`);
  }
  for (let i = 0; i < ph; i++) {
    for (let j = 0; j < pw; j++) {
      const pad = i < p || j < p || i >= p + height || j >= p + width;
      const fill = pad ? "#e6e6e6" : covered.has(`${i},${j}`) ? "#f7fbff" : "#fdd9a8";
      parts.push(
        `<rect x="${j * cs}" y="${
          oy + i * cs
        }" width="${cs}" height="${cs}" fill="${fill}" stroke="#999" stroke-width="0.6"/>`,
      );
      const v = pad ? "0" : values ? String(values[i - p]?.[j - p] ?? "") : "";
      if (v) {
        parts.push(
          `<text x="${j * cs + cs / 2}" y="${oy + i * cs + cs * 0.65}" font-size="${
            cs * 0.42
          }" text-anchor="middle" fill="${pad ? "#888" : "#222"}">${v}</text>`,
        );
      }
    }
  }
  return parts;
}

/** The output grid, one cell per filter position. */
function outputCells({ cs, outW, outH, ox, oy }: Grid): string[] {
  const parts: string[] = [];
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW; j++) {
      parts.push(
        `<rect x="${ox + j * cs}" y="${
          oy + i * cs
        }" width="${cs}" height="${cs}" fill="#f0f7f0" stroke="#999" stroke-width="0.6"/>`,
      );
    }
  }
  return parts;
}

/** The F×F window and the output cell it computes, at one step or animated over every position. */
function slidingWindow({ f, cs, ox, oy, positions }: Grid, options: FilterSvgOptions): string[] {
  const parts: string[] = [];
  const win = (q: FilterPosition) => ({ x: q.left * cs, y: oy + q.top * cs, ox: ox + q.col * cs, oy: oy + q.row * cs });
  const first = positions[Math.min(Math.max(options.step ?? 0, 0), positions.length - 1)];
  const a = win(first);
  const stroke = `fill="rgba(214,39,40,0.18)" stroke="#d62728" stroke-width="3"`;
  if (options.animate) {
    const dur = (options.secondsPerStep ?? 0.7) * positions.length;
    const anim = (attr: string, vals: number[]) =>
      `<animate attributeName="${attr}" values="${
        vals.join(";")
      }" dur="${dur}s" calcMode="discrete" repeatCount="indefinite"/>`;
    const ws = positions.map(win);
    parts.push(
      `<rect x="${a.x}" y="${a.y}" width="${f * cs}" height="${f * cs}" ${stroke}>${anim("x", ws.map((w) => w.x))}${
        anim("y", ws.map((w) => w.y))
      }</rect>`,
      `<rect x="${a.ox}" y="${a.oy}" width="${cs}" height="${cs}" ${stroke}>${anim("x", ws.map((w) => w.ox))}${
        anim("y", ws.map((w) => w.oy))
      }</rect>`,
    );
  } else {
    parts.push(
      `<rect x="${a.x}" y="${a.y}" width="${f * cs}" height="${f * cs}" ${stroke}/>`,
      `<rect x="${a.ox}" y="${a.oy}" width="${cs}" height="${cs}" ${stroke}/>`,
    );
  }
  return parts;
}
