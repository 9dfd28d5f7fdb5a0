/**
 * `deno task course`: executes every course notebook through the Deno Jupyter kernel, writes the executed
 * notebooks to `build/notebooks/` and their HTML rendering to `build/html/`, and prints a table of
 * notebook, status, seconds and the kernel's peak resident memory (MB). Exits non-zero if any notebook
 * failed or peaked above 2 GB (`MAX_NOTEBOOK_MB`: a defect on a student's 8 GB laptop).
 *
 * Usage: `deno task course [--student] [--jobs N] [--no-html] [--screenshots]`
 *        (`--screenshots`: open each HTML in headless Chromium, save `build/screenshots/NN.png`, report
 *        figures drawn and console errors — a failure too)
 *        `deno task nb notebooks/NN_name.ipynb` (same as `--only <path>`: one notebook, errors in full).
 * @module
 */
import { basename, join } from "node:path";
import {
  formatTable,
  listNotebooks,
  mapPool,
  MAX_NOTEBOOK_MB,
  memoryDefects,
  type NotebookResult,
  ROOT,
  runNotebook,
} from "./notebooks.ts";
import { renderPage } from "./browser.ts";

interface CourseArgs {
  only: string[];
  student: boolean;
  jobs: number;
  html: boolean;
  screenshots: boolean;
}

function parseArgs(args: string[]): CourseArgs {
  const parsed: CourseArgs = { only: [], student: false, jobs: 1, html: true, screenshots: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--only") {
      if (!args[i + 1]) {
        throw new Error("--only necesita la ruta de un cuaderno, p. ej. --only notebooks/00_entorno.ipynb");
      }
      parsed.only.push(args[++i]);
    } else if (a === "--student") parsed.student = true;
    else if (a === "--no-html") parsed.html = false;
    else if (a === "--screenshots") parsed.screenshots = true;
    else if (a === "--jobs") {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 2) {
        throw new Error(`--jobs debe ser 1 o 2 (cuadernos a la vez); recibido: ${args[i]}`);
      }
      parsed.jobs = n;
    } else if (a.endsWith(".ipynb")) parsed.only.push(a);
    else {throw new Error(
        `Argumento desconocido: ${a}. Uso: course.ts [--only cuaderno.ipynb] [--student] [--jobs 1|2] [--no-html] [--screenshots]`,
      );}
  }
  return parsed;
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  const notebooks = args.only.length ? args.only : listNotebooks({ student: args.student });
  if (notebooks.length === 0) {
    console.error("No hay cuadernos que ejecutar en notebooks/.");
    Deno.exit(1);
  }
  const results: NotebookResult[] = await mapPool(notebooks, args.jobs, async (nb) => {
    console.error(`▶ ${nb}`);
    const r = await runNotebook(nb, { htmlDir: args.html ? undefined : false });
    const note = r.error && r.status === "ok" ? ` (se detuvo donde se esperaba: ${r.error.evalue.split("\n")[0]})` : "";
    const mb = r.peakMB === undefined ? "" : ` · ${Math.round(r.peakMB)} MB`;
    console.error(`${r.status === "ok" ? "✔" : "✘"} ${r.notebook} · ${r.seconds.toFixed(1)} s${mb}${note}`);
    if (r.badMessages > 0) {
      console.error(
        `  ${r.badMessages} mensaje(s) del kernel descartado(s) por firma no válida: alguna salida puede faltar`,
      );
    }
    const so = r.staticOutputs;
    if (so && so.added + so.texts > 0) {
      console.error(`  salidas estáticas: ${so.added} PNG de figuras, ${so.texts} textos · ${so.seconds.toFixed(1)} s`);
    }
    if (args.screenshots && r.html) {
      const shot = join(ROOT, "build", "screenshots", basename(r.html, ".html") + ".png");
      await Deno.mkdir(join(ROOT, "build", "screenshots"), { recursive: true });
      const page = await renderPage(r.html, { screenshot: shot });
      console.error(
        `  navegador: ${page.drawnPlots}/${page.plots} figuras dibujadas, ${page.errors.length} errores · ${shot}`,
      );
      if (page.errors.length || page.drawnPlots < page.plots) {
        r.status = "html-error";
        r.message = page.errors.join("\n") || "figuras sin dibujar";
      }
    }
    if (r.status !== "ok") console.error(r.message + "\n");
    return r;
  });
  console.log("\n" + formatTable(results));
  if (args.html && results.some((r) => r.html)) {
    console.log("HTML en build/html/, cuadernos ejecutados en build/notebooks/");
  }
  const heavy = memoryDefects(results);
  for (const r of heavy) {
    console.error(
      `⚠ ${r.notebook}: su kernel llegó a ${Math.round(r.peakMB!)} MB de memoria (límite ${MAX_NOTEBOOK_MB} MB): ` +
        "es un defecto; reduce los datos en memoria o libera tensores (tf.tidy, dispose).",
    );
  }
  Deno.exit(results.every((r) => r.status === "ok") && heavy.length === 0 ? 0 : 1);
}
