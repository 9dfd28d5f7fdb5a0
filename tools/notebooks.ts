/**
 * Notebook execution shared by `deno task course`, `deno task nb` and the notebook tests: lists the
 * course notebooks, runs each through the real Deno Jupyter kernel (`tools/run_notebook.py`, nbclient), adds
 * static PNGs of its plotly figures and signs it (`tools/static_outputs.ts`), renders the executed notebook
 * to offline HTML and formats the summary table.
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { existsSync } from "node:fs";
import { commitTemp, tempPathFor } from "../lib/engine/files.ts";
import { addStaticOutputs, type StaticOutputsResult, trustNotebook } from "./static_outputs.ts";
import { addMath, notebookHasMath } from "./math_html.ts";

/** Repository root (the folder holding `deno.json`). */
export const ROOT: string = resolve(import.meta.dirname ?? ".", "..");
/** Folder of the instructor notebooks. */
export const NOTEBOOKS_DIR: string = join(ROOT, "notebooks");
/** Folder of the generated student notebooks. */
export const STUDENT_DIR: string = join(NOTEBOOKS_DIR, "student");
/** Debian's Python, which has nbclient/nbconvert (a `python3` on PATH may be another one). */
export const PYTHON: string = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
/** Project-local Jupyter data dir holding the Deno kernelspec (installed by `tools/setup.sh`). */
export const JUPYTER_DATA: string = join(ROOT, ".jupyter");
/** Message prefix of an unanswered exercise (thrown by the checks of `lib/course/exercises.ts`). */
export const UNANSWERED = "todavía sin responder";

/** Options for {@link listNotebooks}. */
export interface ListOptions {
  /** Include `notebooks/student/*.ipynb` after the instructor notebooks (default false). */
  student?: boolean;
  /** Folder to list instead of `notebooks/` (tests use a temporary folder). */
  dir?: string;
}

/** Sorted paths of the course notebooks (`notebooks/*.ipynb`), optionally followed by the student versions. */
export function listNotebooks(options: ListOptions = {}): string[] {
  const dir = options.dir ?? NOTEBOOKS_DIR;
  const list = (d: string) =>
    existsSync(d)
      ? [...Deno.readDirSync(d)].filter((e) => e.isFile && e.name.endsWith(".ipynb") && !e.name.startsWith("."))
        .map((e) => join(d, e.name)).sort()
      : [];
  return [...list(dir), ...(options.student ? list(join(dir, "student")) : [])];
}

/** True for a generated student version (`notebooks/student/…`). */
export function isStudentNotebook(path: string): boolean {
  return basename(dirname(resolve(path))) === "student";
}

/** One cell of an nbformat 4 notebook (the fields this kit uses). */
export interface NotebookCell {
  /** `code`, `markdown` or `raw`. */
  cell_type: string;
  /** The cell text, as one string or as lines (each ending in "\\n" but the last). */
  source: string | string[];
  /** Cell metadata. */
  metadata: Record<string, unknown>;
  /** Outputs of a code cell. */
  outputs?: unknown[];
  /** Execution counter of a code cell (null when never run). */
  execution_count?: number | null;
  /** nbformat ≥ 4.5 cell id. */
  id?: string;
}

/** An nbformat 4 notebook. */
export interface Notebook {
  /** The cells, in order. */
  cells: NotebookCell[];
  /** Notebook metadata (kernelspec, language_info). */
  metadata: Record<string, unknown>;
  /** Major format version (4). */
  nbformat: number;
  /** Minor format version. */
  nbformat_minor: number;
}

/** Reads and parses a notebook file. */
export function readNotebook(path: string): Notebook {
  const nb = JSON.parse(Deno.readTextFileSync(path)) as Notebook;
  if (!Array.isArray(nb?.cells)) throw new Error(`${path} no parece un cuaderno de Jupyter: le falta "cells".`);
  return nb;
}

/** A cell's text as one string. */
export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** The code cells of a notebook concatenated in order (one TypeScript module, as the kernel runs them). */
export function notebookCode(nb: Notebook): string {
  return nb.cells.filter((c) => c.cell_type === "code")
    .map((c, i) => `// --- celda de código ${i + 1} ---\n${cellSource(c)}\n`).join("\n");
}

