/**
 * lib/engine/simd.ts and its generated module: the committed bytes are what wabt assembles from the .wat
 * today, and in both wasm builds (threaded: shared memory; `TFJS_THREADS=1`: not shared) the kernels are
 * instantiated on the backend's heap, match plain references (max-pool gradient element by element: ties,
 * NaN, −∞, odd sizes, every channel count class; direct filter gradient: strides, dilations, padding, filter
 * counts, no write outside its output) and keep working after the heap grows. The registered MaxPoolGrad and
 * Conv2DBackpropFilter are compared with the cpu backend in kernels_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { assemble, GENERATED_PATH, render, WAT_PATH } from "../tools/build_wasm.ts";
import { simdKernels } from "../lib/engine/simd.ts";
import type { ProbeResult } from "./fixtures/simd_probe.ts";

const probe = join(import.meta.dirname ?? ".", "fixtures", "simd_probe.ts");

async function runProbe(threads: number): Promise<ProbeResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", probe],
    env: { NO_COLOR: "1", TFJS_THREADS: String(threads) },
    signal: AbortSignal.timeout(120_000),
    stderr: "piped",
  }).output();
  assert.ok(out.success, `probe with ${threads} thread(s) failed: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

Deno.test("simd_kernels.ts holds exactly what tools/build_wasm.ts assembles from simd_kernels.wat", async () => {
  const expected = render(await assemble(Deno.readTextFileSync(WAT_PATH)));
  assert.ok(
    Deno.readTextFileSync(GENERATED_PATH) === expected,
    "lib/engine/simd_kernels.ts is stale: run `deno run -A tools/build_wasm.ts`",
  );
});

for (const threads of [2, 1]) {
  Deno.test(`wasm with ${threads} thread(s): the SIMD max-pool and filter gradients match their references, also after growth`, async () => {
    const r = await runProbe(threads);
    assert.equal(r.threads, threads);
    assert.equal(r.shared, threads > 1, "the threaded build has a shared memory, the other one does not");
    assert.ok(r.available, "the SIMD kernels could not be instantiated on the backend's memory");
    assert.deepEqual(r.mismatches, []);
    assert.ok(r.heapAfter > r.heapBefore, `the heap did not grow (${r.heapBefore} → ${r.heapAfter})`);
    assert.ok(r.sameInstance, "the kernels were instantiated again after the growth");
  });
}

Deno.test("simdKernels: null on a backend without a wasm heap (cpu)", async () => {
  await tf.setBackend("cpu");
  assert.equal(simdKernels(tf.backend()), null);
});
