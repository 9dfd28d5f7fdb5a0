/**
 * The lecture's notation for CNN layers (`"CONV3-64"`, `"POOL2"`, `"FC-4096"`): the typed layer specs, the
 * parser (text → spec), the checks of a typed spec and the way back (spec → text). `architecture.ts`
 * validates and summarises whole architectures written in it; `build.ts` turns them into TF.js models.
 *
 * Notation of one layer (case-insensitive; options after `/`; an optional `name:` prefix names the layer):
 *
 * | text                         | layer                                                              |
 * |------------------------------|--------------------------------------------------------------------|
 * | `CONV3-64`, `CONV11-96/s4/p0`| K = 64 filters F×F = 3×3 (stride `/sS`, padding `/pP`, `/same`, `/valid`) |
 * | `POOL2`, `POOL3/s2`          | max pooling F×F, stride S (default S = F); `AVGPOOL2` for average   |
 * | `FC-4096`                    | fully connected layer of 4096 neurons (flattens its input)          |
 * | `NORM`                       | local response normalisation (AlexNet), no parameters               |
 * | `DROPOUT0.5`                 | dropout with rate 0.5                                               |
 * | `FLATTEN`, `GAP`             | flatten; global average pooling (one value per activation map)      |
 * | `RELU`, `SOFTMAX`, …         | a separate activation                                               |
 *
 * CONV and FC layers take `/relu` (default), `/linear`, `/softmax`, `/sigmoid` or `/tanh`; the last
 * layer of an architecture, when it is FC, defaults to `softmax` (class scores).
 * @module
 */
import { checkInteger, describeValue, DimensionError, type Padding, type Rounding, type Volume } from "./dimensions.ts";

/** Activation functions accepted by CONV, FC and activation layers. */
export type Activation = "relu" | "linear" | "softmax" | "sigmoid" | "tanh";
const ACTIVATIONS: Activation[] = ["relu", "linear", "softmax", "sigmoid", "tanh"];

/** A convolution layer: K filters F×F, stride S, zero padding P. */
export interface ConvLayerSpec {
  kind: "conv";
  /** Number of filters K. */
  filters: number;
  /** Filter side F. */
  size: number;
  /** Default 1. */
  stride?: number;
  /** Default 0. */
  padding?: Padding;
  /** Default `"relu"`. */
  activation?: Activation;
  /** Layer name (default `convN`). */
  name?: string;
}

/** A max or average pooling layer. */
export interface PoolLayerSpec {
  kind: "pool";
  /** Window side F. */
  size: number;
  /** Default: the window size. */
  stride?: number;
  /** Default `"max"`. */
  mode?: "max" | "avg";
  /** Default `"valid"`. */
  padding?: "valid" | "same";
  /** Layer name (default `poolN`). */
  name?: string;
}

/** A fully connected layer. */
export interface DenseLayerSpec {
  kind: "dense";
  /** Number of neurons. */
  units: number;
  /** Default `"relu"`, `"softmax"` when it is the architecture's last layer. */
  activation?: Activation;
  /** Layer name (default `fcN`). */
  name?: string;
}

/** Local response normalisation (AlexNet's NORM): same volume, no parameters. */
export interface NormLayerSpec {
  kind: "norm";
  /** Layer name (default `normN`). */
  name?: string;
}

/** Dropout: zeroes a fraction `rate` of the activations while training. */
export interface DropoutLayerSpec {
  kind: "dropout";
  /** Fraction dropped, in [0, 1). */
  rate: number;
  /** Layer name (default `dropoutN`). */
  name?: string;
}

/** Flattens a W×H×D volume into a vector of W·H·D values. */
export interface FlattenLayerSpec {
  kind: "flatten";
  /** Layer name (default `flattenN`). */
  name?: string;
}

/** Global average pooling: one value (the mean) per activation map, W×H×D → 1×1×D. */
export interface GlobalPoolLayerSpec {
  kind: "gap";
  /** Layer name (default `gapN`). */
  name?: string;
}

/** A separate activation function. */
export interface ActivationLayerSpec {
  kind: "activation";
  /** The function applied element-wise. */
  activation: Activation;
  /** Layer name (default `actN`). */
  name?: string;
}

/** One layer of an architecture (typed form of the notation). */
export type LayerSpec =
  | ConvLayerSpec
  | PoolLayerSpec
  | DenseLayerSpec
  | NormLayerSpec
  | DropoutLayerSpec
  | FlattenLayerSpec
  | GlobalPoolLayerSpec
  | ActivationLayerSpec;

/** The kinds of layer, plus `"input"` for the first row of a summary. */
export type LayerKind = LayerSpec["kind"] | "input";

