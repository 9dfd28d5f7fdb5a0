/**
 * Tables for notebooks: an architecture's summary (as in CS231n's VGG table: volume, weights, memory per
 * layer, with totals) and small generic tables, rendered as Markdown or HTML and displayable in the Deno
 * Jupyter kernel.
 * @module
 */
import type { Architecture } from "../cnn/notation.ts";
import {
  type LayerRow,
  summarize,
  type SummarizeOptions,
  type SummaryTotals,
  summaryTotals,
} from "../cnn/architecture.ts";
import { formatVolume } from "../cnn/dimensions.ts";
import { LAYER_KINDS } from "../cnn/layer_kinds.ts";
import { Displayable, escapeMarkdown, escapeXml, type MimeBundle } from "./display.ts";
import { formatCount, formatNumber } from "../engine/format.ts";
import { textTable } from "./mime.ts";
import { checkOptions, describeValue, InputError } from "../engine/validate.ts";

/** A MIME bundle for Jupyter (`text/markdown`, `text/html`, `image/svg+xml`…). */
export type { MimeBundle };

/** A table that renders as Markdown and HTML, and displays itself in a Deno notebook cell. */
export class DataTable extends Displayable {
  /** Column headers. */
  readonly headers: string[];
  /** Body rows (already formatted as text). */
  readonly rows: string[][];
  /** Optional last row (totals), shown in bold. */
  readonly footer?: string[];
  /** Optional title shown above the table. */
  readonly title?: string;
  /** Per column: right-align (numbers)? */
  readonly alignRight: boolean[];

  /** Creates a table; see {@link dataTable} for the usual way. */
  constructor(headers: string[], rows: string[][], options: TableOptions = {}) {
    super();
    this.headers = headers;
    this.rows = rows;
    this.footer = options.footer;
    this.title = options.title;
    this.alignRight = options.alignRight ?? headers.map((_, j) => rows.every((r) => /^[-\d.,\s%×]*$/.test(r[j] ?? "")));
  }

  /** GitHub-flavoured Markdown. */
  get markdown(): string {
    const line = (cells: string[]) => `| ${cells.map(escapeMarkdown).join(" | ")} |`;
    const sep = `|${this.alignRight.map((r) => (r ? " ---: " : " :--- ")).join("|")}|`;
    const out = [line(this.headers), sep, ...this.rows.map(line)];
    if (this.footer) out.push(`| ${this.footer.map((c) => (c ? `**${escapeMarkdown(c)}**` : "")).join(" | ")} |`);
    return (this.title ? `**${escapeMarkdown(this.title)}**\n\n` : "") + out.join("\n");
  }

  /** A self-contained HTML table (inline styles, works offline and in exported HTML). */
  get html(): string {
    const cell = (tag: string, s: string, j: number) =>
      `<${tag} style="text-align:${this.alignRight[j] ? "right" : "left"};padding:2px 8px">${escapeXml(s)}</${tag}>`;
    const head = `<thead><tr>${this.headers.map((h, j) => cell("th", h, j)).join("")}</tr></thead>`;
    const body = `<tbody>${
      this.rows.map((r) => `<tr>${r.map((c, j) => cell("td", c, j)).join("")}</tr>`).join("")
    }</tbody>`;
    const foot = this.footer
      ? `<tfoot><tr style="font-weight:bold;border-top:2px solid #888">${
        this.footer.map((c, j) => cell("td", c, j)).join("")
      }</tr></tfoot>`
      : "";
    const caption = this.title
      ? `<caption style="font-weight:bold;text-align:left">${escapeXml(this.title)}</caption>`
      : "";
    return `<table style="border-collapse:collapse;font-family:sans-serif;font-size:13px">${caption}${head}${body}${foot}</table>`;
  }

  /** The Markdown text. */
  override toString(): string {
    return this.markdown;
  }

  /** The table as aligned plain text (for front ends that show neither HTML nor Markdown). */
  get text(): string {
    return textTable(this.headers, this.rows, { alignRight: this.alignRight, footer: this.footer, title: this.title });
  }

  /** The MIME bundle shown in a notebook: HTML, Markdown and aligned text (see `mime.ts`). */
  mimeBundle(): MimeBundle {
    return { "text/html": this.html, "text/markdown": this.markdown, "text/plain": this.text };
  }
}

/** Options for {@link DataTable} and {@link dataTable}. */
export interface TableOptions {
  /** A bold last row (totals). */
  footer?: string[];
  /** Title above the table. */
  title?: string;
  /** Right-align these columns (default: columns whose cells all look numeric). */
  alignRight?: boolean[];
}

/**
 * A displayable table from plain objects: the keys of the first object are the headers, numbers are
 * formatted with Spanish thousands separators.
 *
 * @example dataTable([{ capa: "conv1", salida: "55×55×96" }], { title: "AlexNet" })
 */
