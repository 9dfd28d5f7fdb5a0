/// <reference lib="dom" />
/**
 * A real Jupyter page for tests: Debian's classic Notebook 6 (`jupyter-notebook`) served on 127.0.0.1 with
 * the project-local Deno kernel (`XDG_DATA_HOME=<repo>/.jupyter`, as `tools/setup.sh` installs it), token
 * auth and its own notebook folder, driven by headless Debian Chromium through `puppeteer-core`.
 *
 * ```ts
 * await withJupyter({ notebookDir: dir }, async (jupyter) => {
 *   const nb = await jupyter.open("00_entorno.ipynb");
 *   await nb.runAll();                        // Cell → Run All, then waits for the kernel to be idle
 *   const out = await nb.outputs();           // what the page shows, cell by cell
 *   await nb.screenshot("build/shot.png");
 * });                                         // server, kernels and browser are gone, even on failure
 * ```
 *
 * Lower level: {@link startJupyter} (returns `url`, `stop()`), {@link openNotebook} on a puppeteer browser
 * from `tools/browser.ts`. A {@link NotebookPage} can run all cells or one, interrupt the kernel (the toolbar's
 * Stop), wait for idle, read the outputs (text, error outputs, plotly figures drawn as `.main-svg`, images,
 * markdown), report the kernel state (alive, restarted, dead) and save a full-page screenshot.
 * @module
 */
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { type Chromium, closeChromium, collectPageErrors, launchChromium, screenshotPage } from "./browser.ts";
import { JUPYTER_DATA } from "./notebooks.ts";

/** Debian's classic Notebook 6 launcher (package `jupyter-notebook`). */
export const JUPYTER_NOTEBOOK = "/usr/bin/jupyter-notebook";

/** Options for {@link startJupyter}. */
export interface ServerOptions {
  /** Folder the server serves (default: a new temporary folder, removed by `stop()`). */
  notebookDir?: string;
  /**
   * Notebook signatures: `"project"` (default) uses the project-local trust database in `.jupyter/`, the one
   * `jupyter trust` writes with `XDG_DATA_HOME=<repo>/.jupyter`; `"none"` starts with an empty in-memory
   * database, so every notebook on disk opens untrusted (as for a user who never signed it).
   */
  trust?: "project" | "none";
  /** Seconds to wait for the server to answer (default 60). */
  timeoutS?: number;
}

