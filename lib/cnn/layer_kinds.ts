/**
 * Everything the kit knows about each kind of layer, in one place: how it is written in the lecture's notation
 * (parse and print), how it is checked, the volume it produces and what it costs (for `summarize`), the TF.js
 * layers it becomes (for `buildModel`), and its Spanish label and colour (for tables and diagrams).
 * A new kind of layer is one entry of {@link LAYER_KINDS} (plus its interface in `spec.ts`).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  checkInteger,
  convOutput,
  convParams,
  denseParams,
  DimensionError,
  formatVolume,
  type Padding,
  poolOutput,
  type Rounding,
  type Volume,
  volumeSize,
} from "./dimensions.ts";
import { LocalResponseNormalization } from "./lrn.ts";
import { describeValue } from "../engine/validate.ts";
import type { Activation, LayerSpec } from "./spec.ts";

/** The options written after `/` in the notation (`/s2`, `/p1`, `/same`, `/relu`, `/nobias`), already parsed. */
export interface NotationOptions {
  /** `/sS`. */
  stride?: number;
  /** `/pP`, `/same` or `/valid`. */
  padding?: Padding;
  /** `/relu`, `/softmax`, … */
  activation?: Activation;
  /** `/nobias`. */
  noBias?: boolean;
}

/** What one layer does to the volume entering it, and what it costs. */
export interface LayerEffect {
  /** Volume produced (vectors as 1×1×N, as in the lecture's tables). */
  output: Volume;
  /** Multiplicative parameters. */
  weights: number;
  /** Additive parameters. */
  biases: number;
  /** True when the output is a vector (after FC, FLATTEN or GAP). */
  flat: boolean;
  /** The sliding window (CONV, POOL), for the receptive field. */
  window?: { size: number; stride: number };
}

/** What a kind needs to build its TF.js layers (from `buildModel`'s options). */
export interface BuildContext {
  /** Layer name (the summary row's). */
  name: string;
  /** Position of the layer in the architecture (0-based). */
  index: number;
  /** True when the layer's input is already a vector. */
  flatInput: boolean;
  /** A fresh kernel initialiser (seeded when the model is). */
  init: () => Parameters<typeof tf.layers.conv2d>[0]["kernelInitializer"];
  /** The kernel regulariser (L2 weight decay), if any. */
  reg: () => ReturnType<typeof tf.regularizers.l2> | undefined;
  /** Seed of the model, for dropout masks. */
  seed?: number;
  /** What NORM becomes. */
  norm: "lrn" | "identity";
}

/** The behaviour of one kind of layer. */
export interface LayerKindDef<S extends LayerSpec> {
  /** Default name prefix: `conv` → `conv1`, `conv2`… */
  prefix: string;
  /** Spanish label for tables. */
  label: string;
  /** Fill colour in architecture diagrams. */
  colour: string;
  /** The head of the notation (upper case, options removed), e.g. `/^CONV(\d+)(?:X\1)?-(\d+)$/`. */
  pattern: RegExp;
  /** The `/` options the kind accepts, and the message when another is given (`undefined`: none accepted). */
  accepts?: { stride?: true; padding?: "number" | "keyword"; activation?: true; noBias?: true; message: string };
  /** The typed spec from a matched head and its options. */
  parse(m: RegExpMatchArray, o: NotationOptions): S;
  /** The spec back in notation (defaults omitted). */
  notation(spec: S): string;
  /** Extra checks of a typed spec (throws a {@link DimensionError} naming `where`). */
  check?(spec: S, where: string): void;
  /** Output volume and parameters for an input volume (throws a {@link DimensionError} when it does not fit). */
  effect(spec: S, input: Volume, flat: boolean, rounding: Rounding): LayerEffect;
  /** The TF.js layers of this layer, in order (the last one carries the layer's name). */
  toTf(spec: S, ctx: BuildContext): tf.layers.Layer[];
}

type Defs = { [K in LayerSpec["kind"]]: LayerKindDef<Extract<LayerSpec, { kind: K }>> };

const same = (input: Volume, flat: boolean): LayerEffect => ({ output: input, weights: 0, biases: 0, flat });

function needsVolume(flat: boolean, input: Volume, what: string): void {
  if (flat) {
    throw new DimensionError(
      `Una capa ${what} necesita un volumen espacial, pero la entrada ya es un vector (${
        formatVolume(input)
      }) tras FC/FLATTEN/GAP. Ponla antes.`,
      { field: "layers", value: what },
    );
  }
}

