/**
 * `deno run -A bench/profile.ts [--model lenet5|vggish|both] [--epochs 3]`: where a training epoch of a
 * benchmark CNN spends its time on the active backend (wasm kernels are synchronous: the wall time of a
 * top-level kernel call is its compute time). One JSON line per model: epoch seconds (median), the share
 * inside kernels and outside them (TF.js per-kernel overhead: tape, scopes, gradient bookkeeping, the
 * optimizer's JS), and per kernel name its calls, milliseconds per epoch, share, and GMAC/s for
 * convolutions and matrix products (work as in lib/kernels_wasm_pool.ts).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initRuntime } from "../lib/engine/runtime.ts";
import { kernelWork } from "../lib/engine/pool.ts";
import { BENCH_MODELS } from "./models.ts";
import { median } from "./bench.ts";

interface KernelStat {
  calls: number;
  ms: number;
  macs: number;
}

const stats = new Map<string, KernelStat>();
let depth = 0;
let recording = false;

/** Wraps the engine so that every top-level kernel call is timed and its work counted. */
function instrument(): void {
  // deno-lint-ignore no-explicit-any
  const engine = tf.engine() as any;
  const original = engine.runKernelFunc;
  engine.runKernelFunc = function (params: { kernelName: string; inputs: Record<string, tf.Tensor>; attrs?: never }) {
    if (!recording || depth > 0 || !params.kernelName) return original.call(this, params);
    depth++;
    const t = performance.now();
    try {
      return original.call(this, params);
    } finally {
      const ms = performance.now() - t;
      depth--;
      const work = kernelWork(params.kernelName, params.inputs ?? {}, params.attrs);
      const s = stats.get(params.kernelName) ?? { calls: 0, ms: 0, macs: 0 };
      s.calls++;
      s.ms += ms;
      if ("macs" in work) s.macs += work.macs;
      stats.set(params.kernelName, s);
    }
  };
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--model");
  const which = i >= 0 ? Deno.args[i + 1] : "both";
  const e = Deno.args.indexOf("--epochs");
  const epochs = e >= 0 ? Number(Deno.args[e + 1]) : 3;
  const runtime = await initRuntime({ quiet: true });
  instrument();
  for (const spec of BENCH_MODELS.filter((m) => which === "both" || m.name === which)) {
    const model = spec.build();
    model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
    const X = tf.randomUniform([spec.n, ...spec.inputShape]);
    const y = tf.tidy(() => tf.oneHot(tf.randomUniform([spec.n], 0, 10, "int32"), 10).toFloat());
    const fitArgs = { batchSize: 64, epochs: 1, shuffle: false, verbose: 0 as const };
    await model.fit(X, y, fitArgs);
    stats.clear();
    const times: number[] = [];
    recording = true;
    for (let r = 0; r < epochs; r++) {
      const t = performance.now();
      await model.fit(X, y, fitArgs);
      times.push(performance.now() - t);
    }
    recording = false;
    const total = times.reduce((a, b) => a + b, 0);
    const inKernels = [...stats.values()].reduce((a, s) => a + s.ms, 0);
    const kernels = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([name, s]) => ({
      kernel: name,
      calls_per_epoch: Math.round(s.calls / epochs),
      ms_per_epoch: Math.round(s.ms / epochs * 10) / 10,
      share: Math.round(1000 * s.ms / total) / 1000,
      ...(s.macs ? { gmac_per_s: Math.round(s.macs / s.ms / 1e4) / 100 } : {}),
    }));
    console.log(JSON.stringify({
      model: spec.name,
      backend: runtime.backend,
      threads: runtime.threads,
      epoch_s: Math.round(median(times)) / 1000,
      in_kernels: Math.round(1000 * inKernels / total) / 1000,
      outside_kernels: Math.round(1000 * (1 - inKernels / total)) / 1000,
      kernels,
    }));
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([X, y]);
  }
}
