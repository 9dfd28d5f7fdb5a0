/**
 * Multithreaded wasm backend: a probe process trained with 2 threads reports 2 threads, gets the same
 * weights as with 1 thread (XNNPACK splits the work, not the arithmetic order of each output) and exits
 * by itself (the pool's workers must not keep it alive).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { withWasmThreads } from "../lib/engine/threads.ts";

const probe = join(import.meta.dirname ?? ".", "fixtures", "wasm_threads_probe.ts");

async function runProbe(threads: number): Promise<{ threads: number; weights: number[][] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", probe],
    env: { TFJS_THREADS: String(threads), NO_COLOR: "1" },
    signal: AbortSignal.timeout(120_000), // a process kept alive by its workers fails here
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `probe with ${threads} thread(s) failed: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(text.trim().split("\n").at(-1)!);
}

Deno.test("wasm with 2 threads: really 2 threads, same training result as 1 thread, and the process exits", async () => {
  const [one, two] = [await runProbe(1), await runProbe(2)];
  assert.equal(one.threads, 1);
  assert.equal(two.threads, 2);
  assert.equal(two.weights.length, one.weights.length);
  one.weights.forEach((w, k) => {
    let diff = 0, scale = 0;
    w.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - two.weights[k][i]));
      scale = Math.max(scale, Math.abs(v));
    });
    assert.ok(diff / scale <= 1e-5, `weights[${k}]: relative difference ${(diff / scale).toExponential(2)}`);
  });
});

Deno.test("withWasmThreads rejects fewer than 2 threads", async () => {
  await assert.rejects(() => withWasmThreads(1, () => Promise.resolve(true)), /threads debe ser un entero ≥ 2/);
});
