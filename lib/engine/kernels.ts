/**
 * Fast convolution gradient kernels for the wasm backend, built from its own XNNPACK kernels.
 *
 * As shipped, `@tensorflow/tfjs-backend-wasm` cannot train a conv net: `Conv2DBackpropFilter` and the
 * depthwise gradients are missing, and `Conv2DBackpropInput` is a naive loop. Each kernel here is a
 * short composition of fast kernels the backend already has (Conv2D, DepthwiseConv2dNative,
 * Transpose, PadV2, Reverse, Slice, Sum):
 *
 * - filter gradient: transpose `x` to `[C, H, W, N]` and `dy` to `[outH, outW, N, K]`; a convolution of
 *   the first with the second, with dilation = the forward stride, gives `[C, fh', fw', K]`; slice it to
 *   the filter size and transpose back to `[fh, fw, C, K]`.
 * - input gradient: interleave `dy` with zeros (stride upsampling) and convolve it with the spatially
 *   flipped filter whose input and output channels are swapped ("full" padding).
 *
 * Depthwise kernels use the same identities with a depthwise convolution over `N·C` channels followed by
 * a sum over the batch (filter gradient) or over the channel multiplier (input gradient).
 *
 * Profiling a training step also showed stock kernels that dominate it for other reasons, replaced here:
 * `Slice` and `GatherV2` copy the whole input tensor out of the wasm heap on every call (batching a data
 * set), `BatchMatMul`/`_FusedMatMul` fall back to a naive loop whenever an operand is transposed (every
 * dense layer's gradient), and `MaxPoolGrad` is a naive loop; the replacements work on views of the
 * wasm heap or transpose explicitly before XNNPACK's matrix multiply; `Sum` over the leading axes (every
 * bias gradient) transposed the whole tensor first and now adds rows in one pass.
 *
 * The filter gradient of few-input-channel layers (every network's first layer) is a hand-written WebAssembly
 * SIMD kernel instead (`filterGradDirect` in `simd_kernels.wat`): it accumulates `x · dy` with 16 filters in
 * registers, without the transposes and without XNNPACK's packing of `dy` that both matrix-product routes pay
 * on every call ({@link DIRECT_MAX_ROWS}).
 *
 * `MaxPoolGrad` with 2×2 windows and stride 2 (every pooling layer the course trains) is a hand-written
 * WebAssembly SIMD kernel (`simd_kernels.wat`, loaded by `simd.ts` on the backend's own heap): four
 * channels at a time, compares and bit selects instead of branches, which a JavaScript loop mispredicted on
 * random data (~18 ns per window; a branch-free JavaScript version did not help). Other pool geometries keep
 * the loop over heap views.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { simdKernels } from "./simd.ts";

type Info = tf.TensorInfo;
type Pads = [[number, number], [number, number], [number, number], [number, number]];

/** Names of the kernels this module registers on the wasm backend. */
export const WASM_FAST_KERNELS = [
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
  "MaxPoolGrad",
  "BatchMatMul",
  "_FusedMatMul",
  "Slice",
  "GatherV2",
  "Sum",
] as const;

/** One of {@link WASM_FAST_KERNELS}. */
export type WasmFastKernelName = typeof WASM_FAST_KERNELS[number];

/**
 * Kernels registered on the cpu backend: its convolution gradients are naive loops (LeNet-5 trained at
 * ~10 samples/s); the same identities over its own Conv2D run about ten times faster.
 */
export const CPU_FAST_KERNELS = [
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
] as const;

/** Backends {@link registerFastKernels} supports. */
export type FastKernelBackend = "wasm" | "cpu";

const FAST_KERNELS: Record<FastKernelBackend, readonly WasmFastKernelName[]> = {
  wasm: WASM_FAST_KERNELS,
  cpu: CPU_FAST_KERNELS,
};

/** The parts of tfjs-backend-wasm's `BackendWasm` (not exported as a type) used by the kit's kernels. */
export interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

/** The stock kernels replaced by this module (key `backend/kernel`), for delegation and restoring. */
const stock = new Map<string, tf.KernelConfig>();

