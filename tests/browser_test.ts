/**
 * The HTML rendering of an executed notebook shows its plotly figures offline: 00_entorno is executed
 * through the kernel, rendered as `deno task course` does, opened in headless Debian Chromium (puppeteer-core),
 * and every plotly output must have been drawn (`.main-svg`) with no console error.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { NOTEBOOKS_DIR, readNotebook, runNotebook } from "../tools/notebooks.ts";
import { renderPage } from "../tools/browser.ts";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

Deno.test({
  name: "00_entorno's HTML draws its plotly figures in headless Chromium without console errors",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "browser_test_" });
    try {
      const r = await runNotebook(join(NOTEBOOKS_DIR, "00_entorno.ipynb"), { outDir: dir, htmlDir: dir });
      assert.equal(r.status, "ok", r.message);
      const figures = readNotebook(r.executed!).cells.flatMap((c) => c.outputs ?? [])
        .filter((o) => PLOTLY_MIME in (((o as { data?: Record<string, unknown> }).data) ?? {})).length;
      assert.ok(figures >= 1, "00_entorno debe mostrar al menos una figura plotly");
      const page = await renderPage(r.html!, { screenshot: join(dir, "00_entorno.png") });
      assert.deepEqual(page.errors, [], "errores en la consola del navegador");
      assert.ok(page.drawnPlots >= figures, `figuras dibujadas: ${page.drawnPlots} de ${figures}`);
      assert.ok(page.mainSvgs >= figures);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "renderPage reports console errors, exceptions and undrawn pages",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "browser_test_" });
    try {
      const html = join(dir, "bad.html");
      await Deno.writeTextFile(
        html,
        `<!DOCTYPE html><html><head><title>mal</title></head><body><div id="f"></div>
<script>console.error("figura rota");</script>
<script>Plotly.newPlot("f", [], {});</script></body></html>`,
      );
      const page = await renderPage(html);
      assert.equal(page.title, "mal");
      assert.equal(page.plots, 0);
      assert.equal(page.mainSvgs, 0);
      assert.equal(page.errors.length, 2, page.errors.join("\n"));
      assert.match(page.errors[0], /figura rota/);
      assert.match(page.errors[1], /Plotly is not defined/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
