/**
 * Every front end shows everything (issue 14), checked in a real Jupyter page: Debian's classic Notebook 6
 * with the project's Deno kernel, driven by headless Chromium (`tools/jupyter_page.ts`).
 *
 * (a) 00_entorno run from the page (Cell → Run All): no error output, every plotly figure drawn.
 * (b) Executed notebooks written by the course runner (00_entorno: plotly figures, live-progress curves;
 *     05_ejercicios_dimensiones: exercise statements, formulas), opened WITHOUT running them:
 *     untrusted (never signed here), every figure is an image and every statement is text; trusted (signed by
 *     the runner), the plotly figures are interactive again; Jupyter's MathJax typesets the formulas.
 * (c) Their `build/html` rendering typesets the formulas with the embedded KaTeX (no `$…$` source left).
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { NOTEBOOKS_DIR, readNotebook, ROOT, runNotebook } from "../tools/notebooks.ts";
import { type CellView, type NotebookPage, summarize, withJupyter } from "../tools/jupyter_page.ts";
import { renderPage } from "../tools/browser.ts";

const PLOTLY = "application/vnd.plotly.v1+json";
const OPTS = { sanitizeOps: false, sanitizeResources: false };

/** Outputs of the notebook file, by kind, as the reference the page is checked against. */
function fileOutputs(path: string) {
  const outs = readNotebook(path).cells.flatMap((c) => (c.outputs ?? []) as Array<{ data?: Record<string, unknown> }>)
    .map((o) => o.data ?? {});
  return {
    plotly: outs.filter((d) => PLOTLY in d).length,
    svg: outs.filter((d) => "image/svg+xml" in d).length,
    png: outs.filter((d) => "image/png" in d && !(PLOTLY in d)).length,
    statements: outs.filter((d) => "text/markdown" in d && /¿/.test(String(d["text/markdown"]))).length,
  };
}

function describe(cells: CellView[]): string {
  return JSON.stringify(
    cells.flatMap((c) => c.outputs.map((o) => ({ cell: c.index, ...o, text: o.text.slice(0, 80) }))),
    null,
    1,
  ).slice(0, 6000);
}

/** Waits for Notebook 6's MathJax to typeset the Markdown cells; returns the formulas and raw `$` left. */
async function liveMath(nb: NotebookPage): Promise<{ typeset: number; raw: number }> {
  const count = () =>
    nb.page.evaluate(() => {
      const cells = [...document.querySelectorAll(".text_cell_render")];
      return {
        typeset: document.querySelectorAll(".text_cell_render .MathJax, .text_cell_render mjx-container").length,
        raw: cells.filter((c) => /\$[^$\s][^$]*\$|\\frac/.test((c as HTMLElement).innerText)).length,
      };
    });
  const deadline = Date.now() + 30_000;
  let r = await count();
  while (Date.now() < deadline && (r.typeset === 0 || r.raw > 0)) {
    await new Promise((res) => setTimeout(res, 250));
    r = await count();
  }
  return r;
}