/** The kinds of layer, by `kind`. */
export const LAYER_KINDS: Defs = {
  conv: {
    prefix: "conv",
    label: "convolución",
    colour: "#9ecae1",
    pattern: /^CONV(\d+)(?:X\1)?-(\d+)$/,
    accepts: { stride: true, padding: "number", activation: true, noBias: true, message: "" },
    parse: (m, o) => ({
      kind: "conv",
      filters: Number(m[2]),
      size: Number(m[1]),
      ...(o.stride !== undefined ? { stride: o.stride } : {}),
      ...(o.padding !== undefined ? { padding: o.padding } : {}),
      ...(o.activation !== undefined ? { activation: o.activation } : {}),
      ...(o.noBias ? { bias: false } : {}),
    }),
    notation: (spec) => {
      let t = `CONV${spec.size}-${spec.filters}`;
      if ((spec.stride ?? 1) !== 1) t += `/s${spec.stride}`;
      const p = spec.padding ?? 0;
      if (p !== 0) t += typeof p === "number" ? `/p${p}` : `/${p}`;
      if (spec.bias === false) t += "/nobias";
      return t;
    },
    check: (spec, where) => {
      if (spec.bias !== undefined && typeof spec.bias !== "boolean") {
        throw new DimensionError(`${where}.bias debe ser true o false; se recibió ${describeValue(spec.bias)}.`, {
          field: `${where}.bias`,
          value: spec.bias,
        });
      }
    },
    effect: (spec, input, flat, rounding) => {
      needsVolume(flat, input, "convolucional");
      const output = convOutput(input, { ...spec, rounding });
      const { weights, biases } = convParams(input.depth, spec);
      return {
        output,
        weights,
        biases: spec.bias === false ? 0 : biases,
        flat: false,
        window: { size: spec.size, stride: spec.stride ?? 1 },
      };
    },
    toTf: (spec, ctx) => {
      const f = spec.size;
      const s = spec.stride ?? 1;
      const p = spec.padding ?? 0;
      const out: tf.layers.Layer[] = [];
      let padding: "same" | "valid" = "valid";
      if (p === "same" || (typeof p === "number" && p > 0 && s === 1 && 2 * p === f - 1)) padding = "same";
      else if (typeof p === "number" && p > 0) {
        out.push(tf.layers.zeroPadding2d({ padding: p, name: `${ctx.name}_pad` }));
      }
      out.push(tf.layers.conv2d({
        name: ctx.name,
        filters: spec.filters,
        kernelSize: f,
        strides: s,
        padding,
        activation: spec.activation ?? "relu",
        useBias: spec.bias !== false,
        kernelInitializer: ctx.init(),
        kernelRegularizer: ctx.reg(),
      }));
      return out;
    },
  },
  pool: {
    prefix: "pool",
    label: "pooling",
    colour: "#fdd0a2",
    pattern: /^(MAX|AVG)?POOL(\d+)$/,
    accepts: { stride: true, padding: "keyword", message: "Un pooling solo admite /sS (stride), /valid o /same." },
    parse: (m, o) => ({
      kind: "pool",
      size: Number(m[2]),
      ...(o.stride !== undefined ? { stride: o.stride } : {}),
      ...(m[1] === "AVG" ? { mode: "avg" as const } : {}),
      ...(o.padding !== undefined ? { padding: o.padding as "valid" | "same" } : {}),
    }),
    notation: (spec) => {
      let t = `${spec.mode === "avg" ? "AVGPOOL" : "POOL"}${spec.size}`;
      if ((spec.stride ?? spec.size) !== spec.size) t += `/s${spec.stride}`;
      if (spec.padding === "same") t += "/same";
      return t;
    },
    check: (spec, where) => {
      if (spec.mode !== undefined && spec.mode !== "max" && spec.mode !== "avg") {
        throw new DimensionError(`${where}.mode debe ser "max" o "avg"; se recibió ${describeValue(spec.mode)}.`, {
          field: `${where}.mode`,
          value: spec.mode,
        });
      }
    },
    effect: (spec, input, flat, rounding) => {
      needsVolume(flat, input, "de pooling");
      return {
        output: poolOutput(input, { size: spec.size, stride: spec.stride, padding: spec.padding, rounding }),
        weights: 0,
        biases: 0,
        flat: false,
        window: { size: spec.size, stride: spec.stride ?? spec.size },
      };
    },
    toTf: (spec, ctx) => {
      const args = {
        name: ctx.name,
        poolSize: spec.size,
        strides: spec.stride ?? spec.size,
        padding: spec.padding ?? "valid",
      };
      return [spec.mode === "avg" ? tf.layers.averagePooling2d(args) : tf.layers.maxPooling2d(args)];
    },
  },
  dense: {
    prefix: "fc",
    label: "densa",
    colour: "#c7e9c0",
    pattern: /^(?:FC|DENSE)-?(\d+)$/,
    accepts: { activation: true, message: "Una capa FC no tiene stride ni padding." },
    parse: (m, o) => ({
      kind: "dense",
      units: Number(m[1]),
      ...(o.activation !== undefined ? { activation: o.activation } : {}),
    }),
    notation: (spec) => `FC-${spec.units}`,
    check: (spec, where) => void checkInteger(`${where}.units (neuronas)`, spec.units),
    effect: (spec, input) => ({
      ...denseParams(input, spec.units),
      output: { width: 1, height: 1, depth: spec.units },
      flat: true,
    }),
    toTf: (spec, ctx) => [
      ...(ctx.flatInput ? [] : [tf.layers.flatten({ name: `${ctx.name}_flatten` })]),
      tf.layers.dense({
        name: ctx.name,
        units: spec.units,
        activation: spec.activation ?? "relu",
        kernelInitializer: ctx.init(),
        kernelRegularizer: ctx.reg(),
      }),
    ],
  },
  norm: {
    prefix: "norm",
    label: "normalización (LRN)",
    colour: "#dadaeb",
    pattern: /^(?:NORM|LRN)$/,
    parse: () => ({ kind: "norm" }),
    notation: () => "NORM",
    effect: (_, input, flat) => same(input, flat),
    toTf: (_, ctx) => [
      ctx.norm === "identity"
        ? tf.layers.activation({ activation: "linear", name: ctx.name })
        : new LocalResponseNormalization({ name: ctx.name }),
    ],
  },
  batchnorm: {
    prefix: "bn",
    label: "normalización por lotes (BN)",
    colour: "#dadaeb",
    pattern: /^(?:BN|BATCHNORM)$/,
    parse: () => ({ kind: "batchnorm" }),
    notation: () => "BN",
    // γ, moving mean and moving variance scale (3·D "weights"), β shifts (D "biases"): countParams() = 4·D.
    effect: (_, input, flat) => ({ output: input, weights: 3 * input.depth, biases: input.depth, flat }),
    toTf: (_, ctx) => [tf.layers.batchNormalization({ name: ctx.name })],
  },
  dropout: {
    prefix: "dropout",
    label: "dropout",
    colour: "#f2f2f2",
    pattern: /^DROP(?:OUT)?-?(\d*\.?\d+)$/,
    parse: (m) => ({ kind: "dropout", rate: Number(m[1]) }),
    notation: (spec) => `DROPOUT${spec.rate}`,
    check: (spec, where) => {
      if (!(typeof spec.rate === "number" && spec.rate >= 0 && spec.rate < 1)) {
        throw new DimensionError(
          `${where}.rate (fracción de dropout) debe estar en [0, 1), p. ej. 0.5; se recibió ${
            describeValue(spec.rate)
          }.`,
          { field: `${where}.rate`, value: spec.rate },
        );
      }
    },
    effect: (_, input, flat) => same(input, flat),
    toTf: (spec, ctx) => [
      tf.layers.dropout({
        rate: spec.rate,
        name: ctx.name,
        seed: ctx.seed === undefined ? undefined : ctx.seed + ctx.index,
      }),
    ],
  },
  flatten: {
    prefix: "flatten",
    label: "flatten",
    colour: "#e5e5e5",
    pattern: /^FLATTEN$/,
    parse: () => ({ kind: "flatten" }),
    notation: () => "FLATTEN",
    effect: (_, input) => ({
      output: { width: 1, height: 1, depth: volumeSize(input) },
      weights: 0,
      biases: 0,
      flat: true,
    }),
    toTf: (_, ctx) => [tf.layers.flatten({ name: ctx.name })],
  },
  gap: {
    prefix: "gap",
    label: "global avg pooling",
    colour: "#fdd0a2",
    pattern: /^(?:GAP|GLOBALAVGPOOL)$/,
    parse: () => ({ kind: "gap" }),
    notation: () => "GAP",
    effect: (_, input, flat) => {
      if (flat) {
        throw new DimensionError(`GAP necesita un volumen espacial, pero la entrada ya es un vector.`, {
          field: "layers",
          value: "GAP",
        });
      }
      return { output: { width: 1, height: 1, depth: input.depth }, weights: 0, biases: 0, flat: true };
    },
    toTf: (_, ctx) => [tf.layers.globalAveragePooling2d({ name: ctx.name })],
  },
  activation: {
    prefix: "act",
    label: "activación",
    colour: "#f2f2f2",
    pattern: /^(RELU|LINEAR|SOFTMAX|SIGMOID|TANH)$/,
    parse: (m) => ({ kind: "activation", activation: m[1].toLowerCase() as Activation }),
    notation: (spec) => spec.activation.toUpperCase(),
    effect: (_, input, flat) => same(input, flat),
    toTf: (spec, ctx) => [tf.layers.activation({ activation: spec.activation, name: ctx.name })],
  },
};

/** The names of the kinds, in the order error messages list them. */
export const KIND_NAMES = Object.keys(LAYER_KINDS) as LayerSpec["kind"][];

/** The descriptor of a spec's kind (typed for that spec). */
export function kindOf<S extends LayerSpec>(spec: S): LayerKindDef<S> {
  return LAYER_KINDS[spec.kind] as unknown as LayerKindDef<S>;
}
