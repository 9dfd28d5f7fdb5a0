/**
 * What every rich output of the kit carries so that each front end shows something useful: a `text/plain`
 * alternative (a table as aligned text, a figure as its title and key numbers, a statement as its text) and
 * SVG drawings as `<img>` inside the HTML, which survives the sanitiser of an untrusted notebook.
 *
 * ## How each front end picks a MIME type, and what the kit's bundles hold for it
 *
 * | front end | picks (first present wins) | untrusted notebook |
 * |---|---|---|
 * | classic Notebook 6 | js, html, markdown, latex, svg, png, jpeg, pdf, text | html sanitised (no `<script>`, no `style`, no inline `<svg>`); only text, latex, png, jpeg, gif otherwise; a type it cannot sanitise is skipped and the next one tried |
 * | JupyterLab 4 | renderer rank: plotly JSON (only with the `jupyterlab-plotly` extension), html 50, markdown 60, latex 70, svg 80, png/jpeg 90, js 110, text 120 | only "safe" renderers: html and markdown (sanitised), latex, images, text; svg and js skipped |
 * | VS Code | its own renderers first: plotly JSON (built in), then html, markdown, svg, png, text | same (trust is the workspace's) |
 * | nbconvert HTML (`build/html`) | html, pdf, latex, svg, png, jpeg, markdown, text | the course's template does not sanitise |
 * | code host preview (no JS) | html (sanitised), then images, markdown, text | always untrusted |
 *
 * Hence the bundles (all with `text/plain` last):
 * - **plotly figure** (`plots.ts`): `application/vnd.plotly.v1+json` (Lab with the extension, VS Code),
 *   `text/html` = a `<div>` + the script that draws it with the offline plotly.js (Notebook 6 and Lab trusted,
 *   `build/html`), and in executed notebooks written by `deno task course` also `image/png` of the same
 *   figure **and** that PNG as an `<img>` inside the `<div>` (`tools/static_figures.ts`): the script replaces
 *   it by the interactive figure; where scripts are stripped (untrusted, code hosts) the image stays.
 *   `text/plain`: title, axes and key numbers of each trace ({@link figureText}).
 * - **SVG drawing** (`naive.ts`, `diagrams.ts`, live progress curves): `text/html` = `<img src="data:image/svg+xml…">`
 *   ({@link svgImgHtml}; inline `<svg>` would be sanitised away, an image is kept), `image/svg+xml`,
 *   `text/plain` = its text labels ({@link svgText}).
 * - **table** (`tables.ts`, `transfer.ts`, `evaluate.ts`): `text/html` (sanitised, still a table) and/or
 *   `text/markdown`, `text/plain` = aligned columns ({@link textTable}).
 * - **exercise statement** (`exercises.ts`): `text/markdown` (rendered where trusted, Lab always) and
 *   `text/plain` = the statement without Markdown marks ({@link plainText}), which untrusted Notebook 6 shows.
 * - **image** (`images.ts`): a PNG `Uint8Array`, shown by every front end as `image/png`.
 * @module
 */
import { escapeXml } from "./display.ts";

/** Options for {@link textTable}. */
export interface TextTableOptions {
  /** Per column: right-align (numbers)? Default: left. */
  alignRight?: boolean[];
  /** A last row (totals), under a rule. */
  footer?: string[];
  /** A line above the table. */
  title?: string;
}

/** A table as aligned plain text (columns padded to their widest cell, a rule under the headers). */
export function textTable(headers: string[], rows: string[][], options: TextTableOptions = {}): string {
  const all = [headers, ...rows, ...(options.footer ? [options.footer] : [])];
  const widths = headers.map((_, j) => Math.max(...all.map((r) => [...(r[j] ?? "")].length)));
  const pad = (s: string, j: number) => {
    const fill = " ".repeat(widths[j] - [...s].length);
    return options.alignRight?.[j] ? fill + s : s + fill;
  };
  const line = (r: string[]) => headers.map((_, j) => pad(r[j] ?? "", j)).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const out = [line(headers), rule, ...rows.map(line)];
  if (options.footer) out.push(rule, line(options.footer));
  return (options.title ? `${options.title}\n` : "") + out.join("\n");
}

/**
 * Markdown as plain text: bold, italics, inline code and link marks removed, text kept, and pipe tables
 * laid out as aligned columns ({@link textTable}).
 */
