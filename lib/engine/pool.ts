/**
 * Per-kernel thread choice for the threaded wasm backend.
 *
 * XNNPACK runs every operator on one pthreadpool, fixed when the backend starts. Splitting a small
 * operator across threads costs more (waking the pool, waiting for the slowest thread on a loaded
 * machine) than it gives: LeNet-5's convolutions trained slower with 2 threads than with 1. This module
 * keeps two pools, the backend's own and a one-thread pool, and picks one per kernel by its work size:
 *
 * - the backend keeps the pool in a C++ global; its address is found once by creating a one-thread pool
 *   with the exported `init_with_threads_count(1)` and looking for the word of wasm memory that changed
 *   from the old pool to the new one, verified with `get_threads_count()` (pthreadpool runs a parallel
 *   loop inline when its pool has one thread);
 * - `Engine.runKernelFunc` is wrapped: before each top-level kernel on the wasm backend the global is set
 *   to the pool its work size calls for (see {@link kernelWork} and {@link POOL_MIN_WORK}).
 *
 * If anything does not match (another tfjs version) the backend simply keeps its one pool.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** The parts of the Emscripten module of tfjs-backend-wasm used here. */
interface WasmModule {
  HEAPU32: Uint32Array;
  _init_with_threads_count(n: number): void;
  _get_threads_count(): number;
}

/**
 * Smallest work (multiply-adds for convolutions and matrix products, elements otherwise) for which a
 * kernel runs on all threads; smaller ones run on one.
 *
 * Measured with `deno run -A bench/pool_threshold.ts` (2 threads against 1, alternated in one process,
 * median of 15) on the 2-core AMD EPYC VM, **idle** (load average < 0.5, 2026-11-30 16:50, every other job
 * stopped). Time on 2 threads / time on 1:
 *
 * | kernel (batch)                          | work        | 2 thr / 1 thr        |
 * | --------------------------------------- | ----------- | -------------------- |
 * | LeNet-5 conv1 fwd / filter / input (64) | 7.5 M MAC   | 0.57 / 0.91 / 0.64   |
 * | LeNet-5 conv2 fwd / filter / input (64) | 15 M MAC    | 0.70 / 0.76 / 0.97   |
 * | LeNet-5 conv1, conv2 fwd (256)          | 30 M, 61 M  | 1.01, 0.62           |
 * | VGG-ish conv1 fwd / filter / input (8)  | 7.1 M MAC   | 0.58 / 0.91 / 0.49   |
 * | VGG-ish conv3 fwd / filter / input (64) | 302 M MAC   | 0.62 / 0.70 / 0.60   |
 * | VGG-ish conv2 fwd / filter / input (64) | 604 M MAC   | 0.62 / 0.76 / 0.64   |
 * | dense 400→120 (64, 256), 4096→128 (64)  | 3.1–34 M    | 0.87, 0.98, 1.04     |
 * | max pool (64), add, relu (VGG, 64)      | 0.3–2.1 M   | 1.04, 0.98; 1.27, 1.07 |
 *
 * On an idle machine every convolution from 7 M multiply-adds gains with the second thread (up to ×2), dense
 * layers are even, pooling and element-wise kernels lose: threads from 5 M multiply-adds, pooling and
 * element-wise always on one thread. (Under heavy load — load average 7–10, other engineers' jobs — the
 * same script showed every kernel under 40 M multiply-adds *losing* with the second thread, up to 22× for
 * tiny ones whose pool thread was descheduled; the threshold follows the idle figures, a student's laptop
 * being closer to them.)
 */
export const POOL_MIN_WORK = {
  /** Convolutions (forward and both gradients) and matrix products, in multiply-adds. */
  macs: 5e6,
  /** Every other kernel (pooling, element-wise), in elements of its largest input. */
  elements: Number.POSITIVE_INFINITY,
};

let wasm: WasmModule | undefined;
let poolAddress = -1;
let allPool = 0;
let onePool = 0;
let forced: "all" | "one" | undefined;
let installed = false;

/** Reads the wasm backend's Emscripten module (undefined before the backend is initialised). */
function wasmModule(): WasmModule | undefined {
  // deno-lint-ignore no-explicit-any
  const m = (tf.findBackend("wasm") as any)?.wasm;
  return m && typeof m._init_with_threads_count === "function" && typeof m._get_threads_count === "function"
    ? m
    : undefined;
}

/**
 * Finds the backend's pool and creates the one-thread pool (once per process). Returns true when the
 * backend runs on more than one thread and both pools are ready.
 */
export function setupPools(): boolean {
  if (poolAddress >= 0) return true;
  const m = wasmModule();
  if (!m) return false;
  const threads = m._get_threads_count();
  if (threads < 2) return false;
  const before = m.HEAPU32.slice();
  m._init_with_threads_count(1);
  const after = m.HEAPU32; // read after the call: the heap may have grown
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i] || before[i] === 0) continue;
    const next = after[i];
    after[i] = before[i];
    const restored = m._get_threads_count();
    after[i] = next;
    if (restored === threads && m._get_threads_count() === 1) {
      wasm = m;
      poolAddress = i;
      allPool = before[i];
      onePool = next;
      after[i] = allPool; // the backend keeps all its threads until a kernel asks for one
      return true;
    }
  }
  // Not found: the one-thread pool is now the backend's; there is no way back to the threaded one.
  throw new Error("engine/pool: no se encontró el pool de hilos del backend wasm (¿otra versión de tfjs?).");
}