/** A running Notebook 6 server. */
export interface JupyterServer {
  /** Base URL, e.g. `http://127.0.0.1:41234/` (every request needs {@link token}). */
  url: string;
  /** The auth token. */
  token: string;
  /** The folder it serves. */
  notebookDir: string;
  /** The server's log (stdout and stderr so far), for failure messages. */
  log(): string;
  /** GET a REST path (e.g. `api/kernels`) with the token; returns the parsed JSON. */
  api(path: string): Promise<unknown>;
  /** Stops the server and its kernels (SIGTERM, then SIGKILL after 10 s) and removes temporary folders. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts `jupyter-notebook` on 127.0.0.1 on a free port with the project's Deno kernel and a random token.
 * Its config and runtime folders are temporary, so the user's own Jupyter configuration plays no part.
 */
export async function startJupyter(options: ServerOptions = {}): Promise<JupyterServer> {
  try {
    await Deno.stat(JUPYTER_NOTEBOOK);
  } catch {
    throw new Error(
      `No encuentro ${JUPYTER_NOTEBOOK}: instala el paquete Debian jupyter-notebook (tools/setup.sh lo hace).`,
    );
  }
  try {
    await Deno.stat(join(JUPYTER_DATA, "jupyter", "kernels", "deno", "kernel.json"));
  } catch {
    throw new Error("Falta el kernel Deno del proyecto en .jupyter/: ejecuta `bash tools/setup.sh`.");
  }
  const scratch = await Deno.makeTempDir({ prefix: "jupyter_page_" });
  const ownDir = options.notebookDir === undefined;
  const notebookDir = options.notebookDir ?? join(scratch, "notebooks");
  if (ownDir) await Deno.mkdir(notebookDir);
  const token = crypto.randomUUID().replaceAll("-", "");
  const timeoutMs = (options.timeoutS ?? 60) * 1000;
  let logText = "";
  for (let attempt = 0;; attempt++) {
    const port = freePort();
    const args = [
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--port-retries=0",
      `--notebook-dir=${notebookDir}`,
      `--NotebookApp.token=${token}`,
      "--NotebookApp.password=",
      "--NotebookApp.open_browser=False",
      "--NotebookApp.shutdown_no_activity_timeout=0",
    ];
    if (Deno.uid() === 0) args.push("--allow-root"); // containers and CI often run as root
    if (options.trust === "none") args.push("--NotebookNotary.db_file=:memory:");
    const child = new Deno.Command(JUPYTER_NOTEBOOK, {
      args,
      env: {
        XDG_DATA_HOME: JUPYTER_DATA,
        JUPYTER_CONFIG_DIR: join(scratch, "config"),
        JUPYTER_RUNTIME_DIR: join(scratch, "runtime"),
        IPYTHONDIR: join(scratch, "ipython"),
        NO_COLOR: "1",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    logText = "";
    const drain = async (s: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      for await (const chunk of s) logText += decoder.decode(chunk, { stream: true });
    };
    const drained = Promise.all([drain(child.stdout), drain(child.stderr)]).catch(() => {});
    let exited = false;
    const status = child.status.then((s) => {
      exited = true;
      return s;
    });
    const url = `http://127.0.0.1:${port}/`;
    const stop = async () => {
      if (!exited) {
        try {
          child.kill("SIGTERM"); // Notebook 6 shuts its kernels down on SIGTERM
        } catch { /* exited */ }
        const killed = await Promise.race([status.then(() => true), sleep(10_000).then(() => false)]);
        if (!killed) {
          try {
            child.kill("SIGKILL");
          } catch { /* exited */ }
          await status;
        }
      }
      await drained;
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
    };
    const deadline = Date.now() + timeoutMs;
    let up = false;
    while (!exited && Date.now() < deadline) {
      try {
        const r = await fetch(`${url}api/status?token=${token}`);
        await r.body?.cancel();
        if (r.ok) {
          up = true;
          break;
        }
      } catch { /* not listening yet */ }
      await sleep(200);
    }
    if (up) {
      return {
        url,
        token,
        notebookDir,
        log: () => logText,
        api: async (path: string) => {
          const r = await fetch(`${url}${path}${path.includes("?") ? "&" : "?"}token=${token}`);
          if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
          return await r.json();
        },
        stop,
      };
    }
    const portTaken = /already in use|Address already in use/i.test(logText);
    await stop().catch(() => {});
    if (!(portTaken && attempt < 3)) {
      throw new Error(`jupyter-notebook no arrancó en ${timeoutMs / 1000} s:\n${logText.slice(-3000)}`);
    }
    await Deno.mkdir(scratch, { recursive: true }); // stop() removed it; try another port
    if (ownDir) await Deno.mkdir(notebookDir, { recursive: true });
  }
}

/** Kernel state as the page sees it. */
export interface KernelState {
  /** The kernel id (changes if the page starts a new kernel). */
  id: string | null;
  /**
   * Last kernel event: `idle`, `busy`, `starting`, `restarting`, `dead`, `interrupting`, … After a kernel
   * dies and the server restarts it, this stays `restarting` until the new kernel next reports a state.
   */
  status: string;
  /** True when the kernel is connected, known to the server, and its last event is not dead/restarting. */
  alive: boolean;
  /** Restarts the page saw (automatic ones after a crash included). */
  restarts: number;
  /** The server's view (`/api/kernels/<id>`): `idle`, `busy`, `starting`, or `gone` if it has no such kernel. */
  serverState: string;
}

/** One output as the page draws it. */
export interface OutputView {
  /** `stream`, `execute_result`, `display_data` or `error` (from the page's output model). */
  type: string;
  /** MIME types in the output's bundle (empty for streams and errors). */
  mimeTypes: string[];
  /** Visible text of the output element (tracebacks included). */
  text: string;
  /** True for an error output (a traceback) or stderr. */
  error: boolean;
  /** Plotly containers in this output. */
  plots: number;
  /** Plotly containers that hold a drawn `.main-svg`. */
  drawnPlots: number;
  /** Images shown: loaded `<img>` (png/jpeg/svg data) with a non-zero size, and inline `<svg>` outside plotly. */
  images: number;
  /** True when the element is visible and has some content (text, image or figure). */
  visible: boolean;
}

/** The outputs of one code cell. */
export interface CellView {
  /** Index among all cells of the notebook. */
  index: number;
  /** The `In [n]` counter (`*` while queued or running, null if never run). */
  prompt: string | number | null;
  /** Cell source. */
  source: string;
  /** Outputs, in order, as drawn (an output the page cannot show at all has no element, so it is missing here). */
  outputs: OutputView[];
  /** Outputs in the cell's model (the notebook file): more than `outputs.length` if some were not drawn. */
  modelOutputs: number;
}

/** Totals over {@link CellView}s. */
export interface OutputSummary {
  /** Plotly containers and those drawn. */
  plots: number;
  drawnPlots: number;
  /** Images shown. */
  images: number;
  /** Error outputs (tracebacks, stderr) with their text. */
  errors: string[];
  /**
   * Outputs the page shows empty (e.g. a sanitised HTML figure) or not at all (e.g. Markdown alone in an
   * untrusted notebook: the page draws no element for it).
   */
  blank: number;
}

/** Adds up the views of {@link NotebookPage.outputs}. */
export function summarize(cells: CellView[]): OutputSummary {
  const all = cells.flatMap((c) => c.outputs);
  return {
    plots: all.reduce((s, o) => s + o.plots, 0),
    drawnPlots: all.reduce((s, o) => s + o.drawnPlots, 0),
    images: all.reduce((s, o) => s + o.images, 0),
    errors: all.filter((o) => o.error).map((o) => o.text),
    blank: all.filter((o) => !o.visible).length +
      cells.reduce((s, c) => s + Math.max(0, c.modelOutputs - c.outputs.length), 0),
  };
}

/** A notebook open in a Jupyter page. */
export interface NotebookPage {
  /** The puppeteer page (for anything this interface lacks). */
  page: Page;
  /**
   * Console errors and uncaught exceptions of the page so far, less two harmless ones of Notebook 6 itself:
   * the 404 of the optional ipywidgets extension (its main.js always tries to load it) and MathJax 2's probe
   * of its `MathJax_Blank` font, declared with `src: url('about:blank')`.
   */
  pageErrors(): string[];
  /** True when Jupyter opened the notebook as trusted (signed). */
  trusted(): Promise<boolean>;
  /** Cell → Run All, then {@link waitIdle}. */
  runAll(options?: WaitOptions): Promise<void>;
  /** Runs the cell at `index` (Shift+Enter without moving), then {@link waitIdle} unless `wait` is false. */
  runCell(index: number, options?: WaitOptions & { wait?: boolean }): Promise<void>;
  /** Appends a code cell with `code` at the bottom and returns its index (does not run it). */
  appendCell(code: string): Promise<number>;
  /** Interrupts the kernel (the toolbar's ■ Stop: `Jupyter.notebook.kernel.interrupt()`). */
  interrupt(): Promise<void>;
  /**
   * Waits until no cell is queued or running and the kernel reports idle, then lets late outputs and figures
   * arrive. Throws on timeout, or if the kernel dies or restarts (unless `allowRestart`).
   */
  waitIdle(options?: WaitOptions): Promise<void>;
  /** What the page shows in every code cell's output area. */
  outputs(): Promise<CellView[]>;
  /** Kernel id, status and whether it is alive, from the page and from the server. */
  kernel(): Promise<KernelState>;
  /** Saves a full-page PNG screenshot (the whole notebook, not only the viewport). */
  screenshot(path: string): Promise<void>;
  /** Closes the page (the kernel keeps running on the server until it stops). */
  close(): Promise<void>;
}

/** Options for waiting on the kernel. */
export interface WaitOptions {
  /** Seconds before giving up (default 600). */
  timeoutS?: number;
  /** Milliseconds to keep waiting after idle for late outputs and figures to draw (default 800). */
  settleMs?: number;
  /** Do not throw when the kernel restarts (dies and is restarted by the server) while waiting. */
  allowRestart?: boolean;
}

/** Milliseconds a page may say "busy" with no cell pending before {@link NotebookPage.waitIdle} asks the kernel. */
export const STUCK_PROBE_MS = 3000;

// deno-lint-ignore no-explicit-any
type Any = any;
declare const Jupyter: Any;

/**
 * Opens `relPath` (relative to the server's notebook folder) in a new tab of `browser`, waits until the
 * notebook is loaded and its kernel is ready, and returns a handle to drive it.
 */
export async function openNotebook(
  server: JupyterServer,
  browser: Browser,
  relPath: string,
  options: { timeoutS?: number } = {},
): Promise<NotebookPage> {
  const timeout = (options.timeoutS ?? 60) * 1000;
  const page = await browser.newPage();
  const allErrors = collectPageErrors(page);
  const harmless = [
    /nbextensions\/widgets\/notebook\/js\/extension\.js/,
    /font at 'about:blank'/,
    /ERR_FAILED about:blank$/,
  ];
  const pageErrors = () => allErrors.filter((e) => !harmless.some((h) => h.test(e)));
  // Record kernel events from the first moment (before the notebook's own scripts run).
  await page.evaluateOnNewDocument(() => {
    const w = globalThis as Any;
    w.__kernelLog = { status: "unknown", restarts: 0 };
    const hook = () => {
      if (!w.require || !w.Jupyter?.notebook?.events) return setTimeout(hook, 50);
      const ev = w.Jupyter.notebook.events;
      for (const name of ["idle", "busy", "starting", "ready", "restarting", "dead", "interrupting", "killed"]) {
        ev.on(`kernel_${name}.Kernel`, () => {
          w.__kernelLog.status = name;
          if (name === "restarting") w.__kernelLog.restarts++;
        });
      }
      for (const name of ["disconnected", "connection_failed", "connection_dead", "failed_restart"]) {
        ev.on(`kernel_${name}.Kernel`, () => (w.__kernelLog.status = name));
      }
    };
    hook();
  });
  const url = `${server.url}notebooks/${relPath.split("/").map(encodeURIComponent).join("/")}?token=${server.token}`;
  const resp = await page.goto(url, { waitUntil: "load", timeout });
  if (!resp?.ok()) throw new Error(`Jupyter no abrió ${relPath}: HTTP ${resp?.status()}\n${server.log().slice(-2000)}`);
  try {
    await page.waitForFunction(
      () =>
        (globalThis as Any).Jupyter?.notebook?._fully_loaded &&
        Jupyter.notebook.kernel?.is_connected?.() && Jupyter.notebook.kernel.info_reply?.protocol_version,
      { timeout, polling: 100 },
    );
  } catch (e) {
    throw new Error(
      `El cuaderno ${relPath} no cargó o su kernel no arrancó: ${(e as Error).message}\n` +
        `errores de la página: ${pageErrors().join("\n")}\nservidor:\n${server.log().slice(-3000)}`,
    );
  }

  const kernel = async (): Promise<KernelState> => {
    const s = await page.evaluate(() => {
      const k = Jupyter.notebook.kernel;
      const log = (globalThis as Any).__kernelLog;
      return { id: k?.id ?? null, status: log.status, connected: !!k?.is_connected?.(), restarts: log.restarts };
    });
    let serverState = "gone";
    if (s.id) {
      try {
        serverState = ((await server.api(`api/kernels/${s.id}`)) as { execution_state: string }).execution_state;
      } catch { /* no such kernel */ }
    }
    const dead = ["dead", "restarting", "killed", "connection_failed", "connection_dead", "failed_restart"];
    return {
      id: s.id,
      status: s.status,
      alive: s.connected && !dead.includes(s.status) && serverState !== "gone",
      restarts: s.restarts,
      serverState,
    };
  };

  const waitIdle = async (opts: WaitOptions = {}) => {
    const deadline = Date.now() + (opts.timeoutS ?? 600) * 1000;
    const restarts0 = await page.evaluate(() => (globalThis as Any).__kernelLog.restarts);
    let quietSince = 0, stuckSince = 0, lastProbe = 0, probes = 0;
    while (true) {
      const s = await page.evaluate(() => {
        const cells = Jupyter.notebook.get_cells();
        // "*" from the moment a cell is queued until its execute_reply; the page clears it on a restart.
        const pending = cells.filter((c: Any) => c.cell_type === "code" && c.input_prompt_number === "*").length;
        const log = (globalThis as Any).__kernelLog;
        return { pending, status: log.status, restarts: log.restarts };
      });
      if (["dead", "connection_failed", "connection_dead", "failed_restart"].includes(s.status)) {
        throw new Error(`El kernel murió (estado ${s.status}).\nservidor:\n${server.log().slice(-3000)}`);
      }
      if (s.restarts > restarts0 && !opts.allowRestart) {
        throw new Error(
          `El kernel murió y el servidor lo reinició durante la espera.\nservidor:\n${server.log().slice(-3000)}`,
        );
      }
      const quiet = s.pending === 0 && s.status !== "busy";
      if (quiet && !quietSince) quietSince = Date.now();
      if (!quiet) quietSince = 0;
      if (quietSince && Date.now() - quietSince >= (opts.settleMs ?? 800)) break;
      // Every cell answered but the page still says "busy": the kernel's "idle" status message may have been
      // lost (Deno's kernel once in a while sends one with an invalid signature, which the server drops). Ask
      // the kernel for its info: it answers between a fresh busy and idle pair, which settles the status.
      const stuck = s.pending === 0 && s.status === "busy";
      if (stuck && !stuckSince) stuckSince = Date.now();
      if (!stuck) stuckSince = 0;
      if (stuck && Date.now() - stuckSince >= STUCK_PROBE_MS && Date.now() - lastProbe >= STUCK_PROBE_MS) {
        lastProbe = Date.now();
        probes++;
        await page.evaluate(() => Jupyter.notebook.kernel.kernel_info());
      }
      if (Date.now() > deadline) {
        // What the server and the page saw, so that a hang under load can be told apart from a slow cell.
        const k = await kernel().catch((e) => ({ error: String(e) }));
        const prompts = await page.evaluate(() =>
          (Jupyter.notebook.get_cells() as Any[]).filter((c) => c.cell_type === "code").map((c) =>
            c.input_prompt_number
          )
        ).catch(() => []);
        throw new Error(
          `El kernel sigue ocupado tras ${opts.timeoutS ?? 600} s (${s.pending} celdas pendientes, estado ` +
            `${s.status}, ${probes} consultas de estado sin respuesta).\nkernel: ${JSON.stringify(k)}\n` +
            `números de ejecución: ${JSON.stringify(prompts)}\nerrores de la página: ${pageErrors().join("\n")}\n` +
            `servidor:\n${server.log().slice(-3000)}`,
        );
      }
      await sleep(100);
    }
    // Figures draw asynchronously: give plotly containers up to 10 s to get their SVG.
    const figDeadline = Date.now() + 10_000;
    while (Date.now() < figDeadline) {
      const pending = await page.evaluate(() =>
        [...document.querySelectorAll(".output_area .js-plotly-plot")].filter((p) => !p.querySelector(".main-svg"))
          .length
      );
      if (pending === 0) break;
      await sleep(200);
    }
  };

  return {
    page,
    pageErrors,
    trusted: () => page.evaluate(() => !!Jupyter.notebook.trusted),
    async runAll(opts) {
      await page.evaluate(() => Jupyter.notebook.execute_all_cells());
      await sleep(200);
      await waitIdle(opts);
    },
    async runCell(index, opts = {}) {
      await page.evaluate((i: number) => Jupyter.notebook.execute_cells([i]), index);
      await sleep(200);
      if (opts.wait !== false) await waitIdle(opts);
    },
    appendCell: (code) =>
      page.evaluate((text: string) => {
        const cell = Jupyter.notebook.insert_cell_at_bottom("code");
        cell.set_text(text);
        return Jupyter.notebook.find_cell_index(cell);
      }, code),
    async interrupt() {
      await page.evaluate(() => Jupyter.notebook.kernel.interrupt());
    },
    waitIdle,
    outputs: () =>
      page.evaluate(() => {
        const cells = Jupyter.notebook.get_cells() as Any[];
        const views = [];
        for (let i = 0; i < cells.length; i++) {
          const c = cells[i];
          if (c.cell_type !== "code") continue;
          const models = c.output_area.outputs as Any[];
          const els = [...c.output_area.element[0].querySelectorAll(":scope > .output_area")] as HTMLElement[];
          const outputs = els.map((el, j) => {
            const m = models[j] ?? {};
            const sub = el.querySelector(".output_subarea") as HTMLElement | null;
            const plots = [...el.querySelectorAll(".js-plotly-plot")];
            const drawn = plots.filter((p) => p.querySelector(".main-svg")).length;
            const imgs = [...el.querySelectorAll("img")].filter((im) =>
              (im as HTMLImageElement).complete && (im as HTMLImageElement).naturalWidth > 0
            ).length;
            const svgs = [...el.querySelectorAll("svg")].filter((s) =>
              !s.closest(".js-plotly-plot") && !s.parentElement?.closest("svg") &&
              s.getBoundingClientRect().width > 0
            ).length;
            const text = (sub?.innerText ?? "").trim();
            const error = m.output_type === "error" || !!el.querySelector(".output_error, .output_stderr");
            const box = sub?.getBoundingClientRect();
            return {
              type: m.output_type ?? "unknown",
              mimeTypes: m.data ? Object.keys(m.data) : [],
              text,
              error,
              plots: plots.length,
              drawnPlots: drawn,
              images: imgs + svgs,
              visible: !!box && box.height > 0 && (text.length > 0 || imgs + svgs + drawn > 0),
            };
          });
          const prompt = c.input_prompt_number;
          views.push({
            index: i,
            prompt: prompt === undefined ? null : prompt,
            source: c.get_text(),
            outputs,
            modelOutputs: models.length,
          });
        }
        return views;
      }),
    kernel,
    screenshot: (path) => screenshotPage(page, path),
    close: () => page.close(),
  };
}

/** A server and a browser, for {@link withJupyter}. */
export interface JupyterSession {
  /** The running server. */
  server: JupyterServer;
  /** The running browser. */
  browser: Browser;
  /** Opens a notebook of the server's folder (see {@link openNotebook}). */
  open(relPath: string, options?: { timeoutS?: number }): Promise<NotebookPage>;
}

/**
 * Starts a Notebook 6 server and headless Chromium, runs `fn`, and always stops both (and the kernels the
 * server started), whether `fn` returns or throws.
 */
export async function withJupyter<T>(
  options: ServerOptions,
  fn: (session: JupyterSession) => Promise<T>,
): Promise<T> {
  let server: JupyterServer | undefined;
  let chromium: Chromium | undefined;
  try {
    server = await startJupyter(options);
    chromium = await launchChromium({ width: 1200, height: 900 });
    const s = server, b = chromium.browser;
    return await fn({ server: s, browser: b, open: (p, o) => openNotebook(s, b, p, o) });
  } finally {
    await closeChromium(chromium);
    await server?.stop();
  }
}