export function plainText(markdown: string): string {
  const lines = markdown.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    const isRow = (l: string | undefined) => l !== undefined && /^\s*\|.*\|\s*$/.test(l);
    const sep = lines[i + 1];
    if (isRow(lines[i]) && sep !== undefined && /^\s*\|(\s*:?-+:?\s*\|)+\s*$/.test(sep)) {
      const cells = (l: string) =>
        l.trim().slice(1, -1).split(/(?<!\\)\|/).map((c) => inlinePlain(c.trim().replace(/\\\|/g, "|")));
      const alignRight = sep.trim().slice(1, -1).split("|").map((c) => /-:\s*$/.test(c));
      const rows: string[][] = [];
      let j = i + 2;
      for (; isRow(lines[j]); j++) rows.push(cells(lines[j]));
      out.push(textTable(cells(lines[i]), rows, { alignRight }));
      i = j;
    } else {
      out.push(inlinePlain(lines[i]).replace(/^#{1,6}\s+/, ""));
      i++;
    }
  }
  return out.join("\n");
}

function inlinePlain(markdown: string): string {
  return markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/__([^_]+)__/g, "$1")
    .replace(/(^|[\s(])_([^_\n]+)_(?=[\s).,;:]|$)/g, "$1$2")
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,;:]|$)/g, "$1$2")
    .replace(/`([^`]*)`/g, "$1");
}

const num = (v: number) =>
  Number.isFinite(v)
    ? v.toLocaleString("es-ES", { maximumSignificantDigits: 4, useGrouping: Math.abs(v) >= 10000 })
    : String(v);

function titleOf(t: unknown): string {
  if (typeof t === "string") return t;
  if (t && typeof t === "object" && typeof (t as { text?: unknown }).text === "string") {
    return (t as { text: string }).text;
  }
  return "";
}

function numbers(v: unknown): number[] {
  if (!Array.isArray(v)) return [];
  return v.flat(2).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
}

/** One line per trace: its name and kind with the numbers a reader would look for. */
function traceText(t: Record<string, unknown>): string {
  const type = String(t.type ?? "scatter");
  const name = t.name ? `${t.name}: ` : "";
  if (type === "heatmap") {
    const z = Array.isArray(t.z) ? t.z as unknown[][] : [];
    const zs = numbers(z);
    const size = `${z.length}×${Array.isArray(z[0]) ? z[0].length : 0}`;
    return `${name}mapa de calor ${size}` + (zs.length ? `, de ${num(Math.min(...zs))} a ${num(Math.max(...zs))}` : "");
  }
  if (type === "image") return `${name}imagen`;
  if (type === "bar") {
    const xs = Array.isArray(t.x) ? t.x as unknown[] : [], ys = Array.isArray(t.y) ? t.y as unknown[] : [];
    const [labels, values] = t.orientation === "h" ? [ys, xs] : [xs, ys];
    const pairs = values.map((v, i) => `${labels[i] ?? i}=${typeof v === "number" ? num(v) : String(v)}`);
    return `${name}barras ${pairs.slice(0, 12).join(", ")}${pairs.length > 12 ? `, … (${pairs.length})` : ""}`;
  }
  const ys = numbers(t.y);
  if (ys.length === 0) return `${name}${type}`;
  const last = ys[ys.length - 1];
  return `${name}${ys.length} puntos, último ${num(last)}, mín ${num(Math.min(...ys))}, máx ${num(Math.max(...ys))}`;
}

/**
 * A figure as text: `Figura: <title>`, the axes' titles, and one line per trace (up to 8) with its key
 * numbers (a curve's length, last value, minimum and maximum; a bar chart's values; a heatmap's size and range).
 */
export function figureText(fig: { data: unknown[]; layout: Record<string, unknown> }): string {
  const title = titleOf(fig.layout?.title);
  const axes = Object.keys(fig.layout ?? {}).filter((k) => /^[xy]axis\d*$/.test(k)).sort()
    .map((k) => titleOf((fig.layout[k] as Record<string, unknown> | undefined)?.title)).filter(Boolean);
  const traces = (fig.data ?? []) as Record<string, unknown>[];
  const lines = [`Figura: ${title || "(sin título)"}` + (axes.length ? ` (ejes: ${axes.join(" / ")})` : "")];
  const images = traces.filter((t) => t.type === "image").length;
  const rest = traces.filter((t) => t.type !== "image");
  lines.push(...rest.slice(0, 8).map((t) => "  " + traceText(t)));
  if (rest.length > 8) lines.push(`  … y ${rest.length - 8} series más`);
  if (images) lines.push(`  ${images} ${images === 1 ? "imagen" : "imágenes"}`);
  return lines.join("\n");
}

function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/**
 * The text an SVG drawing holds: its `<title>`, else its `<text>` labels joined by " · " (labels that are
 * only a number, such as the values in a grid's cells, are left out), at most `max` characters.
 */
export function svgText(svg: string, max = 400): string {
  const title = svg.match(/<title[^>]*>([^<]*)<\/title>/);
  const texts = title ? [title[1]] : [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].trim())
    .filter((t) => !/^[-−+]?[\d.,]+$/.test(t));
  const s = decodeEntities(texts.filter(Boolean).join(" · "));
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

/** Base64 of bytes (or of a string's UTF-8). */
export function base64(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/**
 * An SVG drawing as HTML that every front end keeps: an `<img>` with the SVG as a data URI (animations
 * still run), where inline `<svg>` would be removed by the sanitiser of an untrusted notebook.
 */
export function svgImgHtml(svg: string, alt = svgText(svg, 200)): string {
  return `<img src="data:image/svg+xml;base64,${base64(svg)}" alt="${escapeXml(alt)}" style="max-width:100%"/>`;
}