export function dataTable(records: Record<string, unknown>[], options: TableOptions = {}): DataTable {
  checkOptions("dataTable", options, { footer: true, title: true, alignRight: true });
  if (!Array.isArray(records) || records.length === 0) {
    throw new InputError(`dataTable necesita una lista no vacía de objetos; se recibió ${describeValue(records)}.`);
  }
  const headers = Object.keys(records[0]);
  const fmt = (v: unknown) =>
    typeof v === "number"
      ? (Number.isInteger(v) ? formatCount(v) : formatNumber(v, { maxDecimals: 4 }))
      : typeof v === "object" && v !== null && "width" in v && "height" in v && "depth" in v
      ? formatVolume(v as { width: number; height: number; depth: number })
      : String(v ?? "");
  return new DataTable(headers, records.map((r) => headers.map((h) => fmt(r[h]))), options);
}

/** `602,1 kB`, `93,0 MB` (decimal units, as CS231n's "~93MB"). */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${formatNumber(v, { decimals: u === 0 ? 0 : 1 })} ${units[u]}`;
}

/** Columns of {@link summaryTable}. */
export type SummaryColumn =
  | "name"
  | "notation"
  | "kind"
  | "output"
  | "weights"
  | "biases"
  | "params"
  | "activations"
  | "memory"
  | "receptiveField";

const HEADERS: Record<SummaryColumn, string> = {
  name: "Capa",
  notation: "Notación",
  kind: "Tipo",
  output: "Salida (W×H×D)",
  weights: "Pesos",
  biases: "Biases",
  params: "Parámetros",
  activations: "Activaciones",
  memory: "Memoria (float32)",
  receptiveField: "Campo receptivo",
};

/** Options for {@link summaryTable}. */
export interface SummaryTableOptions extends SummarizeOptions {
  /** Return a string in this format instead of a displayable {@link DataTable}. */
  format?: "markdown" | "html";
  /** Columns to show (default: all). */
  columns?: SummaryColumn[];
  /** Title (default: the architecture's name). */
  title?: string;
}

function cellOf(row: LayerRow, col: SummaryColumn): string {
  switch (col) {
    case "name":
      return row.name;
    case "notation":
      return row.notation;
    case "kind":
      return row.kind === "pool" && row.notation.startsWith("AVG")
        ? "avg pooling"
        : row.kind === "pool"
        ? "max pooling"
        : row.kind === "input"
        ? "entrada"
        : LAYER_KINDS[row.kind].label;
    case "output":
      return formatVolume(row.output);
    case "weights":
      return formatCount(row.weights);
    case "biases":
      return formatCount(row.biases);
    case "params":
      return formatCount(row.params);
    case "activations":
      return formatCount(row.activations);
    case "memory":
      return formatBytes(row.bytes);
    case "receptiveField":
      return row.kind === "input" ? "1×1" : row.flat ? "toda la imagen" : `${row.receptiveField}×${row.receptiveField}`;
  }
}

function footerOf(t: SummaryTotals, col: SummaryColumn): string {
  switch (col) {
    case "name":
      return "Total";
    case "weights":
      return formatCount(t.weights);
    case "biases":
      return formatCount(t.biases);
    case "params":
      return formatCount(t.params);
    case "activations":
      return formatCount(t.activations);
    case "memory":
      return formatBytes(t.bytes);
    default:
      return "";
  }
}

/**
 * The layer table of an architecture (rows of {@link summarize} plus totals): name, notation, kind,
 * output volume, weights, biases, parameters, activations, memory and receptive field.
 * With `format` it returns the Markdown or HTML text; otherwise a {@link DataTable} that displays itself
 * as the last expression of a notebook cell.
 *
 * @example summaryTable(vgg16) // in a notebook cell: the lecture's VGG-16 table, with totals
 */
export function summaryTable(
  arch: Architecture | LayerRow[],
  options: SummaryTableOptions & { format: "markdown" | "html" },
): string;
export function summaryTable(arch: Architecture | LayerRow[], options?: SummaryTableOptions): DataTable;
export function summaryTable(arch: Architecture | LayerRow[], options: SummaryTableOptions = {}): DataTable | string {
  checkOptions("summaryTable", options, { format: true, columns: true, title: true, input: true, rounding: true });
  const rows = Array.isArray(arch) ? arch : summarize(arch, { input: options.input, rounding: options.rounding });
  const cols = options.columns ?? (Object.keys(HEADERS) as SummaryColumn[]);
  for (const c of cols) {
    if (!(c in HEADERS)) {
      throw new Error(`columns: "${c}" no es una columna; usa ${Object.keys(HEADERS).join(", ")}.`);
    }
  }
  const totals = summaryTotals(rows);
  const t = new DataTable(
    cols.map((c) => HEADERS[c]),
    rows.map((r) => cols.map((c) => cellOf(r, c))),
    {
      footer: cols.map((c) => footerOf(totals, c)),
      title: options.title ?? (Array.isArray(arch) ? undefined : arch.name),
      alignRight: cols.map((c) => !["name", "notation", "kind"].includes(c)),
    },
  );
  if (options.format === "markdown") return t.markdown;
  if (options.format === "html") return t.html;
  if (options.format !== undefined) {
    throw new Error(`format debe ser "markdown" o "html" (u omitirse); se recibió ${describeValue(options.format)}.`);
  }
  return t;
}
