/**
 * The Jupyter-page harness (`tools/jupyter_page.ts`) drives a real classic Notebook 6 page: a tiny notebook
 * run from the page shows its stream, rich and error outputs where they belong, the kernel stays alive,
 * and the server, its kernels and the browser are gone afterwards even when the test body throws.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type JupyterServer, summarize, withJupyter } from "../tools/jupyter_page.ts";

function notebook(sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source) => ({ cell_type: "code", source, metadata: {}, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

async function serverDown(server: JupyterServer): Promise<boolean> {
  try {
    const r = await fetch(`${server.url}api/status?token=${server.token}`);
    await r.body?.cancel();
    return false;
  } catch {
    return true;
  }
}

Deno.test({
  name: "a notebook run from a Notebook 6 page shows its outputs; everything is stopped afterwards",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "jupyter_page_test_" });
    let seen: JupyterServer | undefined;
    let kernelId: string | null = null;
    try {
      await Deno.writeTextFile(
        join(dir, "t.ipynb"),
        notebook([
          'console.log("hola desde el kernel");',
          'await Deno.jupyter.display({ "text/html": "<b id=negrita>negrita</b>", "text/plain": "negrita" }, { raw: true });',
          'throw new Error("fallo a propósito");',
        ]),
      );
      await withJupyter({ notebookDir: dir }, async (j) => {
        seen = j.server;
        const nb = await j.open("t.ipynb");
        const before = await nb.kernel();
        assert.ok(before.alive, JSON.stringify(before));
        kernelId = before.id;
        await nb.runAll({ timeoutS: 120 });
        const cells = await nb.outputs();
        assert.equal(cells.length, 3);
        // The Deno kernel sometimes tags a late output with the next cell's request, so the page shows it
        // one cell down: look for outputs in the whole notebook, not in a given cell.
        const all = cells.flatMap((c) => c.outputs);
        assert.ok(all.some((o) => /hola desde el kernel/.test(o.text)), JSON.stringify(cells));
        assert.ok(await nb.page.$("#negrita"), "the HTML output is in the page");
        assert.equal(all.filter((o) => o.error).length, 1, JSON.stringify(cells));
        assert.match(all.find((o) => o.error)!.text, /fallo a propósito/);
        const sum = summarize(cells);
        assert.equal(sum.errors.length, 1);
        assert.equal(sum.blank, 0);
        const after = await nb.kernel();
        assert.equal(after.id, before.id);
        assert.ok(after.alive && after.restarts === 0, JSON.stringify(after));
        // One more cell, run on its own.
        const i = await nb.appendCell("6 * 7");
        await nb.runCell(i, { timeoutS: 60 });
        const last = (await nb.outputs()).find((c) => c.index === i)!;
        assert.deepEqual(last.outputs.map((o) => o.text), ["42"]);
        // A lost "idle" status message (the page still says busy with every cell answered): waitIdle asks the
        // kernel for its info instead of waiting until its timeout.
        // deno-lint-ignore no-explicit-any
        await nb.page.evaluate(() => void ((globalThis as any).__kernelLog.status = "busy"));
        const t0 = Date.now();
        await nb.waitIdle({ timeoutS: 30 });
        assert.ok(Date.now() - t0 < 15_000, `waitIdle took ${Date.now() - t0} ms after a lost idle message`);
        assert.deepEqual(nb.pageErrors(), []);
        const shot = join(dir, "t.png");
        await nb.screenshot(shot);
        const png = await Deno.readFile(shot);
        assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      });
      assert.ok(seen && await serverDown(seen), "the server still answers after withJupyter");
      assert.ok(kernelId);
      const ps = new TextDecoder().decode((await new Deno.Command("ps", { args: ["-eo", "args"] }).output()).stdout);
      assert.ok(!ps.includes(seen!.url.replace(/\/$/, "")), "no process of this server is left");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "withJupyter stops the server and the browser when the body throws",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    let seen: JupyterServer | undefined;
    let pid: number | undefined;
    await assert.rejects(
      withJupyter({}, (j) => {
        seen = j.server;
        pid = j.browser.process()?.pid;
        throw new Error("cuerpo que falla");
      }),
      /cuerpo que falla/,
    );
    assert.ok(seen && await serverDown(seen));
    assert.ok(pid);
    let alive = true;
    try {
      Deno.kill(pid!, "SIGCONT"); // signal 0 is not offered; SIGCONT is harmless and fails if gone
    } catch {
      alive = false;
    }
    assert.equal(alive, false, "Chromium is still running");
  },
});
