/**
 * Peak memory per notebook: the runner's VmHWM reader sees a process that held 300 MB, and the course
 * table shows MB per notebook and flags a kernel above 2 GB.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { formatTable, MAX_NOTEBOOK_MB, memoryDefects, type NotebookResult, PYTHON, ROOT } from "../tools/notebooks.ts";

Deno.test("run_notebook.peak_rss_mb: reads a process's peak resident memory (VmHWM), None for no process", async () => {
  const code = [
    "import os, sys",
    `sys.path.insert(0, ${JSON.stringify(join(ROOT, "tools"))})`,
    "import run_notebook as r",
    "before = r.peak_rss_mb(os.getpid())",
    "block = bytearray(300 * 10**6)",
    "block[::4096] = b'x' * len(block[::4096])  # touch every page",
    "del block",
    "print(before, r.peak_rss_mb(os.getpid()), r.peak_rss_mb(2**22 + 12345))",
  ].join("\n");
  const out = await new Deno.Command(PYTHON, { args: ["-c", code], stderr: "inherit" }).output();
  assert.ok(out.success);
  const [before, after, missing] = new TextDecoder().decode(out.stdout).trim().split(" ");
  assert.ok(Number(before) > 0 && Number(before) < 300, `before ${before}`);
  assert.ok(Number(after) >= Number(before) + 290, `after ${after} (before ${before})`);
  assert.equal(missing, "None");
});

const result = (notebook: string, seconds: number, peakMB?: number): NotebookResult => ({
  notebook,
  status: "ok",
  seconds,
  lateOutputs: 0,
  message: "",
  peakMB,
});

Deno.test("formatTable: seconds and peak MB per notebook; above 2 GB is flagged", () => {
  const rows = [result("a.ipynb", 12.34, 651.2), result("b.ipynb", 3, MAX_NOTEBOOK_MB + 1), result("c.ipynb", 1)];
  const table = formatTable(rows);
  const lines = table.split("\n");
  assert.match(lines[0], /cuaderno\s+estado\s+segundos\s+MB pico/);
  assert.match(lines[2], /^a\.ipynb\s+ok\s+12\.3\s+651$/);
  assert.match(lines[3], /^b\.ipynb\s+ok\s+3\.0\s+⚠ 2001$/);
  assert.match(lines[4], /^c\.ipynb\s+ok\s+1\.0\s+\?$/);
  assert.equal(lines[5], "total: 16.3 s · pico máximo 2001 MB");
  assert.deepEqual(memoryDefects(rows).map((r) => r.notebook), ["b.ipynb"]);
});