/** Options for {@link runNotebook}. */
export interface RunOptions {
  /** Folder for the executed notebook (default `build/notebooks`); student versions go to its `student/`. */
  outDir?: string;
  /** Folder for the HTML rendering, or `false` for none (default `build/html`). */
  htmlDir?: string | false;
  /**
   * Expect execution to stop at a cell error whose message matches this pattern (student versions stop at
   * the first unanswered exercise). Default: no error expected, except for student notebooks, where it is
   * {@link UNANSWERED}.
   */
  expectError?: string | null;
  /** Per-cell timeout in seconds (default 600). */
  cellTimeoutS?: number;
  /** Environment variables added to the kernel's (e.g. `TFJS_BACKEND`). */
  env?: Record<string, string>;
  /**
   * Add a static PNG of every plotly figure to the executed notebook (`tools/static_outputs.ts`) and sign it
   * for the project-local Jupyter (`jupyter trust`), so it shows everything when reopened. Default true.
   */
  finish?: boolean;
}

/** What running one notebook gave. */
export interface NotebookResult {
  /** Notebook path relative to the repository root. */
  notebook: string;
  /** `ok`: ran (or stopped at the expected error); `error`: failed; `html-error`: ran but HTML failed. */
  status: "ok" | "error" | "html-error";
  /** Execution seconds (kernel start to last cell), or wall seconds when the runner failed early. */
  seconds: number;
  /** The executed notebook, when written. */
  executed?: string;
  /** The HTML rendering, when written. */
  html?: string;
  /** Outputs that arrived after their cell completed (the kernel bug the runner works around). */
  lateOutputs: number;
  /** IOPub messages the runner dropped because their signature did not verify (a rare kernel glitch). */
  badMessages: number;
  /** Peak resident memory of the notebook's kernel process in MB (10⁶ bytes), when it could be read. */
  peakMB?: number;
  /** What `tools/static_outputs.ts` added to the executed notebook (figures' PNGs, texts). */
  staticOutputs?: StaticOutputsResult;
  /** The failing cell, when execution stopped at an error (expected or not). */
  error?: { cellIndex: number | null; ename: string; evalue: string; source: string };
  /** Human-readable failure message (runner stderr), empty when ok. */
  message: string;
}

interface RunnerReport {
  status: "ok" | "error";
  seconds: number;
  late_outputs: number;
  bad_messages?: number;
  peak_rss_mb?: number | null;
  error: null | { cell_index: number | null; ename: string; evalue: string; source: string };
}

const decoder = new TextDecoder();

