/**
 * `deno task bench [--model lenet5|vggish|both]`: training and inference throughput of the two
 * benchmark CNNs on the active backend (`TFJS_BACKEND` honoured), one JSON line per model.
 *
 * Protocol of `shared/bench/peer_pytorch.py`: random data (2,048 samples for LeNet-5, 512 for
 * VGG-ish), Adam lr 1e-3, batch 64, cross-entropy, one warm-up epoch then one timed epoch
 * (`model.fit`, no shuffling, as a student trains), inference in batches of 256.
 * Other sections (e.g. data augmentation) can add lines with {@link emit}.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initRuntime, type RuntimeInfo } from "../lib/runtime.ts";
import { BENCH_MODELS, type BenchModel } from "./models.ts";
import { benchAugment } from "./augment_bench.ts";

/** Prints one benchmark result as a JSON line on stdout. */
export function emit(obj: Record<string, unknown>): void {
  console.log(JSON.stringify(obj));
}

/** Options for {@link benchModel}. */
export interface BenchOptions {
  /** Training batch size (default 64, as the peer). */
  batch?: number;
  /** Inference batch size (default 256, as the peer). */
  inferBatch?: number;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Trains and runs one benchmark model; returns its JSON record (all tensors disposed afterwards). */
export async function benchModel(spec: BenchModel, runtime: RuntimeInfo, options: BenchOptions = {}) {
  const batch = options.batch ?? 64;
  const inferBatch = options.inferBatch ?? 256;
  const { n, inputShape } = spec;
  const model = spec.build();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const X = tf.randomUniform([n, ...inputShape]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([n], 0, 10, "int32"), 10).toFloat());
  const fitArgs = { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 as const };

  await model.fit(X, y, fitArgs); // warm-up epoch (also creates the optimizer's state)
  const numTensorsBefore = tf.memory().numTensors;
  let t = performance.now();
  await model.fit(X, y, fitArgs);
  const trainS = (performance.now() - t) / 1000;

  const warm = tf.tidy(() => model.predict(X.slice(0, inferBatch)) as tf.Tensor);
  await warm.data();
  warm.dispose();
  t = performance.now();
  for (let i = 0; i < n; i += inferBatch) {
    const out = tf.tidy(() => model.predict(X.slice(i, Math.min(inferBatch, n - i))) as tf.Tensor);
    await out.data();
    out.dispose();
  }
  const inferS = (performance.now() - t) / 1000;
  const numTensorsAfter = tf.memory().numTensors;
  const params = model.countParams();
  model.optimizer.dispose();
  model.dispose();
  tf.dispose([X, y]);
  return {
    model: spec.name,
    backend: runtime.backend,
    device: runtime.device,
    threads: runtime.threads,
    n,
    batch,
    params,
    train_samples_per_s: round1(n / trainS),
    infer_samples_per_s: round1(n / inferS),
    numTensors_before: numTensorsBefore,
    numTensors_after: numTensorsAfter,
  };
}

function parseModelArg(args: string[]): string[] {
  const i = args.findIndex((a) => a === "--model" || a.startsWith("--model="));
  const value = i < 0 ? "both" : args[i].includes("=") ? args[i].split("=")[1] : args[i + 1];
  if (value === "both") return BENCH_MODELS.map((m) => m.name);
  if (!BENCH_MODELS.some((m) => m.name === value)) {
    throw new Error(`--model="${value}" no es válido: usa lenet5, vggish o both.`);
  }
  return [value];
}

if (import.meta.main) {
  const names = parseModelArg(Deno.args);
  const runtime = await initRuntime({ quiet: true });
  for (const spec of BENCH_MODELS.filter((m) => names.includes(m.name))) {
    emit(await benchModel(spec, runtime));
  }
  if (!Deno.args.includes("--no-augment")) { for (const r of await benchAugment(runtime)) emit(r); }
}
