/**
 * The lecture's notation for CNN layers (`"CONV3-64"`, `"POOL2"`, `"FC-4096"`): the typed layer specs, the
 * parser (text → spec), the checks of a typed spec and the way back (spec → text), each kind's part of it
 * taken from `layer_kinds.ts`. `architecture.ts`
 * validates and summarises whole architectures written in it; `build.ts` turns them into TF.js models.
 *
 * Notation of one layer (case-insensitive; options after `/`; an optional `name:` prefix names the layer):
 *
 * | text                         | layer                                                              |
 * |------------------------------|--------------------------------------------------------------------|
 * | `CONV3-64`, `CONV11-96/s4/p0`| K = 64 filters F×F = 3×3 (stride `/sS`, padding `/pP`, `/same`, `/valid`, `/nobias`) |
 * | `POOL2`, `POOL3/s2`          | max pooling F×F, stride S (default S = F); `AVGPOOL2` for average   |
 * | `FC-4096`                    | fully connected layer of 4096 neurons (flattens its input)          |
 * | `NORM`                       | local response normalisation (AlexNet), no parameters               |
 * | `BN`                         | batch normalisation (γ, β and moving statistics: 4·D parameters)    |
 * | `DROPOUT0.5`                 | dropout with rate 0.5                                               |
 * | `FLATTEN`, `GAP`             | flatten; global average pooling (one value per activation map)      |
 * | `RELU`, `SOFTMAX`, …         | a separate activation                                               |
 *
 * CONV and FC layers take `/relu` (default), `/linear`, `/softmax`, `/sigmoid` or `/tanh`; the last
 * layer of an architecture, when it is FC, defaults to `softmax` (class scores).
 * @module
 */
import { DimensionError } from "./dimensions.ts";
import { describeValue } from "../engine/validate.ts";
import { type Activation, ACTIVATIONS, type LayerSpec } from "./spec.ts";
import { KIND_NAMES, kindOf, LAYER_KINDS, type LayerKindDef, type NotationOptions } from "./layer_kinds.ts";

export type {
  Activation,
  ActivationLayerSpec,
  Architecture,
  ArchitectureDefinition,
  BatchNormLayerSpec,
  ConvLayerSpec,
  DenseLayerSpec,
  DropoutLayerSpec,
  FlattenLayerSpec,
  GlobalPoolLayerSpec,
  LayerInput,
  LayerKind,
  LayerSpec,
  NormLayerSpec,
  PoolLayerSpec,
} from "./spec.ts";

function notationError(index: number, text: unknown, detail: string): DimensionError {
  return new DimensionError(
    `No entiendo la capa ${index + 1}: ${describeValue(text)}. ${detail} Ejemplos válidos: "CONV3-64", ` +
      `"CONV11-96/s4/p0", "POOL2", "POOL3/s2", "AVGPOOL2", "FC-4096", "NORM", "BN", "DROPOUT0.5", "FLATTEN", "GAP", "RELU".`,
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
  const o: NotationOptions = {};
  for (const opt of opts) {
    const lower = opt.toLowerCase();
    let m: RegExpMatchArray | null;
    if ((m = lower.match(/^s(\d+)$/))) o.stride = Number(m[1]);
    else if ((m = lower.match(/^p(\d+)$/))) o.padding = Number(m[1]);
    else if (lower === "same" || lower === "valid") o.padding = lower;
    else if ((ACTIVATIONS as readonly string[]).includes(lower)) o.activation = lower as Activation;
    else if (lower === "nobias") o.noBias = true;
    else {
      throw notationError(
        index,
        text,
        `La opción "/${opt}" no existe: usa /sS (stride), /pP (padding), /same, /valid, /nobias o una activación ` +
          `(/relu, /softmax…).`,
      );
    }
  }
  const up = head.toUpperCase();
  for (const kind of KIND_NAMES) {
    const def = LAYER_KINDS[kind] as LayerKindDef<LayerSpec>;
    const m = up.match(def.pattern);
    if (!m) continue;
    const a = def.accepts;
    const refused = (o.stride !== undefined && !a?.stride) ||
      (o.padding !== undefined &&
        !(a?.padding === "number" || (a?.padding === "keyword" && typeof o.padding === "string"))) ||
      (o.activation !== undefined && !a?.activation) || (o.noBias && !a?.noBias);
    if (refused) {
      throw notationError(
        index,
        text,
        a?.message || `Una capa ${up} no admite opciones de stride, padding o activación.`,
      );
    }
    const spec = def.parse(m, o);
    return name ? { ...spec, name } : spec;
  }
  throw notationError(
    index,
    text,
    "Formato: CONV<F>-<K> (F = lado del filtro, K = número de filtros), POOL<F>, FC-<neuronas>…",
  );
}

/** Default name prefix of each layer kind (`conv1`, `pool2`, `fc6`…). */
export function defaultName(kind: LayerSpec["kind"], n: number): string {
  return `${LAYER_KINDS[kind].prefix}${n}`;
}

/** Validates a typed layer (fields, ranges) and returns it; `index` is only used in messages. */
export function checkSpec(spec: LayerSpec, index: number): LayerSpec {
  const where = `layers[${index}]`;
  if (typeof spec !== "object" || spec === null || !Object.hasOwn(LAYER_KINDS, spec.kind)) {
    throw new DimensionError(
      `${where} debe ser un texto como "CONV3-64" o un objeto con kind ` +
        `${KIND_NAMES.map((k) => `"${k}"`).join(" | ")}; se recibió ${describeValue(spec)}.`,
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
  kindOf(spec).check?.(spec, where);
  return spec;
}

/** The layer in lecture notation: `CONV11-96/s4/p0`, `POOL3/s2`, `FC-4096`… (defaults omitted). */
export function layerNotation(spec: LayerSpec): string {
  return kindOf(spec).notation(spec);
}
