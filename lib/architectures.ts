/**
 * CNN architectures in the lecture's notation (`"CONV3-64"`, `"POOL2"`, `"FC-4096"`), their layer-by-layer
 * summary (output volume, weights, biases, activation memory, receptive field) and the real TF.js model
 * built from the same description.
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
import * as tf from "@tensorflow/tfjs";
import {
  checkInteger,
  checkVolume,
  convOutput,
  convParams,
  denseParams,
  describeValue,
  DimensionError,
  formatVolume,
  type Padding,
  parseVolume,
  poolOutput,
  type Rounding,
  type Volume,
  volumeSize,
} from "./dimensions.ts";

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

/** One row of {@link summarize}: what one layer produces and what it costs. */
export interface LayerRow {
  /** 0 for the input row, then 1, 2, … */
  index: number;
  /** Layer name (`conv1`, `pool1`, `fc6`, …; `input` for the first row). */
  name: string;
  /** Layer kind. */
  kind: LayerKind;
  /** The layer in lecture notation, e.g. `CONV11-96/s4/p0` or `INPUT`. */
  notation: string;
  /** Volume entering the layer. */
  input: Volume;
  /** Volume the layer produces (FC layers: 1×1×units, as in the lecture's table). */
  output: Volume;
  /** Multiplicative parameters (what the lecture calls "pesos"). */
  weights: number;
  /** One per filter or neuron. */
  biases: number;
  /** weights + biases: what TF.js's `countParams()` reports. */
  params: number;
  /** Values in the output volume (activation memory per image). */
  activations: number;
  /** activations × 4 bytes (float32). */
  bytes: number;
  /**
   * Side, in input pixels, of the window one output value depends on: r ← r + (F − 1)·j, j ← j·S
   * (j = product of the previous strides). Layers that see the whole input (FC, global pooling) report
   * the input's largest side.
   */
  receptiveField: number;
  /** True when the output is a vector (after FLATTEN, GAP or FC). */
  flat: boolean;
}

/** Sums over a summary's rows. */
export interface SummaryTotals {
  /** All weights. */
  weights: number;
  /** All biases. */
  biases: number;
  /** All parameters (= `model.countParams()`). */
  params: number;
  /** Activation values of every row, input included (forward pass, one image). */
  activations: number;
  /** activations × 4 bytes. */
  bytes: number;
}

