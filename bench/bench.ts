/**
 * `deno task bench [--model lenet5|vggish|both] [--repeats 5] [--peer path/to/peer_pytorch.py [--peer-threads N]]
 * [--no-augment]`:
 * training and inference throughput of the two benchmark CNNs on the active backend (`TFJS_BACKEND`
 * honoured), one JSON line per model. With `--peer`, the PyTorch peer runs first (Debian's
 * `/usr/bin/python3`, same models and protocol) and one `ratio` line per model follows, so both sides are
 * measured back to back under the same machine load.
 *
 * Protocol of `shared/bench/peer_pytorch.py`: random data (2,048 samples for LeNet-5, 512 for
 * VGG-ish), Adam lr 1e-3, batch 64, cross-entropy, one warm-up epoch then `repeats` timed epochs (default 5;
 * `model.fit`, no shuffling, as a student trains), inference in batches of 256: one warm-up pass then `repeats`
 * timed passes over the data. The figures are the medians (this machine is shared: one epoch is not a
 * measurement), with `train_min_max` / `infer_min_max`; `--peer` ratios compare medians.
 * Other sections (e.g. data augmentation) can add lines with {@link emit}.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initRuntime, type RuntimeInfo } from "../lib/engine/runtime.ts";
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
  /** Timed epochs and inference passes after the warm-up; the figure is their median (default 5, as the peer). */
  repeats?: number;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error("median: la lista está vacía.");
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Trains and runs one benchmark model; returns its JSON record (all tensors disposed afterwards). */
export async function benchModel(spec: BenchModel, runtime: RuntimeInfo, options: BenchOptions = {}) {
  const batch = options.batch ?? 64;
  const inferBatch = options.inferBatch ?? 256;
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new Error(`benchModel: repeats debe ser un entero ≥ 1, se recibió ${repeats}.`);
  }
  const { n, inputShape } = spec;
  const model = spec.build();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const X = tf.randomUniform([n, ...inputShape]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([n], 0, 10, "int32"), 10).toFloat());
  const fitArgs = { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 as const };

  await model.fit(X, y, fitArgs); // warm-up epoch (also creates the optimizer's state)
  const numTensorsBefore = tf.memory().numTensors;
  const train: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await model.fit(X, y, fitArgs);
    train.push(n / ((performance.now() - t) / 1000));
  }

  const predictArgs = { batchSize: inferBatch }; // one forward pass per chunk (predict's default is 32)
  const warm = tf.tidy(() => model.predict(X.slice(0, inferBatch), predictArgs) as tf.Tensor);
  await warm.data();
  warm.dispose();
  const infer: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i += inferBatch) {
      const out = tf.tidy(() => model.predict(X.slice(i, Math.min(inferBatch, n - i)), predictArgs) as tf.Tensor);
      await out.data();
      out.dispose();
    }
    infer.push(n / ((performance.now() - t) / 1000));
  }
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
    repeats,
    train_samples_per_s: round1(median(train)),
    infer_samples_per_s: round1(median(infer)),
    train_min_max: [round1(Math.min(...train)), round1(Math.max(...train))],
    infer_min_max: [round1(Math.min(...infer)), round1(Math.max(...infer))],
    numTensors_before: numTensorsBefore,
    numTensors_after: numTensorsAfter,
  };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  return i < 0 ? undefined : args[i].includes("=") ? args[i].slice(name.length + 1) : args[i + 1];
}

/** Runs the PyTorch peer script and returns its JSON lines (one per model); `threads` defaults to the peer's 2. */
export async function runPeer(
  script: string,
  model: string,
  threads?: number,
  repeats?: number,
): Promise<Record<string, unknown>[]> {
  const args = [
    script,
    "--model",
    model,
    ...(threads ? ["--threads", String(threads)] : []),
    ...(repeats ? ["--repeats", String(repeats)] : []),
  ];
  const out = await new Deno.Command("/usr/bin/python3", { args, stderr: "inherit" }).output();
  if (!out.success) throw new Error(`El peer ${script} terminó con código ${out.code}.`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

function parseModelArg(args: string[]): string[] {
  const value = argValue(args, "--model") ?? "both";
  if (value === "both") return BENCH_MODELS.map((m) => m.name);
  if (!BENCH_MODELS.some((m) => m.name === value)) {
    throw new Error(`--model="${value}" no es válido: usa lenet5, vggish o both.`);
  }
  return [value];
}

if (import.meta.main) {
  const names = parseModelArg(Deno.args);
  const peerScript = argValue(Deno.args, "--peer");
  const peerThreads = argValue(Deno.args, "--peer-threads");
  const repeatsArg = argValue(Deno.args, "--repeats");
  const repeats = repeatsArg ? Number(repeatsArg) : 5;
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new Error(`--repeats="${repeatsArg}" no es válido: usa un entero ≥ 1.`);
  }
  const peer = peerScript
    ? await runPeer(
      peerScript,
      names.length > 1 ? "both" : names[0],
      peerThreads ? Number(peerThreads) : undefined,
      repeats,
    )
    : [];
  peer.forEach(emit);
  const runtime = await initRuntime({ quiet: true });
  for (const spec of BENCH_MODELS.filter((m) => names.includes(m.name))) {
    const ours = await benchModel(spec, runtime, { repeats });
    emit(ours);
    const p = peer.find((r) => r.model === spec.name);
    if (p) {
      emit({
        ratio: `${runtime.backend} / ${p.peer}`,
        model: spec.name,
        train: Math.round(100 * ours.train_samples_per_s / (p.train_samples_per_s as number)) / 100,
        infer: Math.round(100 * ours.infer_samples_per_s / (p.infer_samples_per_s as number)) / 100,
      });
    }
  }
  if (!Deno.args.includes("--no-augment")) { for (const r of await benchAugment(runtime)) emit(r); }
}
