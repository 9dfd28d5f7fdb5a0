/**
 * Executed notebooks that every front end shows. {@link addStaticOutputs} post-processes an executed notebook:
 *
 * - **Figures**: for each plotly output (`application/vnd.plotly.v1+json`), renders the same plotly JSON to PNG in headless Chromium with the offline
 * plotly.js of `node_modules/plotly.js-dist-min`, and adds it to the output twice: as `image/png` (front ends
 * that skip HTML) and as an `<img class="cnn-static-figure">` inside the figure's `<div>` in `text/html`
 * (untrusted Jupyter and code hosts sanitise the HTML: the script goes, the image stays; where the script
 * runs it replaces the image by the interactive figure).
 * - **Markdown without text**: an output that only an HTML-trusting front end can show (`Deno.jupyter.md`
 *   gives `text/markdown` alone, which untrusted Jupyter hides) gets `text/plain` = the text without marks.
 *
 * See `lib/show/mime.ts` for the order each front end picks from. {@link trustNotebook} then signs the notebook for the project-local Jupyter (`jupyter trust`),
 * so reopening it in Jupyter shows the interactive figures again.
 *
 * CLI: `deno run -A tools/static_outputs.ts build/notebooks/09_laboratorio_1.ipynb [--trust]`.
 * @module
 */
import { resolve } from "node:path";
import { createRequire } from "node:module";
import { type Chromium, closeChromium, launchChromium } from "./browser.ts";
import { plainText } from "../lib/show/mime.ts";
import { escapeXml } from "../lib/show/display.ts";
import { writeFileAtomic } from "../lib/engine/files.ts";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** What {@link addStaticOutputs} did. */
export interface StaticOutputsResult {
  /** Plotly outputs found. */
  figures: number;
  /** PNGs added (outputs that already had one are skipped). */
  added: number;
  /** `text/plain` alternatives added to Markdown-only outputs. */
  texts: number;
  /** Seconds spent (browser start included). */
  seconds: number;
}

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

function plotlyPath(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve("plotly.js-dist-min/plotly.min.js");
  } catch {
    return resolve(import.meta.dirname ?? ".", "..", "node_modules", "plotly.js-dist-min", "plotly.min.js");
  }
}

function joined(v: unknown): string {
  return Array.isArray(v) ? v.join("") : String(v ?? "");
}

/** Puts the PNG into the figure's `<div>` of the HTML fallback written by `lib/show/plots.ts` (if it is there). */
export function htmlWithStaticImage(html: string, pngBase64: string, alt: string): string {
  const img = `<img class="cnn-static-figure" src="data:image/png;base64,${pngBase64}" alt="${escapeXml(alt)}" ` +
    `style="width:100%;height:auto"/>`;
  return html.replace(/(<div id="cnn-fig-[^"]*"[^>]*>)(<\/div>)/, `$1${img}$2`);
}

/** Renders each plotly output of `todo` to PNG in one headless Chromium page and adds it to the output. */
async function drawPngs(todo: Output[]): Promise<void> {
  let chromium: Chromium | undefined;
  try {
    chromium = await launchChromium();
    const page = await chromium.browser.newPage();
    await page.setContent("<!DOCTYPE html><html><body></body></html>");
    await page.addScriptTag({ path: plotlyPath() });
    for (const o of todo) {
      const fig = o.data![PLOTLY_MIME] as { data: unknown[]; layout: Record<string, unknown> };
      const width = Number(fig.layout?.width ?? 700), height = Number(fig.layout?.height ?? 420);
      const url = await page.evaluate(
        // deno-lint-ignore no-explicit-any
        (f: any, w: number, h: number) =>
          // deno-lint-ignore no-explicit-any
          (globalThis as any).Plotly.toImage({ data: f.data, layout: f.layout }, {
            format: "png",
            width: w,
            height: h,
          }),
        fig,
        width,
        height,
      ) as string;
      const png = url.replace(/^data:image\/png;base64,/, "");
      o.data!["image/png"] = png;
      o.metadata = { ...(o.metadata ?? {}), "image/png": { width, height } };
      if ("text/html" in o.data!) {
        const alt = joined(o.data!["text/plain"]).split("\n")[0] || "figura";
        o.data!["text/html"] = htmlWithStaticImage(joined(o.data!["text/html"]), png, alt);
      }
    }
  } finally {
    await closeChromium(chromium);
  }
}

/**
 * Adds a static PNG of every plotly figure and a `text/plain` to every Markdown-only output of the executed
 * notebook at `path` (rewritten atomically when something changed). Outputs that already carry them are
 * left as they are, so running it twice changes nothing.
 */
export async function addStaticOutputs(path: string): Promise<StaticOutputsResult> {
  const started = performance.now();
  const nb = JSON.parse(await Deno.readTextFile(path)) as { cells: Array<{ outputs?: Output[] }> };
  if (!Array.isArray(nb?.cells)) throw new Error(`${path} no parece un cuaderno de Jupyter: le falta "cells".`);
  const outputs = nb.cells.flatMap((c) => c.outputs ?? [])
    .filter((o) => o.data && PLOTLY_MIME in o.data);
  const markdownOnly = nb.cells.flatMap((c) => c.outputs ?? [])
    .filter((o) => o.data && "text/markdown" in o.data && !("text/plain" in o.data));
  for (const o of markdownOnly) o.data!["text/plain"] = plainText(joined(o.data!["text/markdown"]));
  const todo = outputs.filter((o) => !("image/png" in o.data!));
  const result = () => ({
    figures: outputs.length,
    added: todo.length,
    texts: markdownOnly.length,
    seconds: (performance.now() - started) / 1000,
  });
  if (todo.length + markdownOnly.length === 0) return result();
  if (todo.length > 0) await drawPngs(todo);
  await writeFileAtomic(path, JSON.stringify(nb, null, 1) + "\n");
  return result();
}

/** Options for {@link trustNotebook}. */
export interface TrustOptions {
  /** The `XDG_DATA_HOME` whose `jupyter/` holds the signature database and key (the project's `.jupyter`). */
  xdgDataHome: string;
  /** A Python with nbformat (default Debian's `/usr/bin/python3`). */
  python?: string;
}

/**
 * Signs the notebook for the project-local Jupyter (`jupyter trust` with `XDG_DATA_HOME=<repo>/.jupyter`:
 * the signature database and key live in `.jupyter/jupyter/`), so Jupyter opens it trusted and runs its
 * figures' scripts. Sign after the last change: any edit invalidates the signature.
 */
export async function trustNotebook(path: string, options: TrustOptions): Promise<void> {
  const out = await new Deno.Command(options.python ?? "/usr/bin/python3", {
    args: ["-m", "nbformat.sign", path],
    env: { XDG_DATA_HOME: options.xdgDataHome },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`jupyter trust falló con ${path}:\n${new TextDecoder().decode(out.stderr)}`);
  }
}

if (import.meta.main) {
  const files = Deno.args.filter((a) => !a.startsWith("--"));
  if (files.length === 0) {
    console.error("Uso: deno run -A tools/static_figures.ts cuaderno_ejecutado.ipynb… [--trust]");
    Deno.exit(2);
  }
  for (const f of files) {
    const r = await addStaticOutputs(f);
    if (Deno.args.includes("--trust")) {
      await trustNotebook(f, { xdgDataHome: resolve(import.meta.dirname ?? ".", "..", ".jupyter") });
    }
    console.log(`${f}: ${r.added} de ${r.figures} figuras con PNG, ${r.texts} textos · ${r.seconds.toFixed(1)} s`);
  }
}
