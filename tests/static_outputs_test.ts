/**
 * `tools/static_outputs.ts`: an executed notebook gets a PNG of each plotly figure (drawn by plotly.js in
 * headless Chromium from the same JSON), the PNG inside the figure's HTML fallback, text for Markdown-only
 * outputs; running it again changes nothing; `trustNotebook` signs it so Jupyter's own check accepts it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { addStaticOutputs, htmlWithStaticImage, trustNotebook } from "../tools/static_outputs.ts";
import { barChart, figureBundle } from "../lib/show/plots.ts";

function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "not a PNG");
  const v = new DataView(png.buffer, png.byteOffset);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

Deno.test({
  name: "addStaticOutputs adds a PNG of each plotly figure and text to Markdown-only outputs, once",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "static_outputs_test_" });
    try {
      const fig = barChart(["gato", "perro"], [3, 12], { title: "Votos" });
      fig.layout.width = 500;
      fig.layout.height = 300;
      const bundle = figureBundle(fig, { embedPlotly: false });
      const nb = {
        cells: [{
          id: "c1",
          cell_type: "code",
          source: "x",
          metadata: {},
          execution_count: 1,
          outputs: [
            { output_type: "execute_result", execution_count: 1, metadata: {}, data: bundle },
            { output_type: "display_data", metadata: {}, data: { "text/markdown": "**Hola** `mundo`" } },
            { output_type: "stream", name: "stdout", text: "sin cambios\n" },
          ],
        }],
        metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
        nbformat: 4,
        nbformat_minor: 5,
      };
      const path = join(dir, "t.ipynb");
      await Deno.writeTextFile(path, JSON.stringify(nb));
      const r = await addStaticOutputs(path);
      assert.deepEqual({ figures: r.figures, added: r.added, texts: r.texts }, { figures: 1, added: 1, texts: 1 });
      const out = JSON.parse(await Deno.readTextFile(path)).cells[0].outputs;
      const png = Uint8Array.from(atob(out[0].data["image/png"]), (c) => c.charCodeAt(0));
      assert.deepEqual(pngSize(png), { width: 500, height: 300 });
      assert.ok(png.length > 5000, `a drawn figure, not an empty image (${png.length} bytes)`);
      const html = out[0].data["text/html"] as string;
      assert.match(html, /<div id="cnn-fig-[^"]+"[^>]*><img class="cnn-static-figure" src="data:image\/png;base64,/);
      assert.ok(html.includes(out[0].data["image/png"]));
      assert.match(html, /alt="Figura: Votos"/);
      assert.equal(out[1].data["text/plain"], "Hola mundo");
      assert.deepEqual(out[2], nb.cells[0].outputs[2]);
      const before = await Deno.readTextFile(path);
      const again = await addStaticOutputs(path);
      assert.deepEqual({ added: again.added, texts: again.texts }, { added: 0, texts: 0 });
      assert.equal(await Deno.readTextFile(path), before);

      // Signed with a throw-away key and database: nbformat's own check then accepts it.
      await trustNotebook(path, { xdgDataHome: dir });
      const check = await new Deno.Command("/usr/bin/python3", {
        args: [
          "-c",
          "import sys, nbformat; from nbformat.sign import NotebookNotary as N; " +
          "print(N().check_signature(nbformat.read(sys.argv[1], 4)))",
          path,
        ],
        env: { XDG_DATA_HOME: dir },
      }).output();
      assert.equal(new TextDecoder().decode(check.stdout).trim(), "True", new TextDecoder().decode(check.stderr));
      const unsigned = await new Deno.Command("/usr/bin/python3", {
        args: [
          "-c",
          "import sys, nbformat; from nbformat.sign import NotebookNotary as N; " +
          "print(N().check_signature(nbformat.read(sys.argv[1], 4)))",
          path,
        ],
        env: { XDG_DATA_HOME: join(dir, "otra") },
      }).output();
      assert.equal(new TextDecoder().decode(unsigned.stdout).trim(), "False");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("htmlWithStaticImage puts the image inside the figure's div only", () => {
  const html = '<script>x</script><div id="cnn-fig-a-1" style="width:700px"></div><script>draw()</script>';
  const out = htmlWithStaticImage(html, "QUJD", 'a "b"');
  assert.equal(
    out,
    '<script>x</script><div id="cnn-fig-a-1" style="width:700px"><img class="cnn-static-figure" ' +
      'src="data:image/png;base64,QUJD" alt="a &quot;b&quot;" style="width:100%;height:auto"/></div><script>draw()</script>',
  );
  assert.equal(htmlWithStaticImage("<p>otra cosa</p>", "QUJD", "x"), "<p>otra cosa</p>");
});
