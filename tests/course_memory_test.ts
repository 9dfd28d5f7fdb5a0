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

Deno.test("run_notebook: an IOPub message with a bad signature is dropped and counted, the cell's outputs kept", async () => {
  // A fake IOPub channel: a message that fails to deserialize (as jupyter_client raises it), then the cell's
  // output and its idle status; then a different error, which must not be swallowed.
  const code = [
    "import sys",
    `sys.path.insert(0, ${JSON.stringify(join(ROOT, "tools"))})`,
    ...BAD_SIGNATURE_SCRIPT.split("\n"),
  ].join("\n");
  const out = await new Deno.Command(PYTHON, { args: ["-c", code] }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim().split("\n");
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  assert.deepEqual(stdout, ["1 ['hola']", "raised something else"]);
  assert.match(new TextDecoder().decode(out.stderr), /mensaje IOPub descartado \(firma no válida\)/);
});

const BAD_SIGNATURE_SCRIPT = `import asyncio, sys
import nbformat
from nbformat.v4 import new_notebook, new_code_cell
import run_notebook as r

def msg(t, content, pid="P"):
    return {"msg_type": t, "header": {"msg_type": t, "msg_id": "m" + t, "date": None}, "parent_header": {"msg_id": pid},
            "content": content, "metadata": {}}

class Chan:
    def __init__(self, seq): self.seq = list(seq)
    async def get_msg(self, timeout=None):
        if not self.seq:
            import queue; raise queue.Empty()
        x = self.seq.pop(0)
        if isinstance(x, Exception): raise x
        return x

class KC: pass
nb = new_notebook(cells=[new_code_cell("1", metadata={"execution": {}})])
c = r.LateOutputClient(nb)
kc = KC(); kc.iopub_channel = Chan([ValueError("Invalid Signature: b'00'"), msg("stream", {"name": "stdout", "text": "hola"}),
                                    msg("status", {"execution_state": "idle"})])
c.kc = kc
c.reset_execution_trackers(); c.clear_before_next_output = False
asyncio.run(c._async_poll_output_msg("P", nb.cells[0], 0))
print(c.bad_messages, [o.get("text") for o in nb.cells[0].outputs])
kc.iopub_channel = Chan([ValueError("something else")])
try:
    asyncio.run(c._async_poll_output_msg("Q", nb.cells[0], 0)); print("no raise")
except ValueError as e:
    print("raised", e)
`;

const result = (notebook: string, seconds: number, peakMB?: number): NotebookResult => ({
  notebook,
  status: "ok",
  seconds,
  lateOutputs: 0,
  badMessages: 0,
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
