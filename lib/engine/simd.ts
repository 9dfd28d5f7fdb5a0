/**
 * Hand-written WebAssembly SIMD kernels (`simd_kernels.wat`, assembled by `tools/build_wasm.ts` into
 * `simd_kernels.ts`) instantiated on the wasm backend's own memory, so that they read and write tensors where
 * they lie on its heap.
 *
 * The threaded build of tfjs-backend-wasm keeps its memory in `Module.wasmMemory` (shared), the
 * single-threaded one exports it (`Module.asm.memory`); the variant whose import matches is instantiated
 * synchronously (the module is a few kilobytes) on first use. Growing a memory replaces its buffer, never
 * the `WebAssembly.Memory` object the instance imported, so the instance stays valid.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { SIMD_KERNELS_SHARED, SIMD_KERNELS_UNSHARED } from "./simd_kernels.ts";

/** The functions of `simd_kernels.wat`; pointers are byte offsets into the backend's heap. */
export interface SimdKernels {
  /** Max-pool gradient for 2×2 windows, stride 2, no padding, NHWC float32 (see the .wat). */
  maxPoolGrad2x2(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    ch: number,
    outH: number,
    outW: number,
  ): void;
  /**
   * Filter gradient `[fh, fw, C, K]` of a convolution by direct accumulation, NHWC float32, `k` a multiple of
   * 4 (see the .wat); `sh, sw` strides, `dh, dw` dilations, `top, left` padding.
   */
  filterGradDirect(
    x: number,
    dy: number,
    out: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    k: number,
    fh: number,
    fw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
  ): void;
}

/** The parts of tfjs-backend-wasm's Emscripten module used here. */
interface EmscriptenModule {
  HEAPU8: Uint8Array;
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
}

let cached: { memory: WebAssembly.Memory; kernels: SimdKernels | null } | undefined;

/** The wasm backend's heap as a `WebAssembly.Memory`, or undefined when it is not where expected. */
export function heapMemory(backend: tf.KernelBackend): WebAssembly.Memory | undefined {
  const module = (backend as { wasm?: EmscriptenModule }).wasm;
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * The SIMD kernels bound to the memory of `backend` (the wasm backend), or null where they cannot be used:
 * no memory where expected, or a runtime without WebAssembly SIMD. Instantiated once per memory.
 */
export function simdKernels(backend: tf.KernelBackend): SimdKernels | null {
  const memory = heapMemory(backend);
  if (!memory) return null;
  if (cached?.memory === memory) return cached.kernels;
  // A check that this is the heap the backend's typed arrays view. Not cached when it fails: right after a
  // growth the module's views may still hold the old buffer until its next refresh.
  if (memory.buffer !== (backend as unknown as { wasm: EmscriptenModule }).wasm.HEAPU8.buffer) return null;
  let kernels: SimdKernels | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(decode(shared ? SIMD_KERNELS_SHARED : SIMD_KERNELS_UNSHARED));
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
  } catch {
    kernels = null; // no SIMD, or an unexpected memory: the callers keep their JavaScript loops
  }
  cached = { memory, kernels };
  return kernels;
}
