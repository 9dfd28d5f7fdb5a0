/**
 * Multithreaded wasm backend: a probe process trained with 2 threads reports 2 threads, gets the same
 * weights as with 1 thread (XNNPACK splits the work, not the arithmetic order of each output), whether
 * every kernel runs on all threads or each picks its pool, and exits by itself (the pool's workers must
 * not keep it alive). Without `TFJS_THREADS` the thread count comes from the cores; `TFJS_THREADS=1`
 * keeps the single-threaded build.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { withWasmThreads } from "../lib/engine/threads.ts";
import { defaultThreads, MAX_DEFAULT_THREADS } from "../lib/engine/runtime.ts";

const probe = join(import.meta.dirname ?? ".", "fixtures", "wasm_threads_probe.ts");

type Probe = { threads: number; pools: Record<string, number>; weights: number[][] };

/** Runs the probe with `TFJS_THREADS=threads` (unset when undefined) and `PROBE_POOL=pool`. */
async function runProbe(threads: number | undefined, pool = ""): Promise<Probe> {
  const env: Record<string, string> = { NO_COLOR: "1", PROBE_POOL: pool };
  if (threads !== undefined) env.TFJS_THREADS = String(threads);
  const parent = Deno.env.get("TFJS_THREADS");
  if (threads === undefined && parent !== undefined) throw new Error("unset TFJS_THREADS to run this test");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", probe],
    env,
    signal: AbortSignal.timeout(120_000), // a process kept alive by its workers fails here
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `probe with ${threads} thread(s) failed: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(text.trim().split("\n").at(-1)!);
}

function assertSameWeights(one: Probe, other: Probe, label: string): void {
  assert.equal(other.weights.length, one.weights.length);
  one.weights.forEach((w, k) => {
    let diff = 0, scale = 0;
    w.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - other.weights[k][i]));
      scale = Math.max(scale, Math.abs(v));
    });
    assert.ok(diff / scale <= 1e-5, `${label} weights[${k}]: relative difference ${(diff / scale).toExponential(2)}`);
  });
}

Deno.test("wasm with 2 threads: really 2 threads, same training result as 1 thread, and the process exits", async () => {
  const one = await runProbe(1);
  assert.equal(one.threads, 1);
  assert.deepEqual(one.pools, {}, "TFJS_THREADS=1 keeps the single-threaded build: no pools to choose from");
  const all = await runProbe(2, "all");
  assert.equal(all.threads, 2);
  assert.deepEqual(all.pools, { one: 1, all: 2 });
  assertSameWeights(one, all, "all kernels on 2 threads:");
  const chosen = await runProbe(2);
  assertSameWeights(one, chosen, "per-kernel pool:");
});

Deno.test("wasm without TFJS_THREADS: as many threads as cores (capped)", async () => {
  const cores = navigator.hardwareConcurrency;
  const probe = await runProbe(undefined);
  assert.equal(probe.threads, Math.min(cores, MAX_DEFAULT_THREADS));
});

Deno.test("defaultThreads: cores, at least 1, at most MAX_DEFAULT_THREADS", () => {
  assert.equal(defaultThreads(1), 1);
  assert.equal(defaultThreads(2), 2);
  assert.equal(defaultThreads(6), 6);
  assert.equal(defaultThreads(64), MAX_DEFAULT_THREADS);
  assert.equal(defaultThreads(0), 1);
  assert.equal(defaultThreads(Number.NaN), 1);
});

Deno.test("withWasmThreads rejects fewer than 2 threads", async () => {
  await assert.rejects(() => withWasmThreads(1, () => Promise.resolve(true)), /threads debe ser un entero ≥ 2/);
});
