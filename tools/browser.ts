/// <reference lib="dom" />
/**
 * Headless Debian Chromium for the kit's checks, driven by `puppeteer-core` (no browser download:
 * `executablePath` is Debian's `/usr/bin/chromium`). {@link launchChromium} starts a browser with a fresh
 * profile that {@link closeChromium} always removes; {@link renderPage} opens an HTML file, counts the plotly
 * figures drawn, collects console errors and uncaught exceptions, and can save a full-page screenshot to look
 * at a rendered notebook. `tools/jupyter_page.ts` drives a live Jupyter page with the same browser.
 *
 * CLI: `deno run -A tools/browser.ts build/html/00_entorno.html [shot.png]` prints the check as JSON.
 * @module
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { commitTemp, tempPathFor } from "../lib/engine/files.ts";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Options for {@link launchChromium}. */
export interface LaunchOptions {
  /** Viewport width in CSS pixels (default 1100). */
  width?: number;
  /** Viewport height in CSS pixels (default 900). */
  height?: number;
  /** Extra Chromium flags (e.g. `--allow-file-access-from-files`). */
  args?: string[];
}

/** A running headless Chromium and its throw-away profile folder. */
export interface Chromium {
  /** The puppeteer browser. */
  browser: Browser;
  /** The `--user-data-dir` created for this browser (removed by {@link closeChromium}). */
  profile: string;
}

/**
 * Starts headless Debian Chromium with a fresh profile and no network services (no sync, no component
 * updates, no QUIC). Close it with {@link closeChromium}, in a `finally`.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No encuentro ${CHROMIUM}: instala el paquete Debian chromium (tools/setup.sh lo hace).`);
  }
  const width = options.width ?? 1100, height = options.height ?? 900;
  const profile = await Deno.makeTempDir({ prefix: "chromium_profile_" });
  try {
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      ignoreDefaultArgs: true,
      defaultViewport: { width, height },
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: 60_000,
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
        "--hide-scrollbars",
        "--mute-audio",
        `--user-data-dir=${profile}`,
        `--window-size=${width},${height}`,
        ...(options.args ?? []),
        "about:blank",
      ],
    });
    return { browser, profile };
  } catch (e) {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
    throw e;
  }
}

/** Closes the browser (killing it if it does not answer) and removes its profile folder. */
export async function closeChromium(chromium: Chromium | undefined): Promise<void> {
  if (!chromium) return;
  const proc = chromium.browser.process();
  try {
    await Promise.race([chromium.browser.close(), new Promise((r) => setTimeout(r, 5000))]);
  } catch { /* already gone */ }
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    try {
      proc.kill("SIGKILL");
    } catch { /* exited */ }
  }
  await Deno.remove(chromium.profile, { recursive: true }).catch(() => {});
}

/** Collects console errors, uncaught exceptions and failed loads of `page` into the returned array. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "assert") {
      const loc = msg.location();
      // Chromium reports a failed resource load as a console error; keep its URL.
      errors.push(`console: ${msg.text()}${loc?.url && /Failed to load/.test(msg.text()) ? " " + loc.url : ""}`);
    }
  });
  page.on("pageerror", (err) => {
    const e = err as Error;
    errors.push(`excepción: ${e.message ?? String(err)}`);
  });
  return errors;
}

/**
 * Saves a full-page PNG of `page` atomically. Pages that scroll inside a fixed-height container (the
 * classic Jupyter page scrolls `#site`) are unrolled first, so the whole notebook is in the picture.
 */
export async function screenshotPage(page: Page, path: string): Promise<void> {
  await page.addStyleTag({
    content: "html,body{height:auto!important;overflow:visible!important}" +
      "#site{height:auto!important;overflow:visible!important;position:static!important}",
  });
  const tmp = `${tempPathFor(path)}.png` as `${string}.png`; // puppeteer picks the format from the extension
  await page.screenshot({ path: tmp, fullPage: true, captureBeyondViewport: true });
  await commitTemp(tmp, path);
}

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
  /** Formulas typeset by KaTeX (`.katex` elements; `tools/math_html.ts`). */
  math: number;
  /** Markdown cells whose visible text still shows LaTeX source (`$…$`, `\frac`): math left untypeset. */
  rawMath: number;
  /** Document title. */
  title: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Renders `htmlPath` in headless Chromium and reports the plotly figures drawn and any console errors.
 * Waits until every plotly container has its SVG (or the timeout passes).
 */
export async function renderPage(htmlPath: string, options: RenderOptions = {}): Promise<RenderResult> {
  const abs = resolve(htmlPath);
  if (!existsSync(abs)) throw new Error(`No existe ${htmlPath}.`);
  const timeoutMs = (options.timeoutS ?? 60) * 1000;
  let chromium: Chromium | undefined;
  try {
    chromium = await launchChromium({ width: options.width, args: ["--allow-file-access-from-files"] });
    const page = await chromium.browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(pathToFileURL(abs).href, { waitUntil: "load", timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    const count = () =>
      page.evaluate(() => {
        const plots = [...document.querySelectorAll(".js-plotly-plot")];
        return {
          plots: plots.length,
          drawnPlots: plots.filter((p) => p.querySelector(".main-svg")).length,
          mainSvgs: document.querySelectorAll(".main-svg").length,
          math: document.querySelectorAll(".jp-MarkdownCell .katex").length,
          rawMath: [...document.querySelectorAll(".jp-MarkdownCell .jp-RenderedMarkdown")]
            .filter((e) => {
              const text = e.cloneNode(true) as HTMLElement; // the cell without its typeset formulas
              text.querySelectorAll(".katex, code, pre").forEach((k) => k.remove());
              return /\$[^$\s][^$]*\$|\\frac|\\cdot/.test(text.textContent ?? "");
            }).length,
          title: document.title,
          ready: document.readyState,
        };
      });
    let counts = await count();
    while (Date.now() < deadline && !(counts.ready === "complete" && counts.drawnPlots === counts.plots)) {
      await sleep(250);
      counts = await count();
    }
    await sleep(300); // late console errors from figure scripts
    if (options.screenshot) await screenshotPage(page, options.screenshot);
    return {
      plots: counts.plots,
      drawnPlots: counts.drawnPlots,
      mainSvgs: counts.mainSvgs,
      math: counts.math,
      rawMath: counts.rawMath,
      errors,
      title: counts.title,
    };
  } finally {
    await closeChromium(chromium);
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