function callStock(name: string, args: KernelArgs): Info {
  const config = stock.get(`wasm/${name}`);
  if (!config) throw new Error(`Kernel '${name}' has no stock implementation on the wasm backend`);
  return config.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/** Options for {@link registerFastKernels}. */
export interface RegisterKernelsOptions {
  /** Backend to register on: `"wasm"` (default) or `"cpu"`. */
  backend?: FastKernelBackend;
}

/** A small "program" context: runs the backend's own kernels and frees every intermediate at the end. */
class Ops {
  readonly temps: Info[] = [];
  constructor(readonly backend: tf.KernelBackend, readonly backendName: string) {}

  /** Runs kernel `name` of the backend and remembers its output for {@link free}. */
  run(name: string, inputs: Record<string, Info>, attrs: Record<string, unknown> = {}): Info {
    const kernel = tf.getKernel(name, this.backendName);
    if (!kernel) throw new Error(`Kernel '${name}' not registered for backend '${this.backendName}'`);
    const out = kernel.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      attrs: attrs as tf.NamedAttrMap,
      backend: this.backend,
    }) as Info;
    this.temps.push(out);
    return out;
  }
  transpose(x: Info, perm: number[]): Info {
    return this.run("Transpose", { x }, { perm });
  }
  reshape(x: Info, shape: number[]): Info {
    return this.run("Reshape", { x }, { shape });
  }
  slice(x: Info, begin: number[], size: number[]): Info {
    const same = begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i]);
    return same ? x : this.run("Slice", { x }, { begin, size });
  }
  sum(x: Info, axis: number): Info {
    return this.run("Sum", { x }, { axis: [axis], keepDims: false });
  }
  conv2d(x: Info, filter: Info, strides: [number, number], pad: Pads, dilations: [number, number]): Info {
    return this.run("Conv2D", { x, filter }, {
      strides,
      pad,
      dilations,
      dataFormat: "NHWC",
      dimRoundingMode: undefined,
    });
  }
  depthwise(x: Info, filter: Info, strides: [number, number], pad: Pads, dilations: [number, number]): Info {
    return this.run("DepthwiseConv2dNative", { x, filter }, {
      strides,
      pad,
      dilations,
      dataFormat: "NHWC",
      dimRoundingMode: undefined,
    });
  }
  /** Inserts `s - 1` zeros between rows/columns of an NHWC tensor: `[N, h, w, C]` → `[N, h·sh, w·sw, C]`. */
  upsample(x: Info, sh: number, sw: number): Info {
    if (sh === 1 && sw === 1) return x;
    const [n, h, w, c] = x.shape;
    const x6 = this.reshape(x, [n, h, 1, w, 1, c]);
    const padded = this.run("PadV2", { x: x6 }, {
      paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
      constantValue: 0,
    });
    return this.reshape(padded, [n, h * sh, w * sw, c]);
  }
  /** Disposes every intermediate except `keep` (the kernel's output). */
  free(keep: Info): Info {
    for (const t of this.temps) if (t !== keep) this.backend.disposeData(t.dataId);
    return keep;
  }
}

function explicit(top: number, bottom: number, left: number, right: number): Pads {
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

function checkNHWC(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== "NHWC" && dataFormat !== "channelsLast") {
    throw new Error(`${kernel}: only dataFormat 'NHWC' is supported here, received '${dataFormat}'.`);
  }
}

interface GradGeometry {
  info: tf.backend_util.Conv2DInfo;
  /** Stride and dilation of the forward convolution. */
  sh: number;
  sw: number;
  dh: number;
  dw: number;
}

function geometry(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
  depthwise: boolean,
): GradGeometry {
  const dilations = (attrs.dilations ?? [1, 1]) as number | [number, number];
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    dilations,
    attrs.pad as "valid" | "same" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    depthwise,
  );
  return { info, sh: info.strideHeight, sw: info.strideWidth, dh: info.dilationHeight, dw: info.dilationWidth };
}

/**
 * Filter gradient `dW[r,s,c,k] = Σ_{n,i,j} x[n, i·sh + r·dh − top, j·sw + s·dw − left, c] · dy[n,i,j,k]`: on wasm
 * for few input channels ({@link useDirect}) by the direct SIMD kernel, otherwise as one convolution of `x`
 * (batch ↔ channels swapped) with `dy` (as a filter) at dilation `sh`.
 */