Deno.test({
  name: "(a) 00_entorno run from a Notebook 6 page: no error output, every plotly figure drawn",
  ...OPTS,
  fn: async () => {
    // A copy one level under the repository, so its `../lib/mod.ts` import resolves and the committed
    // notebook is not autosaved with outputs.
    const dir = await Deno.makeTempDir({ dir: ROOT, prefix: ".frontend_test_" });
    try {
      await Deno.copyFile(join(NOTEBOOKS_DIR, "00_entorno.ipynb"), join(dir, "00_entorno.ipynb"));
      // Under the full parallel suite (three times in about a dozen runs, never alone) Deno 2.9's kernel sent
      // messages with an invalid HMAC signature: the server's log shows `ValueError: Invalid Signature` and drops
      // them, so the page hears nothing more from that kernel (busy, kernel_info unanswered) although every cell
      // ran. That one failure, a kernel bug, gets a second try on a fresh server (said on stderr, with the
      // diagnostics); any other failure, or the same one twice, fails the test.
      for (let attempt = 1;; attempt++) {
        try {
          await runAllOnPage(dir);
          break;
        } catch (e) {
          if (attempt > 1 || !/El kernel sigue ocupado/.test(String(e))) throw e;
          console.error(`(a) segundo intento tras un kernel que no volvió a idle:\n${String(e).slice(0, 4000)}`);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** (a): Run All of `dir/00_entorno.ipynb` in a fresh Notebook 6 page, then the checks of its outputs. */
async function runAllOnPage(dir: string): Promise<void> {
  await withJupyter({ notebookDir: dir }, async (j) => {
    const nb = await j.open("00_entorno.ipynb");
    await nb.runAll({ timeoutS: 200 }); // alone it takes ~10 s
    const cells = await nb.outputs();
    const sum = summarize(cells);
    assert.deepEqual(sum.errors, [], "salidas de error en la página");
    const figures = cells.flatMap((c) => c.outputs).filter((o) => o.mimeTypes.includes(PLOTLY)).length;
    assert.ok(figures >= 1, "00_entorno dibuja al menos una figura plotly\n" + describe(cells));
    assert.equal(sum.plots, figures, describe(cells));
    assert.equal(sum.drawnPlots, figures, "figuras sin dibujar\n" + describe(cells));
    assert.equal(sum.blank, 0, "salidas en blanco\n" + describe(cells));
    assert.ok(cells.every((c) => c.source.trim() === "" || typeof c.prompt === "number"), "celdas sin ejecutar");
    const k = await nb.kernel();
    assert.ok(k.alive && k.restarts === 0, JSON.stringify(k));
    assert.deepEqual(nb.pageErrors(), []);
  });
}

Deno.test({
  name: "(b, c) executed notebooks show every figure and statement, untrusted and trusted; math typeset",
  ...OPTS,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "frontend_test_" });
    try {
      const executed: string[] = [];
      for (const name of ["00_entorno", "05_ejercicios_dimensiones"]) {
        const r = await runNotebook(join(NOTEBOOKS_DIR, `${name}.ipynb`), { outDir: dir, htmlDir: dir });
        assert.equal(r.status, "ok", r.message);
        executed.push(r.executed!);
        // (c) build/html: formulas typeset by KaTeX, no LaTeX source left in the Markdown cells.
        if (name === "05_ejercicios_dimensiones") {
          const html = await renderPage(r.html!);
          assert.deepEqual(html.errors, []);
          assert.ok(html.math >= 6, `fórmulas KaTeX en el HTML: ${html.math}`);
          assert.equal(html.rawMath, 0, "celdas con LaTeX sin componer en el HTML");
        }
      }
      const ref = Object.fromEntries(executed.map((p) => [basename(p), fileOutputs(p)]));
      assert.ok(ref["00_entorno.ipynb"].plotly >= 1 && ref["05_ejercicios_dimensiones.ipynb"].statements >= 20);

      // Untrusted: as for anyone who did not sign these files (a fresh machine, a downloaded notebook).
      await withJupyter({ notebookDir: dir, trust: "none" }, async (j) => {
        for (const name of Object.keys(ref)) {
          const nb = await j.open(name);
          assert.equal(await nb.trusted(), false);
          await nb.waitIdle({ timeoutS: 30 }); // figures and late rendering settle
          const cells = await nb.outputs();
          const all = cells.flatMap((c) => c.outputs);
          assert.equal(summarize(cells).blank, 0, `${name}: salidas en blanco\n${describe(cells)}`);
          for (const o of all.filter((o) => o.mimeTypes.includes(PLOTLY) || o.mimeTypes.includes("image/svg+xml"))) {
            assert.ok(o.images >= 1, `${name}: figura sin imagen\n${JSON.stringify(o)}`);
          }
          const statements = all.filter((o) => o.mimeTypes.includes("text/markdown") && /¿/.test(o.text));
          assert.equal(statements.length, ref[name].statements, `${name}: enunciados visibles\n${describe(cells)}`);
          assert.deepEqual(nb.pageErrors(), []);
          if (name.startsWith("05")) {
            const m = await liveMath(nb);
            assert.ok(m.typeset >= 6 && m.raw === 0, `MathJax de Jupyter: ${JSON.stringify(m)}`);
          }
          await nb.close();
        }
      });

      // Trusted: the course runner signed them for the project-local Jupyter.
      await withJupyter({ notebookDir: dir, trust: "project" }, async (j) => {
        const nb = await j.open("00_entorno.ipynb");
        assert.equal(await nb.trusted(), true, "el cuaderno ejecutado debe abrirse firmado");
        await nb.waitIdle({ timeoutS: 30 });
        const cells = await nb.outputs();
        const sum = summarize(cells);
        assert.equal(sum.plots, ref["00_entorno.ipynb"].plotly, describe(cells));
        assert.equal(sum.drawnPlots, sum.plots, "figuras interactivas sin dibujar\n" + describe(cells));
        assert.equal(sum.blank, 0);
        // The interactive figure replaced its static image.
        const stills = await nb.page.evaluate(() => document.querySelectorAll("img.cnn-static-figure").length);
        assert.equal(stills, 0);
        assert.deepEqual(nb.pageErrors(), []);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