async function ensureKernel(): Promise<void> {
  const spec = join(JUPYTER_DATA, "jupyter", "kernels", "deno", "kernel.json");
  if (existsSync(spec)) return;
  const out = await new Deno.Command("bash", {
    args: [join(ROOT, "tools", "setup.sh")],
    env: { DENO: Deno.execPath() },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("tools/setup.sh falló: no se pudo preparar el kernel Deno de Jupyter.");
}

/**
 * Renders an executed notebook to standalone offline HTML (no CDN scripts; plotly fallbacks kept; formulas
 * typeset by KaTeX embedded from npm, see `tools/math_html.ts`).
 */
export async function renderHtml(executed: string, htmlPath: string): Promise<void> {
  await Deno.mkdir(dirname(htmlPath), { recursive: true });
  const tmpBase = basename(tempPathFor(htmlPath), ".html");
  const out = await new Deno.Command(PYTHON, {
    args: [
      "-m",
      "nbconvert",
      "--to",
      "html",
      `--TemplateExporter.extra_template_basedirs=${join(ROOT, "tools", "nbconvert")}`,
      "--template",
      "offline",
      "--HTMLExporter.sanitize_html=False",
      "--output-dir",
      dirname(htmlPath),
      "--output",
      tmpBase,
      executed,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`nbconvert falló con ${executed}:\n${decoder.decode(out.stderr)}`);
  const tmp = join(dirname(htmlPath), tmpBase + ".html");
  if (notebookHasMath(readNotebook(executed))) await Deno.writeTextFile(tmp, addMath(await Deno.readTextFile(tmp)));
  await commitTemp(tmp, htmlPath);
}

/**
 * Executes one notebook through the Deno kernel, writes the executed notebook (and its HTML) and returns
 * what happened. Never throws for a failing notebook: check `status`.
 */
export async function runNotebook(path: string, options: RunOptions = {}): Promise<NotebookResult> {
  await ensureKernel();
  const abs = resolve(path);
  if (!existsSync(abs)) throw new Error(`No existe el cuaderno ${path}.`);
  const student = isStudentNotebook(abs);
  const sub = student ? "student" : "";
  const outDir = join(options.outDir ?? join(ROOT, "build", "notebooks"), sub);
  const htmlDir = options.htmlDir === false ? undefined : join(options.htmlDir ?? join(ROOT, "build", "html"), sub);
  const executed = join(outDir, basename(abs));
  const report = join(outDir, `.${basename(abs, ".ipynb")}.${Deno.pid}.report.json`);
  const expectError = options.expectError === undefined ? (student ? UNANSWERED : null) : options.expectError;
  await Deno.mkdir(outDir, { recursive: true });

  const args = [join(ROOT, "tools", "run_notebook.py"), abs, "--out", executed, "--report", report];
  args.push("--timeout", String(options.cellTimeoutS ?? 600));
  if (expectError) args.push("--expect-error", expectError);
  const started = performance.now();
  const out = await new Deno.Command(PYTHON, {
    args,
    cwd: dirname(abs),
    env: { XDG_DATA_HOME: JUPYTER_DATA, NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const errText = decoder.decode(out.stderr).split("\n")
    .filter((l) => !l.includes('"deno jupyter" is unstable')).join("\n").trim();
  let rep: RunnerReport | undefined;
  try {
    rep = JSON.parse(await Deno.readTextFile(report));
    await Deno.remove(report);
  } catch { /* the runner died before writing its report */ }

  const result: NotebookResult = {
    notebook: relative(ROOT, abs),
    status: out.success ? "ok" : "error",
    seconds: rep?.seconds ?? (performance.now() - started) / 1000,
    executed: existsSync(executed) ? executed : undefined,
    lateOutputs: rep?.late_outputs ?? 0,
    badMessages: rep?.bad_messages ?? 0,
    peakMB: rep?.peak_rss_mb ?? undefined,
    message: out.success ? "" : errText,
  };
  if (rep?.error) {
    const e = rep.error;
    result.error = { cellIndex: e.cell_index, ename: e.ename, evalue: e.evalue, source: e.source };
  }
  if (result.executed && options.finish !== false) {
    try {
      result.staticOutputs = await addStaticOutputs(result.executed);
      await trustNotebook(result.executed, { xdgDataHome: JUPYTER_DATA, python: PYTHON });
    } catch (e) {
      if (result.status === "ok") {
        result.status = "html-error";
        result.message = `figuras estáticas o firma del cuaderno: ${(e as Error).message}`;
      }
    }
  }
  if (htmlDir && result.executed) {
    const html = join(htmlDir, basename(abs, ".ipynb") + ".html");
    try {
      await renderHtml(result.executed, html);
      result.html = html;
    } catch (e) {
      if (result.status === "ok") {
        result.status = "html-error";
        result.message = (e as Error).message;
      }
    }
  }
  return result;
}

/** Runs `fn` over `items` with at most `jobs` at a time; results keep the order of `items`. */
export async function mapPool<T, R>(items: T[], jobs: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}

/**
 * Peak memory of one notebook's kernel above which the notebook is a defect to fix: a student's 8 GB
 * laptop also runs the browser, the editor and the system.
 */
export const MAX_NOTEBOOK_MB = 2000;

/** Notebooks whose kernel peaked above {@link MAX_NOTEBOOK_MB}. */
export function memoryDefects(results: NotebookResult[]): NotebookResult[] {
  return results.filter((r) => r.peakMB !== undefined && r.peakMB > MAX_NOTEBOOK_MB);
}

/**
 * The summary table printed by `deno task course`: notebook, status, seconds and the kernel's peak
 * resident memory in MB (`?` when unknown; `⚠` above {@link MAX_NOTEBOOK_MB}).
 */
export function formatTable(results: NotebookResult[]): string {
  const mb = (r: NotebookResult) =>
    r.peakMB === undefined ? "?" : `${r.peakMB > MAX_NOTEBOOK_MB ? "⚠ " : ""}${Math.round(r.peakMB)}`;
  const rows = results.map((r) => [r.notebook, r.status, r.seconds.toFixed(1), mb(r)]);
  const head = ["cuaderno", "estado", "segundos", "MB pico"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  const total = results.reduce((s, r) => s + r.seconds, 0);
  const peaks = results.flatMap((r) => r.peakMB === undefined ? [] : [r.peakMB]);
  const peak = peaks.length ? ` · pico máximo ${Math.round(Math.max(...peaks))} MB` : "";
  return [
    line(head),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(line),
    `total: ${total.toFixed(1)} s${peak}`,
  ].join("\n");
}