function conv2DBackpropFilter(
  args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap },
): Info {
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs ?? {};
  checkNHWC(attrs.dataFormat, "Conv2DBackpropFilter");
  const filterShape = attrs.filterShape as [number, number, number, number];
  const { info, sh, sw, dh, dw } = geometry(x.shape, filterShape, attrs, false);
  const [fh, fw, c, k] = filterShape;
  const ops = new Ops(args.backend, tf.getBackend());
  const simd = ops.backendName === "wasm" && useDirect(info) && x.shape.every((d) => d > 0)
    ? simdKernels(args.backend)
    : null;
  if (simd) {
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput([fh, fw, c, k], "float32");
    const at = (t: Info) => backend.typedArrayFromHeap(t).byteOffset; // after the last allocation
    const { batchSize: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, padInfo: p } = info;
    simd.filterGradDirect(at(x), at(dy), at(out), n, h, w, c, oh, ow, k, fh, fw, sh, sw, dh, dw, p.top, p.left);
    return out;
  }
  const xT = ops.transpose(x, [3, 1, 2, 0]); // [C, H, W, N]
  const dyT = ops.transpose(dy, [1, 2, 0, 3]); // [outH, outW, N, K]
  const p = info.padInfo;
  const conv = ops.conv2d(xT, dyT, [dh, dw], explicit(p.top, p.bottom, p.left, p.right), [sh, sw]); // [C, ≥fh, ≥fw, K]
  const cut = ops.slice(conv, [0, 0, 0, 0], [c, fh, fw, k]);
  return ops.free(ops.transpose(cut, [1, 2, 0, 3]));
}

/** Which filter-gradient path the wasm kernel takes: by {@link useDirect}, or one forced. */
export type FilterGradPath = "auto" | "direct" | "transposed-conv";
let filterGradPath: FilterGradPath = "auto";

/**
 * Forces a filter-gradient path on wasm (or back to `"auto"`) and returns the previous setting; for tests
 * and `bench/filter_grad.ts`, which check and time both paths on the same shapes.
 */
export function setFilterGradPath(path: FilterGradPath): FilterGradPath {
  const previous = filterGradPath;
  filterGradPath = path;
  return previous;
}

/**
 * Filter rows (`fh·fw·C`) up to which the direct SIMD kernel is taken. Measured with `deno run -A
 * bench/filter_grad.ts` (2 threads for XNNPACK, one for the kernel, batch 64): it wins by 3–6× on the few-channel
 * first layers (MiCNN's 1→16: 0.7 ms against 6.1 for the transposed convolution and 4.3 for the im2col path it
 * replaced; VGG-ish's 3→32: 4.8 against 19.4 and 14.3 ms), still at 8→32 (rows 72: 12.5 against 23.9 ms),
 * and is level or behind beyond (MiCNN's 16→32: 5.3 against 5.1 ms; VGG-ish's 32→64: 28.4 against 23.5 ms).
 */
export const DIRECT_MAX_ROWS = 72;

/** Whether the filter gradient of this convolution takes the direct SIMD kernel (`K` must be a multiple of 4). */
export function useDirect(info: tf.backend_util.Conv2DInfo): boolean {
  if (info.outChannels % 4 !== 0) return false;
  if (filterGradPath !== "auto") return filterGradPath === "direct";
  return info.filterHeight * info.filterWidth * info.inChannels <= DIRECT_MAX_ROWS;
}

/**
 * Pads and crop for the "full" convolution that maps a (zero-interleaved) `dy` of height `hu` back to an
 * input of height `h`: top = `fhe − 1 − padTop`, bottom chosen so that the output has `h` rows; negative
 * pads become a crop of the output.
 */
function fullPads(h: number, hu: number, fhe: number, padTop: number): { before: number; after: number; crop: number } {
  const before = fhe - 1 - padTop;
  const after = h + fhe - 1 - hu - before;
  return { before: Math.max(0, before), after: Math.max(0, after), crop: Math.max(0, -before) };
}

