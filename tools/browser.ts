/**
 * Opens an HTML file in headless Debian Chromium through the DevTools protocol (no browser download, no npm
 * package): counts the plotly figures drawn, collects console errors and uncaught exceptions, and can save a
 * full-page screenshot to look at a rendered notebook.
 *
 * CLI: `deno run -A tools/browser.ts build/html/00_entorno.html [shot.png]` prints the check as JSON.
 * @module
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Options for {@link renderPage}. */
export interface RenderOptions {
  /** Write a full-page PNG screenshot here. */
  screenshot?: string;
  /** Seconds to wait for the page and its figures (default 60). */
  timeoutS?: number;
  /** Viewport width in CSS pixels (default 1100). */
  width?: number;
}

/** What the page showed. */
export interface RenderResult {
  /** Plotly containers (`.js-plotly-plot`) in the page. */
  plots: number;
  /** Plotly containers that hold a drawn `.main-svg`. */
  drawnPlots: number;
  /** All `.main-svg` elements (plotly draws two or three per figure). */
  mainSvgs: number;
  /** Console errors, uncaught exceptions and failed loads. */
  errors: string[];
  /** Document title. */
  title: string;
}

interface CdpMessage {
  id?: number;
  method?: string;
  sessionId?: string;
  // deno-lint-ignore no-explicit-any
  params?: any;
  // deno-lint-ignore no-explicit-any
  result?: any;
  error?: { message: string };
}

/** A minimal DevTools protocol client over the browser WebSocket (flattened sessions). */
class Cdp {
  #ws: WebSocket;
  #next = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #listeners: Array<(m: CdpMessage) => void> = [];

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as CdpMessage;
      if (msg.id !== undefined && this.#pending.has(msg.id)) {
        const p = this.#pending.get(msg.id)!;
        this.#pending.delete(msg.id);
        if (msg.error) p.reject(new Error(msg.error.message));
        else p.resolve(msg.result);
      } else {
        for (const l of this.#listeners) l(msg);
      }
    };
  }

  static connect(url: string): Promise<Cdp> {
    return new Promise((res, rej) => {
      const ws = new WebSocket(url);
      ws.onopen = () => res(new Cdp(ws));
      ws.onerror = () => rej(new Error(`No se pudo conectar con Chromium en ${url}`));
    });
  }

  // deno-lint-ignore no-explicit-any
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<any> {
    const id = this.#next++;
    this.#ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  on(listener: (m: CdpMessage) => void): void {
    this.#listeners.push(listener);
  }

  close(): Promise<void> {
    return new Promise((res) => {
      if (this.#ws.readyState === WebSocket.CLOSED) return res();
      this.#ws.onclose = () => res();
      this.#ws.close();
    });
  }
}

async function readDevtoolsUrl(stderr: ReadableStream<Uint8Array>, timeoutMs: number): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const m = text.match(/DevTools listening on (ws:\/\/\S+)/);
    if (m) {
      // Keep draining stderr so Chromium never blocks on a full pipe.
      (async () => {
        try {
          while (!(await reader.read()).done) { /* discard */ }
        } catch { /* closed */ }
      })();
      return m[1];
    }
  }
  throw new Error(`Chromium no abrió el puerto de DevTools:\n${text.slice(-2000)}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Renders `htmlPath` in headless Chromium and reports the plotly figures drawn and any console errors.
 * Waits until every plotly container has its SVG (or the timeout passes).
 */
export async function renderPage(htmlPath: string, options: RenderOptions = {}): Promise<RenderResult> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No encuentro ${CHROMIUM}: instala el paquete Debian chromium (tools/setup.sh lo hace).`);
  }
  const abs = resolve(htmlPath);
  if (!existsSync(abs)) throw new Error(`No existe ${htmlPath}.`);
  const timeoutMs = (options.timeoutS ?? 60) * 1000;
  const profile = await Deno.makeTempDir({ prefix: "chromium_profile_" });
  const child = new Deno.Command(CHROMIUM, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--allow-file-access-from-files",
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      `--window-size=${options.width ?? 1100},900`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let cdp: Cdp | undefined;
  try {
    cdp = await Cdp.connect(await readDevtoolsUrl(child.stderr, timeoutMs));
    const errors: string[] = [];
    let loaded = false;
    cdp.on((m) => {
      if (m.method === "Runtime.consoleAPICalled" && (m.params.type === "error" || m.params.type === "assert")) {
        // deno-lint-ignore no-explicit-any
        errors.push("console: " + m.params.args.map((a: any) => a.value ?? a.description ?? "").join(" "));
      } else if (m.method === "Runtime.exceptionThrown") {
        const d = m.params.exceptionDetails;
        errors.push(`excepción: ${d.exception?.description ?? d.text} (línea ${d.lineNumber})`);
      } else if (m.method === "Log.entryAdded" && m.params.entry.level === "error") {
        errors.push(`log: ${m.params.entry.text} ${m.params.entry.url ?? ""}`.trim());
      } else if (m.method === "Page.loadEventFired") {
        loaded = true;
      }
    });
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    for (const domain of ["Page", "Runtime", "Log"]) await cdp.send(`${domain}.enable`, {}, sessionId);
    await cdp.send("Page.navigate", { url: pathToFileURL(abs).href }, sessionId);
    const deadline = Date.now() + timeoutMs;
    const evaluate = async (expression: string) =>
      (await cdp!.send("Runtime.evaluate", { expression, returnByValue: true }, sessionId)).result.value;
    const countJs = `(() => {
      const plots = [...document.querySelectorAll(".js-plotly-plot")];
      return { plots: plots.length, drawnPlots: plots.filter((p) => p.querySelector(".main-svg")).length,
               mainSvgs: document.querySelectorAll(".main-svg").length, title: document.title,
               ready: document.readyState };
    })()`;
    let counts = { plots: 0, drawnPlots: 0, mainSvgs: 0, title: "", ready: "" };
    while (Date.now() < deadline) {
      counts = await evaluate(countJs);
      if (loaded && counts.ready === "complete" && counts.drawnPlots === counts.plots) break;
      await sleep(250);
    }
    await sleep(300); // late console errors from figure scripts
    if (options.screenshot) {
      const { contentSize } = await cdp.send("Page.getLayoutMetrics", {}, sessionId);
      const shot = await cdp.send("Page.captureScreenshot", {
        format: "png",
        captureBeyondViewport: true,
        clip: { x: 0, y: 0, width: contentSize.width, height: Math.min(contentSize.height, 16000), scale: 1 },
      }, sessionId);
      const bytes = Uint8Array.from(atob(shot.data), (c) => c.charCodeAt(0));
      const tmp = `${options.screenshot}.${Deno.pid}.tmp`;
      await Deno.writeFile(tmp, bytes);
      await Deno.rename(tmp, options.screenshot);
    }
    return {
      plots: counts.plots,
      drawnPlots: counts.drawnPlots,
      mainSvgs: counts.mainSvgs,
      errors,
      title: counts.title,
    };
  } finally {
    try {
      await cdp?.send("Browser.close");
    } catch { /* already gone */ }
    await cdp?.close();
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const [html, shot] = Deno.args;
  if (!html) {
    console.error("Uso: deno run -A tools/browser.ts pagina.html [captura.png]");
    Deno.exit(2);
  }
  const r = await renderPage(html, { screenshot: shot });
  console.log(JSON.stringify(r, null, 1));
  Deno.exit(r.errors.length === 0 && r.drawnPlots === r.plots ? 0 : 1);
}
