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
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

type Info = tf.TensorInfo;
type Pads = [[number, number], [number, number], [number, number], [number, number]];

/** Names of the kernels this module registers (the same list for every backend it supports). */
export const FAST_GRAD_KERNELS = [
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
] as const;

/** One of {@link FAST_GRAD_KERNELS}. */
export type FastGradKernelName = typeof FAST_GRAD_KERNELS[number];

/** Options for {@link registerFastGradKernels}. */
export interface RegisterKernelsOptions {
  /** Backend to register on; only `"wasm"` is supported (default `"wasm"`). */
  backend?: string;
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
 * Filter gradient as one convolution: `dW[r,s,c,k] = Σ_{n,i,j} x[n, i·sh + r·dh − top, j·sw + s·dw − left, c] ·
 * dy[n,i,j,k]`, i.e. `x` (batch ↔ channels swapped) convolved with `dy` (as a filter) at dilation `sh`.
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
  const ops = new Ops(args.backend, "wasm");
  const xT = ops.transpose(x, [3, 1, 2, 0]); // [C, H, W, N]
  const dyT = ops.transpose(dy, [1, 2, 0, 3]); // [outH, outW, N, K]
  const p = info.padInfo;
  const conv = ops.conv2d(xT, dyT, [dh, dw], explicit(p.top, p.bottom, p.left, p.right), [sh, sw]); // [C, ≥fh, ≥fw, K]
  const cut = ops.slice(conv, [0, 0, 0, 0], [c, fh, fw, k]);
  return ops.free(ops.transpose(cut, [1, 2, 0, 3]));
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
  const ops = new Ops(args.backend, "wasm");
  const up = ops.upsample(dy, sh, sw); // [N, outH·sh, outW·sw, K]
  const flipped = ops.transpose(ops.run("Reverse", { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]); // [fh, fw, K, C]
  const ph = fullPads(h, up.shape[1], info.effectiveFilterHeight, info.padInfo.top);
  const pw = fullPads(w, up.shape[2], info.effectiveFilterWidth, info.padInfo.left);
  const conv = ops.conv2d(up, flipped, [1, 1], explicit(ph.before, ph.after, pw.before, pw.after), [dh, dw]);
  return ops.free(ops.slice(conv, [0, ph.crop, pw.crop, 0], [n, h, w, c]));
}

/** Depthwise filter gradient: one depthwise convolution over the `N·C` channels, then a sum over `N`. */
function depthwiseBackpropFilter(
  args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap },
): Info {
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs ?? {};
  checkNHWC(attrs.dataFormat, "DepthwiseConv2dNativeBackpropFilter");
  const filterShape = attrs.filterShape as [number, number, number, number];
  const { info, sh, sw, dh, dw } = geometry(x.shape, filterShape, attrs, true);
  const [fh, fw, c, m] = filterShape;
  const [n, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  const ops = new Ops(args.backend, "wasm");
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
function depthwiseBackpropInput(
  args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap },
): Info {
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs ?? {};
  checkNHWC(attrs.dataFormat, "DepthwiseConv2dNativeBackpropInput");
  const inputShape = attrs.inputShape as [number, number, number, number];
  const { info, sh, sw, dh, dw } = geometry(inputShape, filter.shape, attrs, true);
  const [n, h, w, c] = inputShape;
  const [fh, fw, , m] = filter.shape;
  const ops = new Ops(args.backend, "wasm");
  const up = ops.upsample(dy, sh, sw); // [N, ·, ·, C·M]
  const flipped = ops.reshape(ops.run("Reverse", { x: filter }, { dims: [0, 1] }), [fh, fw, c * m, 1]);
  const ph = fullPads(h, up.shape[1], info.effectiveFilterHeight, info.padInfo.top);
  const pw = fullPads(w, up.shape[2], info.effectiveFilterWidth, info.padInfo.left);
  const conv = ops.depthwise(up, flipped, [1, 1], explicit(ph.before, ph.after, pw.before, pw.after), [dh, dw]);
  const cut = ops.slice(conv, [0, ph.crop, pw.crop, 0], [n, h, w, c * m]);
  const out = m === 1 ? cut : ops.sum(ops.reshape(cut, [n, h, w, c, m]), 4);
  return ops.free(out);
}

/** The kernel functions this module registers, by kernel name (exported so tests can check what is active). */
export const fastGradKernelFuncs: Readonly<Record<FastGradKernelName, tf.KernelFunc>> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as unknown as tf.KernelFunc,
  Conv2DBackpropInput: conv2DBackpropInput as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as unknown as tf.KernelFunc,
};

/**
 * Registers the fast gradient kernels on the wasm backend, replacing missing or naive ones.
 * Idempotent: a kernel that is already ours is left alone. Returns the names of the kernels now active.
 */
export function registerFastGradKernels(options: RegisterKernelsOptions = {}): FastGradKernelName[] {
  const backendName = options.backend ?? "wasm";
  if (backendName !== "wasm") {
    throw new Error(`registerFastGradKernels: backend '${backendName}' no está soportado; usa 'wasm'.`);
  }
  for (const name of FAST_GRAD_KERNELS) {
    const kernelFunc = fastGradKernelFuncs[name];
    const existing = tf.getKernel(name, backendName);
    if (existing?.kernelFunc === kernelFunc) continue;
    if (existing) tf.unregisterKernel(name, backendName);
    tf.registerKernel({ kernelName: name, backendName, kernelFunc });
  }
  return [...FAST_GRAD_KERNELS];
}

/** True when every kernel of {@link FAST_GRAD_KERNELS} is registered on `backend` and is this module's. */
export function fastGradKernelsActive(backend = "wasm"): boolean {
  return FAST_GRAD_KERNELS.every((name) => tf.getKernel(name, backend)?.kernelFunc === fastGradKernelFuncs[name]);
}

registerFastGradKernels();