/** Options for {@link summarize}. */
export interface SummarizeOptions {
  /** Replace the architecture's input volume (e.g. AlexNet on 224×224×3 to see why it does not fit). */
  input?: Volume | string;
  /** Replace the architecture's rounding. */
  rounding?: Rounding;
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

const PREFIX: Record<LayerSpec["kind"], string> = {
  conv: "conv",
  pool: "pool",
  dense: "fc",
  norm: "norm",
  dropout: "dropout",
  flatten: "flatten",
  gap: "gap",
  activation: "act",
};

function checkSpec(spec: LayerSpec, index: number): LayerSpec {
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

/**
 * Defines a new architecture from notation text or typed layers, checking every layer's dimensions
 * (throws a {@link DimensionError} naming the layer that does not fit).
 *
 * @example
 * const tiny = defineArchitecture("Mini", { input: "28x28x1", layers: ["CONV3-8/p1", "POOL2", "FC-10"] });
 */
export function defineArchitecture(name: string, definition: ArchitectureDefinition): Architecture {
  if (typeof name !== "string" || !name.trim()) {
    throw new DimensionError(
      `El nombre de la arquitectura debe ser un texto no vacío; se recibió ${describeValue(name)}.`,
      {
        field: "name",
        value: name,
      },
    );
  }
  if (typeof definition !== "object" || definition === null || !Array.isArray(definition.layers)) {
    throw new DimensionError(
      `La definición debe ser { input: "224x224x3", layers: ["CONV3-64", …] }; se recibió ${
        describeValue(definition)
      }.`,
      { field: "definition", value: definition },
    );
  }
  if (definition.layers.length === 0) {
    throw new DimensionError("La arquitectura no tiene capas: añade al menos una en layers.", {
      field: "layers",
      value: [],
    });
  }
  const input = typeof definition.input === "string"
    ? parseVolume(definition.input)
    : checkVolume(definition.input, "input");
  const counters: Record<string, number> = {};
  const seen = new Set<string>(["input"]);
  const layers = definition.layers.map((l, i) => {
    const spec = checkSpec(typeof l === "string" ? parseLayer(l, i) : { ...l }, i);
    counters[spec.kind] = (counters[spec.kind] ?? 0) + 1;
    spec.name ??= `${PREFIX[spec.kind]}${counters[spec.kind]}`;
    if (seen.has(spec.name)) {
      throw new DimensionError(`Hay dos capas llamadas "${spec.name}" (capa ${i + 1}); cada nombre debe ser único.`, {
        field: `layers[${i}].name`,
        value: spec.name,
      });
    }
    seen.add(spec.name);
    return spec;
  });
  const last = layers[layers.length - 1];
  if (last.kind === "dense" && last.activation === undefined) last.activation = "softmax";
  for (const l of layers) {
    if ((l.kind === "conv" || l.kind === "dense") && l.activation === undefined) l.activation = "relu";
  }
  const arch: Architecture = {
    name: name.trim(),
    input,
    layers: layers.map((l) => Object.freeze(l)),
    rounding: definition.rounding ?? "exact",
    ...(definition.description ? { description: definition.description } : {}),
  };
  summarize(arch); // validate now, so a definition that does not fit fails where it is written
  return Object.freeze(arch);
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

function resolveArch(arch: Architecture | ArchitectureDefinition & { name?: string }): Architecture {
  if (typeof arch !== "object" || arch === null || !Array.isArray((arch as Architecture).layers)) {
    throw new DimensionError(
      `Se esperaba una arquitectura (p. ej. vgg16 o el resultado de defineArchitecture); se recibió ${
        describeValue(arch)
      }.`,
      { field: "arch", value: arch },
    );
  }
  const a = arch as Architecture;
  const named = a.layers.every((l) => typeof l === "object" && l !== null && typeof l.name === "string");
  if (named && typeof a.input === "object" && typeof a.rounding === "string") return a;
  return defineArchitecture(a.name ?? "Arquitectura", arch as ArchitectureDefinition);
}

/**
 * The layer-by-layer table of an architecture: one row for the input, then one per layer, each with its
 * output volume, weights and biases (separately), parameters, activation memory and receptive field.
 * Throws a {@link DimensionError} that names the first layer that does not fit.
 *
 * @example summarize(vgg16)[1] // conv1: 224×224×64, weights 1728, biases 64
 */
export function summarize(arch: Architecture, options: SummarizeOptions = {}): LayerRow[] {
  const a = resolveArch(arch);
  const input = options.input === undefined
    ? a.input
    : typeof options.input === "string"
    ? parseVolume(options.input)
    : checkVolume(options.input, "options.input");
  const rounding = options.rounding ?? a.rounding;
  const whole = Math.max(input.width, input.height);
  const rows: LayerRow[] = [{
    index: 0,
    name: "input",
    kind: "input",
    notation: "INPUT",
    input,
    output: input,
    weights: 0,
    biases: 0,
    params: 0,
    activations: volumeSize(input),
    bytes: 4 * volumeSize(input),
    receptiveField: 1,
    flat: false,
  }];
  let v = input;
  let flat = false;
  let rf = 1;
  let jump = 1;
  a.layers.forEach((spec, i) => {
    const notation = layerNotation(spec);
    let output: Volume = v;
    let weights = 0;
    let biases = 0;
    try {
      switch (spec.kind) {
        case "conv":
        case "pool":
          if (flat) {
            throw new DimensionError(
              `Una capa ${spec.kind === "conv" ? "convolucional" : "de pooling"} necesita un volumen espacial, ` +
                `pero la entrada ya es un vector (${formatVolume(v)}) tras FC/FLATTEN/GAP. Ponla antes.`,
              { field: `layers[${i}]`, value: notation },
            );
          }
          if (spec.kind === "conv") {
            output = convOutput(v, { ...spec, rounding });
            ({ weights, biases } = convParams(v.depth, spec));
          } else {
            output = poolOutput(v, { size: spec.size, stride: spec.stride, padding: spec.padding, rounding });
          }
          rf += (spec.size - 1) * jump;
          jump *= spec.stride ?? (spec.kind === "pool" ? spec.size : 1);
          break;
        case "dense":
          ({ weights, biases } = denseParams(v, spec.units));
          output = { width: 1, height: 1, depth: spec.units };
          flat = true;
          break;
        case "flatten":
          output = { width: 1, height: 1, depth: volumeSize(v) };
          flat = true;
          break;
        case "gap":
          if (flat) {
            throw new DimensionError(`GAP necesita un volumen espacial, pero la entrada ya es un vector.`, {
              field: `layers[${i}]`,
              value: notation,
            });
          }
          output = { width: 1, height: 1, depth: v.depth };
          flat = true;
          break;
        default:
          break; // norm, dropout, activation: same volume, no parameters
      }
    } catch (e) {
      if (!(e instanceof DimensionError)) throw e;
      throw new DimensionError(
        `${a.name}, capa ${i + 1} «${spec.name}» (${notation}) con entrada ${formatVolume(v)}: ${e.message}`,
        { field: e.field, value: e.value, suggestions: e.suggestions },
      );
    }
    rows.push({
      index: i + 1,
      name: spec.name ?? `${PREFIX[spec.kind]}${i + 1}`,
      kind: spec.kind,
      notation,
      input: v,
      output,
      weights,
      biases,
      params: weights + biases,
      activations: volumeSize(output),
      bytes: 4 * volumeSize(output),
      receptiveField: flat ? whole : rf,
      flat,
    });
    v = output;
  });
  return rows;
}

/** Totals of a summary (or of an architecture, summarised first). */
export function summaryTotals(rows: LayerRow[] | Architecture): SummaryTotals {
  const list = Array.isArray(rows) ? rows : summarize(rows);
  const t: SummaryTotals = { weights: 0, biases: 0, params: 0, activations: 0, bytes: 0 };
  for (const r of list) {
    t.weights += r.weights;
    t.biases += r.biases;
    t.params += r.params;
    t.activations += r.activations;
    t.bytes += r.bytes;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------------
// The lecture's architectures

/**
 * LeNet-5 as used in this course (and in the benchmark's PyTorch peer): 28×28×1 input, a padded first
 * convolution (5×5, padding 2, the classic 32×32 input in disguise), ReLU and max pooling:
 * 61,706 parameters.
 */
export const lenet5: Architecture = defineArchitecture("LeNet-5", {
  input: "28x28x1",
  layers: ["CONV5-6/p2", "POOL2", "CONV5-16", "POOL2", "FC-120", "FC-84", "FC-10"],
  description: "LeCun et al. 1998 (dígitos del servicio postal), con ReLU y max pooling; entrada 28×28×1.",
});

/**
 * AlexNet as listed in the lecture (single-GPU version, no groups): CONV1 96 11×11 s4 p0, POOL 3×3 s2,
 * NORM, CONV2 256 5×5 p2, POOL, NORM, CONV3/4 384 3×3 p1, CONV5 256 3×3 p1, POOL, FC6 4096, FC7 4096,
 * FC8 1000 — about 62 M parameters. The input is 227×227×3 (as in CS231n): on the paper's 224×224×3
 * CONV1 does not fit, since (224 − 11)/4 + 1 = 54.25. Dropout 0.5 before FC7 and FC8, as trained.
 */
export const alexnet: Architecture = defineArchitecture("AlexNet", {
  input: "227x227x3",
  layers: [
    "conv1:CONV11-96/s4/p0",
    "pool1:POOL3/s2",
    "norm1:NORM",
    "conv2:CONV5-256/p2",
    "pool2:POOL3/s2",
    "norm2:NORM",
    "conv3:CONV3-384/p1",
    "conv4:CONV3-384/p1",
    "conv5:CONV3-256/p1",
    "pool3:POOL3/s2",
    "fc6:FC-4096",
    "dropout6:DROPOUT0.5",
    "fc7:FC-4096",
    "dropout7:DROPOUT0.5",
    "fc8:FC-1000",
  ],
  description: "Krizhevsky, Sutskever y Hinton 2012, ganadora de ILSVRC 2012; entrada 227×227×3.",
});

/**
 * VGG-16 (configuration D of Simonyan & Zisserman 2014), as in the lecture's table: 13 CONV3 layers
 * (3×3, stride 1, padding 1), 5 POOL2 (2×2, stride 2) and 3 FC; 138,357,544 parameters.
 */
export const vgg16: Architecture = defineArchitecture("VGG-16", {
  input: "224x224x3",
  layers: [
    ...["CONV3-64/p1", "CONV3-64/p1", "POOL2"],
    ...["CONV3-128/p1", "CONV3-128/p1", "POOL2"],
    ...["CONV3-256/p1", "CONV3-256/p1", "CONV3-256/p1", "POOL2"],
    ...["CONV3-512/p1", "CONV3-512/p1", "CONV3-512/p1", "POOL2"],
    ...["CONV3-512/p1", "CONV3-512/p1", "CONV3-512/p1", "POOL2"],
    ...["FC-4096", "FC-4096", "FC-1000"],
  ],
  description: "Simonyan y Zisserman 2014 (configuración D); entrada 224×224×3.",
});

// ---------------------------------------------------------------------------------------------------
// TF.js models

/** Constructor arguments of {@link LocalResponseNormalization} (AlexNet's defaults). */
export interface LrnArgs {
  /** Neighbouring maps on each side (AlexNet: n = 5 maps → radius 2). */
  depthRadius?: number;
  /** k (AlexNet: 2). */
  bias?: number;
  /** α, multiplying the sum of squares (TF convention; Caffe divides it by n). AlexNet: 1e-4. */
  alpha?: number;
  /** β (AlexNet: 0.75). */
  beta?: number;
  /** Layer name. */
  name?: string;
}

/**
 * AlexNet's local response normalisation as a TF.js layer (TF.js has none built in): each activation is
 * divided by (k + α·Σ a²)^β over the `depthRadius` neighbouring activation maps on each side.
 * No parameters; the output has the input's shape.
 */
export class LocalResponseNormalization extends tf.layers.Layer {
  /** Name used when (de)serialising models. */
  static className = "LocalResponseNormalization";
  /** Neighbouring maps on each side. */
  readonly depthRadius: number;
  /** k. */
  readonly bias: number;
  /** α. */
  readonly alpha: number;
  /** β. */
  readonly beta: number;

  /** Creates the layer with AlexNet's constants unless given. */
  constructor(args: LrnArgs = {}) {
    super({ name: args.name });
    this.depthRadius = args.depthRadius ?? 2;
    this.bias = args.bias ?? 2;
    this.alpha = args.alpha ?? 1e-4;
    this.beta = args.beta ?? 0.75;
  }

  /** Same shape as the input. */
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  /** Applies `tf.localResponseNormalization`. */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return tf.localResponseNormalization(x, this.depthRadius, this.bias, this.alpha, this.beta);
    });
  }

  /** Serialisable configuration. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      depthRadius: this.depthRadius,
      bias: this.bias,
      alpha: this.alpha,
      beta: this.beta,
    };
  }
}
tf.serialization.registerClass(LocalResponseNormalization);

/** Options for {@link buildModel}. */
export interface BuildModelOptions {
  /** Units of the last FC layer (the number of classes). Default: as described. */
  classes?: number;
  /** Replace the input volume (e.g. `{ width: 32, height: 32, depth: 3 }`); re-checked, may throw. */
  input?: Volume | string;
  /**
   * Dropout rate. Replaces the rate of every DROPOUT layer; when the description has none, a dropout
   * layer of this rate is added after each hidden FC layer (AlexNet's recipe: 0.5).
   */
  dropout?: number;
  /** L2 weight decay on every CONV and FC kernel (AlexNet: 5e-4). Default none. */
  l2?: number;
  /** Seed for the weight initialisers and dropout masks (reproducible models). */
  seed?: number;
  /**
   * What NORM becomes: `"lrn"` (default, {@link LocalResponseNormalization}) or `"identity"` (a linear
   * activation layer, for backends or exports without LRN). Both have 0 parameters.
   */
  norm?: "lrn" | "identity";
  /** Model name. Default: the architecture's name. */
  name?: string;
}

/**
 * Builds the TF.js model of an architecture (channels last: input `[height, width, depth]`). Each summary
 * row becomes the layer with the same name, whose output shape and `countParams()` equal the row's.
 * A numeric padding P becomes `"same"` when stride 1 and 2P = F − 1, otherwise an extra
 * `ZeroPadding2D` layer (`<name>_pad`) before a `"valid"` convolution; an FC layer after a volume gets a
 * `Flatten` (`<name>_flatten`) first. The model is not compiled.
 *
 * @example const model = buildModel(lenet5, { seed: 1 }); model.countParams() // 61706
 */
export function buildModel(arch: Architecture, options: BuildModelOptions = {}): tf.LayersModel {
  const a = resolveArch(arch);
  const opt = options ?? {};
  if (opt.classes !== undefined) checkInteger("options.classes (número de clases)", opt.classes);
  if (opt.dropout !== undefined && !(typeof opt.dropout === "number" && opt.dropout >= 0 && opt.dropout < 1)) {
    throw new DimensionError(
      `options.dropout debe estar en [0, 1), p. ej. 0.5; se recibió ${describeValue(opt.dropout)}.`,
      {
        field: "options.dropout",
        value: opt.dropout,
      },
    );
  }
  if (opt.l2 !== undefined && !(typeof opt.l2 === "number" && opt.l2 >= 0)) {
    throw new DimensionError(`options.l2 debe ser un número ≥ 0, p. ej. 5e-4; se recibió ${describeValue(opt.l2)}.`, {
      field: "options.l2",
      value: opt.l2,
    });
  }
  if (opt.norm !== undefined && opt.norm !== "lrn" && opt.norm !== "identity") {
    throw new DimensionError(`options.norm debe ser "lrn" o "identity"; se recibió ${describeValue(opt.norm)}.`, {
      field: "options.norm",
      value: opt.norm,
    });
  }
  let layers = [...a.layers];
  if (opt.classes !== undefined) {
    const lastDense = layers.map((l) => l.kind).lastIndexOf("dense");
    if (lastDense < 0) {
      throw new DimensionError("options.classes necesita una capa FC final, y esta arquitectura no tiene ninguna.", {
        field: "options.classes",
        value: opt.classes,
      });
    }
    layers[lastDense] = { ...(layers[lastDense] as DenseLayerSpec), units: opt.classes };
  }
  if (opt.dropout !== undefined) {
    if (layers.some((l) => l.kind === "dropout")) {
      layers = layers.map((l) => (l.kind === "dropout" ? { ...l, rate: opt.dropout as number } : l));
    } else {
      const lastDense = layers.map((l) => l.kind).lastIndexOf("dense");
      layers = layers.flatMap((l, i) =>
        l.kind === "dense" && i !== lastDense
          ? [l, { kind: "dropout", rate: opt.dropout as number, name: `${l.name}_dropout` } as LayerSpec]
          : [l]
      );
    }
  }
  const resolved: Architecture = { ...a, layers };
  const rows = summarize(resolved, { input: opt.input }); // throws a DimensionError before building anything
  const input = rows[0].output;
  const seed = opt.seed;
  let k = 0;
  const init = () => (seed === undefined ? "glorotUniform" : tf.initializers.glorotUniform({ seed: seed + 101 * k++ }));
  const reg = () => (opt.l2 ? tf.regularizers.l2({ l2: opt.l2 }) : undefined);
  const model = tf.sequential({ name: opt.name ?? a.name.replace(/[^\w]/g, "_") });
  model.add(tf.layers.inputLayer({ inputShape: [input.height, input.width, input.depth], name: "input" }));
  layers.forEach((spec, i) => {
    const row = rows[i + 1];
    const name = row.name;
    switch (spec.kind) {
      case "conv": {
        const f = spec.size;
        const s = spec.stride ?? 1;
        const p = spec.padding ?? 0;
        let padding: "same" | "valid" = "valid";
        if (p === "same" || (typeof p === "number" && p > 0 && s === 1 && 2 * p === f - 1)) padding = "same";
        else if (typeof p === "number" && p > 0) {
          model.add(tf.layers.zeroPadding2d({ padding: p, name: `${name}_pad` }));
        }
        model.add(tf.layers.conv2d({
          name,
          filters: spec.filters,
          kernelSize: f,
          strides: s,
          padding,
          activation: spec.activation ?? "relu",
          kernelInitializer: init(),
          kernelRegularizer: reg(),
        }));
        break;
      }
      case "pool": {
        const args = { name, poolSize: spec.size, strides: spec.stride ?? spec.size, padding: spec.padding ?? "valid" };
        model.add(spec.mode === "avg" ? tf.layers.averagePooling2d(args) : tf.layers.maxPooling2d(args));
        break;
      }
      case "dense":
        if (!rows[i].flat) model.add(tf.layers.flatten({ name: `${name}_flatten` }));
        model.add(tf.layers.dense({
          name,
          units: spec.units,
          activation: spec.activation ?? "relu",
          kernelInitializer: init(),
          kernelRegularizer: reg(),
        }));
        break;
      case "norm":
        model.add(
          opt.norm === "identity"
            ? tf.layers.activation({ activation: "linear", name })
            : new LocalResponseNormalization({ name }),
        );
        break;
      case "dropout":
        model.add(tf.layers.dropout({ rate: spec.rate, name, seed: seed === undefined ? undefined : seed + i }));
        break;
      case "flatten":
        model.add(tf.layers.flatten({ name }));
        break;
      case "gap":
        model.add(tf.layers.globalAveragePooling2d({ name }));
        break;
      case "activation":
        model.add(tf.layers.activation({ activation: spec.activation, name }));
        break;
    }
  });
  return model;
}