/** A layer as written by a user: notation text or a typed object. */
export type LayerInput = string | LayerSpec;

/** A complete, validated architecture: input volume and named layers with their defaults filled in. */
export interface Architecture {
  /** Display name, e.g. `"VGG-16"`. */
  readonly name: string;
  /** Input volume (width × height × depth). */
  readonly input: Volume;
  /** Layers with `name` always set. */
  readonly layers: readonly LayerSpec[];
  /** How non-integer sizes are treated (default `"exact"`, as in the lecture). */
  readonly rounding: Rounding;
  /** One line about where it comes from. */
  readonly description?: string;
}

/** What {@link defineArchitecture} needs. */
export interface ArchitectureDefinition {
  /** Input volume, as an object or as text (`"224x224x3"`). */
  input: Volume | string;
  /** Layers in notation or typed form. */
  layers: LayerInput[];
  /** Default `"exact"`. */
  rounding?: Rounding;
  /** One line about the architecture. */
  description?: string;
}

function notationError(index: number, text: unknown, detail: string): DimensionError {
  return new DimensionError(
    `No entiendo la capa ${index + 1}: ${describeValue(text)}. ${detail} Ejemplos válidos: "CONV3-64", ` +
      `"CONV11-96/s4/p0", "POOL2", "POOL3/s2", "AVGPOOL2", "FC-4096", "NORM", "DROPOUT0.5", "FLATTEN", "GAP", "RELU".`,
    { field: `layers[${index}]`, value: text },
  );
}

/**
 * Parses one layer written in the lecture's notation (see the module docs) into its typed form.
 * `index` (0-based) is only used in error messages.
 *
 * @example parseLayer("CONV11-96/s4/p0") // { kind: "conv", filters: 96, size: 11, stride: 4, padding: 0 }
 */
export function parseLayer(text: string, index = 0): LayerSpec {
  if (typeof text !== "string") throw notationError(index, text, "Debe ser un texto o un objeto { kind, … }.");
  let body = text.trim();
  let name: string | undefined;
  const colon = body.indexOf(":");
  if (colon >= 0) {
    name = body.slice(0, colon).trim();
    body = body.slice(colon + 1).trim();
    if (!/^[A-Za-z][\w-]*$/.test(name)) {
      throw notationError(index, text, `El nombre "${name}" debe empezar por una letra y no tener espacios.`);
    }
  }
  const [head, ...opts] = body.split("/").map((t) => t.trim());
  const up = head.toUpperCase();
  let stride: number | undefined;
  let padding: Padding | undefined;
  let activation: Activation | undefined;
  for (const opt of opts) {
    const o = opt.toLowerCase();
    let m: RegExpMatchArray | null;
    if ((m = o.match(/^s(\d+)$/))) stride = Number(m[1]);
    else if ((m = o.match(/^p(\d+)$/))) padding = Number(m[1]);
    else if (o === "same" || o === "valid") padding = o;
    else if ((ACTIVATIONS as string[]).includes(o)) activation = o as Activation;
    else {
      throw notationError(
        index,
        text,
        `La opción "/${opt}" no existe: usa /sS (stride), /pP (padding), /same, /valid o una activación (/relu, /softmax…).`,
      );
    }
  }
  const named = <T extends LayerSpec>(spec: T): T => (name ? { ...spec, name } : spec);
  const onlyConvOptions = (kind: string) => {
    if (stride !== undefined || padding !== undefined || activation !== undefined) {
      throw notationError(index, text, `Una capa ${kind} no admite opciones de stride, padding o activación.`);
    }
  };
  let m: RegExpMatchArray | null;
  if ((m = up.match(/^CONV(\d+)(?:X\1)?-(\d+)$/))) {
    const spec: ConvLayerSpec = { kind: "conv", filters: Number(m[2]), size: Number(m[1]) };
    if (stride !== undefined) spec.stride = stride;
    if (padding !== undefined) spec.padding = padding;
    if (activation !== undefined) spec.activation = activation;
    return named(spec);
  }
  if ((m = up.match(/^(MAX|AVG)?POOL(\d+)$/))) {
    if (activation !== undefined || typeof padding === "number") {
      throw notationError(index, text, "Un pooling solo admite /sS (stride), /valid o /same.");
    }
    const spec: PoolLayerSpec = { kind: "pool", size: Number(m[2]) };
    if (stride !== undefined) spec.stride = stride;
    if (m[1] === "AVG") spec.mode = "avg";
    if (padding !== undefined) spec.padding = padding as "valid" | "same";
    return named(spec);
  }
  if ((m = up.match(/^(?:FC|DENSE)-?(\d+)$/))) {
    if (stride !== undefined || padding !== undefined) {
      throw notationError(index, text, "Una capa FC no tiene stride ni padding.");
    }
    const spec: DenseLayerSpec = { kind: "dense", units: Number(m[1]) };
    if (activation !== undefined) spec.activation = activation;
    return named(spec);
  }
  if (up === "NORM" || up === "LRN") {
    onlyConvOptions("NORM");
    return named({ kind: "norm" });
  }
  if ((m = up.match(/^DROP(?:OUT)?-?(\d*\.?\d+)$/))) {
    onlyConvOptions("DROPOUT");
    return named({ kind: "dropout", rate: Number(m[1]) });
  }
  if (up === "FLATTEN") {
    onlyConvOptions("FLATTEN");
    return named({ kind: "flatten" });
  }
  if (up === "GAP" || up === "GLOBALAVGPOOL") {
    onlyConvOptions("GAP");
    return named({ kind: "gap" });
  }
  if ((ACTIVATIONS as string[]).includes(head.toLowerCase())) {
    onlyConvOptions(head);
    return named({ kind: "activation", activation: head.toLowerCase() as Activation });
  }
  throw notationError(
    index,
    text,
    "Formato: CONV<F>-<K> (F = lado del filtro, K = número de filtros), POOL<F>, FC-<neuronas>…",
  );
}