/** Input gradient: the zero-interleaved `dy` convolved with the flipped filter, channels swapped. */
function conv2DBackpropInput(
  args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap },
): Info {
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs ?? {};
  checkNHWC(attrs.dataFormat, "Conv2DBackpropInput");
  const inputShape = attrs.inputShape as [number, number, number, number];
  const { info, sh, sw, dh, dw } = geometry(inputShape, filter.shape, attrs, false);
  const [n, h, w, c] = inputShape;
  const ops = new Ops(args.backend, tf.getBackend());
  const up = ops.upsample(dy, sh, sw); // [N, outH·sh, outW·sw, K]
  const flipped = ops.transpose(ops.run("Reverse", { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]); // [fh, fw, K, C]
  const ph = fullPads(h, up.shape[1], info.effectiveFilterHeight, info.padInfo.top);
  const pw = fullPads(w, up.shape[2], info.effectiveFilterWidth, info.padInfo.left);
  const conv = ops.conv2d(up, flipped, [1, 1], explicit(ph.before, ph.after, pw.before, pw.after), [dh, dw]);
  return ops.free(ops.slice(conv, [0, ph.crop, pw.crop, 0], [n, h, w, c]));
}

/** Depthwise filter gradient: one depthwise convolution over the `N·C` channels, then a sum over `N`. */
function depthwiseBackpropFilter(args: KernelArgs): Info {
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs ?? {};
  checkNHWC(attrs.dataFormat, "DepthwiseConv2dNativeBackpropFilter");
  const filterShape = attrs.filterShape as [number, number, number, number];
  const { info, sh, sw, dh, dw } = geometry(x.shape, filterShape, attrs, true);
  const [fh, fw, c, m] = filterShape;
  const [n, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  const ops = new Ops(args.backend, tf.getBackend());
  const xT = ops.reshape(ops.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]); // channels (n, c)
  const dy5 = ops.reshape(dy, [n, oh, ow, c, m]);
  const dyT = ops.reshape(ops.transpose(dy5, [1, 2, 0, 3, 4]), [oh, ow, n * c, m]);
  const p = info.padInfo;
  const conv = ops.depthwise(xT, dyT, [dh, dw], explicit(p.top, p.bottom, p.left, p.right), [sh, sw]);
  const cut = ops.slice(conv, [0, 0, 0, 0], [1, fh, fw, n * c * m]);
  const perBatch = ops.reshape(cut, [fh, fw, n, c * m]);
  const summed = n === 1 ? perBatch : ops.sum(perBatch, 2);
  return ops.free(ops.reshape(summed, [fh, fw, c, m]));
}

/** Depthwise input gradient: depthwise convolution of the upsampled `dy` with the flipped filter, summed over the multiplier. */
function depthwiseBackpropInput(args: KernelArgs): Info {
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs ?? {};
  checkNHWC(attrs.dataFormat, "DepthwiseConv2dNativeBackpropInput");
  const inputShape = attrs.inputShape as [number, number, number, number];
  const { info, sh, sw, dh, dw } = geometry(inputShape, filter.shape, attrs, true);
  const [n, h, w, c] = inputShape;
  const [fh, fw, , m] = filter.shape;
  const ops = new Ops(args.backend, tf.getBackend());
  const up = ops.upsample(dy, sh, sw); // [N, ·, ·, C·M]
  const flipped = ops.reshape(ops.run("Reverse", { x: filter }, { dims: [0, 1] }), [fh, fw, c * m, 1]);
  const ph = fullPads(h, up.shape[1], info.effectiveFilterHeight, info.padInfo.top);
  const pw = fullPads(w, up.shape[2], info.effectiveFilterWidth, info.padInfo.left);
  const conv = ops.depthwise(up, flipped, [1, 1], explicit(ph.before, ph.after, pw.before, pw.after), [dh, dw]);
  const cut = ops.slice(conv, [0, ph.crop, pw.crop, 0], [n, h, w, c * m]);
  const out = m === 1 ? cut : ops.sum(ops.reshape(cut, [n, h, w, c, m]), 4);
  return ops.free(out);
}

/**
 * Whether `MaxPoolGrad` on wasm uses the SIMD kernel of `simd_kernels.wat` for 2×2 windows, stride 2, no
 * padding (on by default; off, or where the kernel cannot be instantiated, the JavaScript loop). Measured
 * with `deno run -A bench/max_pool_grad.ts` (2-core VM, batch 64, median of 31, after a ReLU), loop → SIMD:
 * LeNet-5's [64, 28, 28, 6] 1,34 → 0,13 ms, MiCNN's [64, 28, 28, 16] 3,6 → 0,39 ms and [64, 14, 14, 32]
 * 1,74 → 0,12 ms, VGG-ish's [64, 32, 32, 32] 9,7 → 1,47 ms and [64, 16, 16, 64] 4,7 → 0,49 ms (7–15×;
 * ~1,2–2,8 ns per window, the larger shapes bound by memory). LeNet-5's epoch (`bench/profile.ts`) spends
 * 13 ms in `MaxPoolGrad` instead of 41–44.
 */
let maxPoolGradSimd = true;

/**
 * Switches the SIMD 2×2 max-pool gradient on or off (off: the JavaScript loop) and returns the previous
 * setting; for tests and `bench/max_pool_grad.ts`, which check and time both.
 */
export function setMaxPoolGradSimd(on: boolean): boolean {
  const previous = maxPoolGradSimd;
  maxPoolGradSimd = on;
  return previous;
}

/**
 * Max-pool gradient as a scatter: each `dy` value goes to the first maximum of its window (row-major scan,
 * strictly greater — the tie rule of tfjs' reference), accumulated in `dx`. 2×2 windows with stride 2 and no
 * padding (non-overlapping) take the SIMD kernel of `simd_kernels.wat`; the rest loops over heap views.
 */
function maxPoolGrad(args: KernelArgs): Info {
  const { dy, input } = args.inputs as { dy: Info; input: Info };
  const attrs = args.attrs ?? {};
  const backend = args.backend as WasmBackend;
  const ci = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as "valid" | "same" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const dx = backend.makeOutput(input.shape, "float32");
  const out = backend.typedArrayFromHeap(dx) as Float32Array; // views after the last allocation
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth } = ci;
  const { dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = ci;
  const top = ci.padInfo.top, left = ci.padInfo.left;
  const rowStride = inWidth * ch, batchStride = inHeight * rowStride;
  const twoByTwo = effectiveFilterHeight === 2 && effectiveFilterWidth === 2 && strideHeight === 2 &&
    strideWidth === 2 && top === 0 && left === 0 && 2 * outHeight <= inHeight && 2 * outWidth <= inWidth;
  const simd = twoByTwo && maxPoolGradSimd && out.length > 0 ? simdKernels(backend) : null;
  if (simd) { // writes every value of dx itself (no zero fill)
    simd.maxPoolGrad2x2(
      x.byteOffset,
      g.byteOffset,
      out.byteOffset,
      batchSize,
      inHeight,
      inWidth,
      ch,
      outHeight,
      outWidth,
    );
    return dx;
  }
  out.fill(0);
  if (twoByTwo) {
    maxPoolGrad2x2(x, g, out, batchSize, outHeight, outWidth, ch, rowStride, batchStride);
    return dx;
  }
  let gi = 0;
  for (let b = 0; b < batchSize; b++) {
    const xb = b * batchStride;
    for (let yr = 0; yr < outHeight; yr++) {
      const rCorner = yr * strideHeight - top;
      let rMin = rCorner;
      while (rMin < 0) rMin += dilationHeight;
      const rMax = Math.min(inHeight, rCorner + effectiveFilterHeight);
      for (let yc = 0; yc < outWidth; yc++) {
        const cCorner = yc * strideWidth - left;
        let cMin = cCorner;
        while (cMin < 0) cMin += dilationWidth;
        const cMax = Math.min(inWidth, cCorner + effectiveFilterWidth);
        for (let d = 0; d < ch; d++, gi++) {
          let best = Number.NEGATIVE_INFINITY, at = -1;
          for (let r = rMin; r < rMax; r += dilationHeight) {
            const rowBase = xb + r * rowStride + d;
            for (let c = cMin; c < cMax; c += dilationWidth) {
              const v = x[rowBase + c * ch];
              if (v > best) {
                best = v;
                at = rowBase + c * ch;
              }
            }
          }
          if (at >= 0) out[at] += g[gi];
        }
      }
    }
  }
  return dx;
}

/** The common 2×2, stride-2, unpadded case of {@link maxPoolGrad}, unrolled (same tie rule). */
function maxPoolGrad2x2(
  x: Float32Array,
  g: Float32Array,
  out: Float32Array,
  batch: number,
  outH: number,
  outW: number,
  ch: number,
  rowStride: number,
  batchStride: number,
): void {
  let gi = 0;
  for (let b = 0; b < batch; b++) {
    for (let yr = 0; yr < outH; yr++) {
      const rowBase = b * batchStride + 2 * yr * rowStride;
      for (let yc = 0; yc < outW; yc++) {
        const base = rowBase + 2 * yc * ch;
        for (let d = 0; d < ch; d++, gi++) {
          const i0 = base + d, i1 = i0 + ch, i2 = i0 + rowStride, i3 = i2 + ch;
          let at = -1, best = Number.NEGATIVE_INFINITY;
          if (x[i0] > best) (best = x[i0]), (at = i0);
          if (x[i1] > best) (best = x[i1]), (at = i1);
          if (x[i2] > best) (best = x[i2]), (at = i2);
          if (x[i3] > best) at = i3;
          if (at >= 0) out[at] += g[gi];
        }
      }
    }
  }
}

/** Swaps the two innermost axes (explicit transpose, so XNNPACK's fast GEMM path can be used). */
function swapInner(ops: Ops, t: Info): Info {
  const r = t.shape.length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return ops.transpose(t, perm);
}

/** `BatchMatMul` / `_FusedMatMul` with transposed operands: transpose first, then the stock (fast) kernel. */
function matMulVia(name: "BatchMatMul" | "_FusedMatMul") {
  return (args: KernelArgs): Info => {
    const attrs = args.attrs ?? {};
    if (!attrs.transposeA && !attrs.transposeB) return callStock(name, args);
    const ops = new Ops(args.backend, tf.getBackend());
    const { a, b } = args.inputs as { a: Info; b: Info };
    const inputs = {
      ...args.inputs,
      a: attrs.transposeA ? swapInner(ops, a) : a,
      b: attrs.transposeB ? swapInner(ops, b) : b,
    };
    const out = callStock(name, {
      inputs,
      backend: args.backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    return ops.free(out);
  };
}

/** `Slice` that reads through a heap view instead of copying the whole input out of the wasm heap. */
function slice(args: KernelArgs): Info {
  const { x } = args.inputs as { x: Info };
  if (x.dtype === "string") return callStock("Slice", args);
  const attrs = args.attrs ?? {};
  const backend = args.backend as WasmBackend;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as unknown as tf.Tensor,
    attrs.begin as number[],
    attrs.size as number[],
  );
  const out = backend.makeOutput(size, x.dtype);
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  if (dst.length === 0) return out;
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const offset = tf.slice_util.computeFlatOffset(begin, strides);
    dst.set(src.subarray(offset, offset + dst.length));
    return out;
  }
  // Copy contiguous runs along the innermost axis, walking the outer indices like an odometer.
  const rank = x.shape.length;
  const run = size[rank - 1];
  const idx = new Array(rank - 1).fill(0);
  for (let o = 0; o < dst.length; o += run) {
    let offset = begin[rank - 1];
    for (let k = 0; k < rank - 1; k++) offset += (begin[k] + idx[k]) * strides[k];
    dst.set(src.subarray(offset, offset + run), o);
    for (let k = rank - 2; k >= 0; k--) {
      if (++idx[k] < size[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** `GatherV2` (batchDims 0) copying whole slices through heap views. */
function gatherV2(args: KernelArgs): Info {
  const { x, indices } = args.inputs as { x: Info; indices: Info };
  const attrs = args.attrs ?? {};
  if (x.dtype === "string" || (attrs.batchDims as number ?? 0) !== 0) return callStock("GatherV2", args);
  const backend = args.backend as WasmBackend;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const outer = x.shape.slice(0, axis).reduce((p, v) => p * v, 1);
  const dim = x.shape[axis];
  const inner = x.shape.slice(axis + 1).reduce((p, v) => p * v, 1);
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = backend.makeOutput(outShape, x.dtype);
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  const idx = backend.typedArrayFromHeap(indices);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= dim) {
      backend.disposeData(out.dataId);
      throw new Error(`GatherV2: the index value ${idx[i]} is not in [0, ${dim - 1}]`);
    }
  }
  let o = 0;
  for (let p = 0; p < outer; p++) {
    for (let i = 0; i < idx.length; i++, o += inner) {
      const start = (p * dim + idx[i]) * inner;
      dst.set(src.subarray(start, start + inner), o);
    }
  }
  return out;
}

/**
 * `Sum` over leading axes (e.g. `[N, H, W, C]` → `[C]`, every bias gradient) as one pass over rows,
 * accumulating in float64; other reductions use the stock kernel.
 */
function sum(args: KernelArgs): Info {
  const { x } = args.inputs as { x: Info };
  const attrs = args.attrs ?? {};
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i);
  if (x.dtype !== "float32" || !leading || axes.length === 0) return callStock("Sum", args);
  const backend = args.backend as WasmBackend;
  const kept = x.shape.slice(axes.length);
  const outShape = attrs.keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : kept;
  const cols = kept.reduce((p, v) => p * v, 1);
  const out = backend.makeOutput(outShape, "float32");
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const acc = new Float64Array(cols);
  for (let o = 0; o < src.length; o += cols) {
    for (let c = 0; c < cols; c++) acc[c] += src[o + c];
  }
  dst.set(acc);
  return out;
}

/** The kernel functions this module registers, by kernel name (exported so tests can check what is active). */
export const fastKernelFuncs: Readonly<Record<WasmFastKernelName, tf.KernelFunc>> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as unknown as tf.KernelFunc,
  Conv2DBackpropInput: conv2DBackpropInput as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as unknown as tf.KernelFunc,
  MaxPoolGrad: maxPoolGrad as unknown as tf.KernelFunc,
  BatchMatMul: matMulVia("BatchMatMul") as unknown as tf.KernelFunc,
  _FusedMatMul: matMulVia("_FusedMatMul") as unknown as tf.KernelFunc,
  Slice: slice as unknown as tf.KernelFunc,
  GatherV2: gatherV2 as unknown as tf.KernelFunc,
  Sum: sum as unknown as tf.KernelFunc,
};

/** Names of the kernels registered on `backend`, after checking it is supported. */
function kernelsFor(backend: string, caller: string): readonly WasmFastKernelName[] {
  if (backend !== "wasm" && backend !== "cpu") {
    throw new Error(`${caller}: backend '${backend}' no está soportado; usa 'wasm' o 'cpu'.`);
  }
  return FAST_KERNELS[backend];
}

/**
 * Registers the fast kernels on the wasm backend (default) or the cpu backend, replacing missing or slow
 * ones; the stock versions are kept (for the cases a replacement delegates, and for
 * {@link restoreStockKernels}). Idempotent. Returns the names of the kernels now active.
 */
export function registerFastKernels(options: RegisterKernelsOptions = {}): WasmFastKernelName[] {
  const backendName = options.backend ?? "wasm";
  const names = kernelsFor(backendName, "registerFastKernels");
  for (const name of names) {
    const kernelFunc = fastKernelFuncs[name];
    const existing = tf.getKernel(name, backendName);
    if (existing?.kernelFunc === kernelFunc) continue;
    if (existing) {
      stock.set(`${backendName}/${name}`, existing);
      tf.unregisterKernel(name, backendName);
    }
    // Keep the stock setup (it binds the wasm functions the stock kernel calls when we delegate to it).
    tf.registerKernel({ kernelName: name, backendName, kernelFunc, setupFunc: existing?.setupFunc });
  }
  return [...names];
}

/**
 * Puts the stock kernels back on `backend` (tests use the stock cpu kernels as their reference).
 * {@link registerFastKernels} installs the fast ones again.
 */
export function restoreStockKernels(backend: FastKernelBackend): void {
  for (const name of kernelsFor(backend, "restoreStockKernels")) {
    if (tf.getKernel(name, backend)?.kernelFunc !== fastKernelFuncs[name]) continue;
    tf.unregisterKernel(name, backend);
    const original = stock.get(`${backend}/${name}`);
    if (original) tf.registerKernel(original);
  }
}

/** True when every fast kernel for `backend` (default wasm) is registered and is this module's. */
export function fastKernelsActive(backend: FastKernelBackend = "wasm"): boolean {
  return kernelsFor(backend, "fastKernelsActive").every((name) =>
    tf.getKernel(name, backend)?.kernelFunc === fastKernelFuncs[name]
  );
}

registerFastKernels();
registerFastKernels({ backend: "cpu" });
