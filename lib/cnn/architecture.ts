/**
 * A complete architecture: `defineArchitecture` validates a description written in the lecture's notation
 * (every layer must fit), and `summarize` gives its layer-by-layer table (output volume, weights, biases,
 * activation memory, receptive field) and totals: the numbers of the lecture's VGG-16 table.
 * @module
 */
import {
  checkVolume,
  DimensionError,
  formatVolume,
  parseVolume,
  type Rounding,
  type Volume,
  volumeSize,
} from "./dimensions.ts";
import {
  type Architecture,
  type ArchitectureDefinition,
  checkSpec,
  defaultName,
  type LayerKind,
  layerNotation,
  parseLayer,
} from "./notation.ts";
import { kindOf, type LayerEffect } from "./layer_kinds.ts";
import { checkOptions, describeValue } from "../engine/validate.ts";

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
    spec.name ??= defaultName(spec.kind, counters[spec.kind]);
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

/** Accepts a built or a plain architecture definition and returns the built one (shared by summary and builder). */
export function resolveArch(arch: Architecture | ArchitectureDefinition & { name?: string }): Architecture {
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

/**
 * The layer-by-layer table of an architecture: one row for the input, then one per layer, each with its
 * output volume, weights and biases (separately), parameters, activation memory and receptive field.
 * Throws a {@link DimensionError} that names the first layer that does not fit.
 *
 * @example summarize(vgg16)[1] // conv1: 224×224×64, weights 1728, biases 64
 */
export function summarize(arch: Architecture, options: SummarizeOptions = {}): LayerRow[] {
  checkOptions("summarize", options, { input: true, rounding: true });
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
    let effect: LayerEffect;
    try {
      effect = kindOf(spec).effect(spec, v, flat, rounding);
    } catch (e) {
      if (!(e instanceof DimensionError)) throw e;
      throw new DimensionError(
        `${a.name}, capa ${i + 1} «${spec.name}» (${notation}) con entrada ${formatVolume(v)}: ${e.message}`,
        {
          field: e.field === "layers" ? `layers[${i}]` : e.field,
          value: e.field === "layers" ? notation : e.value,
          suggestions: e.suggestions,
        },
      );
    }
    const { output, weights, biases } = effect;
    flat = effect.flat;
    if (effect.window) {
      rf += (effect.window.size - 1) * jump;
      jump *= effect.window.stride;
    }
    rows.push({
      index: i + 1,
      name: spec.name ?? defaultName(spec.kind, i + 1),
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