/** Default name prefix of each layer kind (`conv1`, `pool2`, `fc6`…). */
export const PREFIX: Record<LayerSpec["kind"], string> = {
  conv: "conv",
  pool: "pool",
  dense: "fc",
  norm: "norm",
  dropout: "dropout",
  flatten: "flatten",
  gap: "gap",
  activation: "act",
};

/** Validates a typed layer (fields, ranges) and returns it; `index` is only used in messages. */
export function checkSpec(spec: LayerSpec, index: number): LayerSpec {
  const where = `layers[${index}]`;
  if (typeof spec !== "object" || spec === null || !(spec.kind in PREFIX)) {
    throw new DimensionError(
      `${where} debe ser un texto como "CONV3-64" o un objeto con kind ` +
        `"conv" | "pool" | "dense" | "norm" | "dropout" | "flatten" | "gap" | "activation"; ` +
        `se recibió ${describeValue(spec)}.`,
      { field: where, value: spec },
    );
  }
  const act = (spec as { activation?: unknown }).activation;
  if (act !== undefined && !(ACTIVATIONS as unknown[]).includes(act)) {
    throw new DimensionError(
      `${where}.activation debe ser una de ${ACTIVATIONS.join(", ")}; se recibió ${describeValue(act)}.`,
      { field: `${where}.activation`, value: act },
    );
  }
  if (spec.kind === "dropout" && !(typeof spec.rate === "number" && spec.rate >= 0 && spec.rate < 1)) {
    throw new DimensionError(
      `${where}.rate (fracción de dropout) debe estar en [0, 1), p. ej. 0.5; se recibió ${describeValue(spec.rate)}.`,
      { field: `${where}.rate`, value: spec.rate },
    );
  }
  if (spec.kind === "dense") checkInteger(`${where}.units (neuronas)`, spec.units);
  if (spec.kind === "pool" && spec.mode !== undefined && spec.mode !== "max" && spec.mode !== "avg") {
    throw new DimensionError(`${where}.mode debe ser "max" o "avg"; se recibió ${describeValue(spec.mode)}.`, {
      field: `${where}.mode`,
      value: spec.mode,
    });
  }
  return spec;
}

/** The layer in lecture notation: `CONV11-96/s4/p0`, `POOL3/s2`, `FC-4096`… (defaults omitted). */
export function layerNotation(spec: LayerSpec): string {
  switch (spec.kind) {
    case "conv": {
      let t = `CONV${spec.size}-${spec.filters}`;
      if ((spec.stride ?? 1) !== 1) t += `/s${spec.stride}`;
      const p = spec.padding ?? 0;
      if (p !== 0) t += typeof p === "number" ? `/p${p}` : `/${p}`;
      return t;
    }
    case "pool": {
      let t = `${spec.mode === "avg" ? "AVGPOOL" : "POOL"}${spec.size}`;
      if ((spec.stride ?? spec.size) !== spec.size) t += `/s${spec.stride}`;
      if (spec.padding === "same") t += "/same";
      return t;
    }
    case "dense":
      return `FC-${spec.units}`;
    case "norm":
      return "NORM";
    case "dropout":
      return `DROPOUT${spec.rate}`;
    case "flatten":
      return "FLATTEN";
    case "gap":
      return "GAP";
    case "activation":
      return spec.activation.toUpperCase();
  }
}
