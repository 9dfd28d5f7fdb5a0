/**
 * Architecture diagrams: the volumes a CNN produces, layer after layer, drawn as boxes (the classic picture of
 * LeNet-5 or AlexNet: wide and shallow volumes at the input, small and deep ones at the end, thin bars for the
 * fully connected layers). Sizes are compressed (square root of the side, logarithm of the depth) so that
 * 227×227×3 and 13×13×256 fit on the same drawing; the exact numbers are written under each box.
 * @module
 */
import { type Architecture } from "../cnn/notation.ts";
import { type LayerRow, summarize } from "../cnn/architecture.ts";
import { SvgFigure } from "./svg.ts";
import { escapeXml } from "./display.ts";
import { LAYER_KINDS } from "../cnn/layer_kinds.ts";
import { checkOptions } from "../engine/validate.ts";

/** Options for {@link architectureSvg}. */
export interface ArchitectureSvgOptions {
  /** Title above the drawing; default the architecture's name. */
  title?: string;
  /** Height in pixels of the tallest volume; default 120. */
  maxSide?: number;
  /** Include layers that do not change the volume (NORM, DROPOUT, activations); default false. */
  showAll?: boolean;
}

/**
 * Draws the output volume of every layer of `arch` (as given by `summarize`) from left to right: spatial
 * volumes as boxes (height ∝ √side, thickness ∝ log depth), vectors (FC, FLATTEN, GAP) as bars. Returns an
 * {@link SvgFigure} (the last expression of a notebook cell shows it).
 */
export function architectureSvg(arch: Architecture, options: ArchitectureSvgOptions = {}): SvgFigure {
  checkOptions("architectureSvg", options, { title: true, maxSide: true, showAll: true });
  if (!arch || typeof arch !== "object" || !Array.isArray((arch as Architecture).layers)) {
    throw new Error(
      `architectureSvg espera una arquitectura (defineArchitecture, lenet5, alexnet…); se recibió ${typeof arch}.`,
    );
  }
  const maxSide = options.maxSide ?? 120;
  if (!(typeof maxSide === "number" && maxSide >= 20)) {
    throw new Error(`options.maxSide debe ser un número ≥ 20 (píxeles); se recibió ${maxSide}.`);
  }
  const rows: LayerRow[] = summarize(arch).filter((r, i) =>
    options.showAll || i === 0 || !["norm", "dropout", "activation"].includes(r.kind)
  );
  const maxHw = Math.max(...rows.filter((r) => !r.flat).map((r) => Math.max(r.output.width, r.output.height)));
  const maxDepth = Math.max(...rows.filter((r) => !r.flat).map((r) => r.output.depth));
  const maxUnits = Math.max(1, ...rows.filter((r) => r.flat).map((r) => r.output.depth));
  const side = (n: number) => 12 + (maxSide - 12) * Math.sqrt(n / maxHw);
  const thick = (d: number) => 4 + 26 * Math.log2(d + 1) / Math.log2(maxDepth + 1);
  const barH = (u: number) => 12 + (maxSide - 12) * Math.sqrt(u / maxUnits);
  const top = options.title === "" ? 20 : 44;
  const mid = top + 20 + maxSide / 2 + maxSide * 0.15;
  const parts: string[] = [];
  let x = 16;
  rows.forEach((r, i) => {
    const color = r.kind === "input" ? "#d9d9d9" : LAYER_KINDS[r.kind].colour;
    let w: number;
    if (r.flat) {
      const h = barH(r.output.depth);
      w = 12;
      parts.push(
        `<rect x="${x}" y="${mid - h / 2}" width="${w}" height="${h}" fill="${color}" stroke="#555"/>`,
      );
    } else {
      const h = side(r.output.height);
      const d = thick(r.output.depth);
      const o = h * 0.3; // oblique offset of the 3-D faces
      const y = mid - h / 2 + o / 2;
      w = d + o;
      parts.push(
        `<polygon points="${x},${y} ${x + o},${y - o} ${x + o + d},${y - o} ${x + d},${y}" fill="${color}" ` +
          `stroke="#555" stroke-width="0.8" opacity="0.8"/>`,
        `<polygon points="${x + d},${y} ${x + d + o},${y - o} ${x + d + o},${y + h - o} ${x + d},${y + h}" ` +
          `fill="${color}" stroke="#555" stroke-width="0.8" opacity="0.65"/>`,
        `<rect x="${x}" y="${y}" width="${d}" height="${h}" fill="${color}" stroke="#555"/>`,
      );
    }
    const cx = x + w / 2;
    const volume = r.flat ? String(r.output.depth) : `${r.output.width}×${r.output.height}×${r.output.depth}`;
    const name = r.kind === "input" ? "entrada" : r.notation.replace(/\/relu$/i, "");
    const labelY = mid + maxSide / 2 + maxSide * 0.15 + 18;
    parts.push(
      `<text x="${cx}" y="${labelY}" font-size="11" text-anchor="middle">${escapeXml(volume)}</text>`,
      `<text x="${cx}" y="${labelY + 15}" font-size="10" text-anchor="middle" fill="#555">${escapeXml(name)}</text>`,
    );
    x += Math.max(w, 7 * Math.max(volume.length, name.length)) + 14;
    if (i < rows.length - 1) {
      parts.push(`<line x1="${x - 10}" y1="${mid}" x2="${x - 3}" y2="${mid}" stroke="#999" stroke-width="1.5"/>`);
    }
  });
  const width = Math.ceil(x + 10);
  const height = Math.ceil(mid + maxSide / 2 + maxSide * 0.15 + 48);
  const title = options.title ?? arch.name;
  const chain = rows.map((r) =>
    (r.flat ? String(r.output.depth) : `${r.output.width}×${r.output.height}×${r.output.depth}`) +
    (r.kind === "input" ? " (entrada)" : ` (${r.notation.replace(/\/relu$/i, "")})`)
  ).join(" → ");
  const head = title ? `<text x="16" y="26" font-size="15" font-weight="bold">${escapeXml(title)}</text>` : "";
  return new SvgFigure(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="DejaVu Sans, Arial, sans-serif"><rect width="${width}" height="${height}" fill="white"/>` +
      `${head}${parts.join("")}</svg>`,
    `${title ? `${title}: ` : ""}${chain}`,
  );
}