function setPool(pool: number): void {
  if (!wasm) return;
  const heap = wasm.HEAPU32;
  if (heap[poolAddress] !== pool) heap[poolAddress] = pool;
}

/** Threads the next wasm kernel computes with (1 or the backend's count), as set by the pool choice. */
export function activePoolThreads(): number {
  return wasm ? wasm._get_threads_count() : 1;
}

/**
 * Forces every kernel onto all threads (`"all"`) or one (`"one"`), or back to the per-kernel choice
 * (`undefined`). Used to measure the threshold and by tests.
 */
export function forcePool(choice: "all" | "one" | undefined): void {
  forced = choice;
  setPool(choice === "one" ? onePool : allPool);
}

const CONV = new Set([
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropInput",
  "Conv2DBackpropFilter",
  "DepthwiseConv2dNative",
  "FusedDepthwiseConv2D",
  "DepthwiseConv2dNativeBackpropInput",
  "DepthwiseConv2dNativeBackpropFilter",
]);
const MATMUL = new Set(["BatchMatMul", "_FusedMatMul"]);

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Work of one kernel call: multiply-adds for convolutions (output elements × filter height × width ×
 * input channels, depthwise: × 1) and matrix products, the largest input otherwise
 * (`{ macs }` or `{ elements }`).
 */
export function kernelWork(
  kernelName: string,
  inputs: Record<string, { shape: readonly number[] } | undefined>,
  attrs: Record<string, unknown> = {},
): { macs: number } | { elements: number } {
  const shapes = Object.values(inputs).filter((t) => t).map((t) => t!.shape);
  if (CONV.has(kernelName)) {
    // The filter (or, for its gradient, the filter shape) is [fh, fw, inC, outC or multiplier];
    // the output positions × channels are dy's shape for the gradients, computed from x for the forward.
    const f = (inputs.filter?.shape ?? attrs.filterShape) as readonly number[] | undefined;
    const x = inputs.x?.shape ?? inputs.input?.shape ?? (attrs.inputShape as readonly number[] | undefined);
    const dy = inputs.dy?.shape;
    if (f && f.length === 4) {
      const depthwise = kernelName.startsWith("Depthwise") || kernelName === "FusedDepthwiseConv2D";
      const perOutput = f[0] * f[1] * (depthwise ? 1 : f[2]);
      if (dy) return { macs: size(dy) * perOutput };
      if (x) {
        const info = tf.backend_util.computeConv2DInfo(
          x as [number, number, number, number],
          f as [number, number, number, number],
          (attrs.strides ?? 1) as number | [number, number],
          (attrs.dilations ?? 1) as number | [number, number],
          (attrs.pad ?? "valid") as "valid" | "same",
          undefined,
          depthwise,
        );
        return { macs: size(info.outShape) * perOutput };
      }
    }
  }
  if (MATMUL.has(kernelName)) {
    const [a, b] = [inputs.a?.shape, inputs.b?.shape];
    if (a && b) {
      const ta = attrs.transposeA === true, tb = attrs.transposeB === true;
      const m = a[a.length - (ta ? 1 : 2)], k = a[a.length - (ta ? 2 : 1)], n = b[b.length - (tb ? 2 : 1)];
      const batch = size(a.slice(0, -2));
      return { macs: batch * m * k * n };
    }
  }
  return { elements: Math.max(0, ...shapes.map(size)) };
}

/** True when a kernel with this work runs on all threads. */
export function usesAllThreads(work: { macs: number } | { elements: number }): boolean {
  return "macs" in work ? work.macs >= POOL_MIN_WORK.macs : work.elements >= POOL_MIN_WORK.elements;
}

type KernelParams = { kernelName: string; inputs: Record<string, tf.Tensor>; attrs?: Record<string, unknown> };

/**
 * Sets up both pools and wraps the engine so that each top-level kernel on the wasm backend runs on the
 * pool its work calls for. Idempotent; returns false (and changes nothing) when the backend has one thread.
 */
export function installPoolChoice(): boolean {
  if (installed) return true;
  if (!setupPools()) return false;
  // deno-lint-ignore no-explicit-any
  const engine = tf.engine() as any;
  const original = engine.runKernelFunc;
  if (typeof original !== "function") return false;
  engine.runKernelFunc = function (params: KernelParams) {
    if (forced || this.backendName !== "wasm" || !params.kernelName) return original.call(this, params);
    const prev = wasm!.HEAPU32[poolAddress];
    setPool(usesAllThreads(kernelWork(params.kernelName, params.inputs ?? {}, params.attrs)) ? allPool : onePool);
    try {
      return original.call(this, params);
    } finally {
      setPool(prev);
    }
  };
  installed = true;
  return true;
}
