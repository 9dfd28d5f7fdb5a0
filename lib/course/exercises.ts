/**
 * Exercises on dimensions and parameters (block 5 of the unit) and the checks that grade the answers.
 *
 * Every `check…` function throws an {@link ExerciseError} (so "Run all" stops at the first wrong answer)
 * whose Spanish message says what is wrong and gives a hint, never the expected value; an unanswered
 * placeholder (`undefined`) gets a message that starts with {@link UNANSWERED_PREFIX}. A correct answer
 * prints a short confirmation.
 *
 * {@link exercise} gives the notebook's fixed exercises (the lecture's examples and new ones, graded in
 * difficulty); {@link generateExercises} (alias {@link ejercicios}) gives fresh variants from a seed, checked
 * by the same functions.
 * @module
 */
import { seededRandom } from "../data/random.ts";
import { Displayable } from "../show/display.ts";
import { type Architecture, layerNotation, type LayerSpec, parseLayer } from "../cnn/notation.ts";
import { defineArchitecture, summarize } from "../cnn/architecture.ts";
import { plainText } from "../show/mime.ts";
import { LearnerError } from "../engine/learner_error.ts";
import {
  convOutput,
  convParams,
  denseParams,
  DimensionError,
  formatCount,
  formatVolume,
  type Padding,
  parseVolume,
  poolOutput,
  type Volume,
} from "../cnn/dimensions.ts";
import { checkOptions, describeValue } from "../engine/validate.ts";

/** How an unanswered exercise's message begins. */
export const UNANSWERED_PREFIX = "todavía sin responder";

/** Options of {@link ExerciseError}. */
export interface ExerciseErrorOptions {
  /** Fraction of the exercise that is right (0–1), for partial credit when an answer has several parts. */
  credit?: number;
}

/** A wrong or missing answer. The message is for the learner (Spanish, with a hint). */
export class ExerciseError extends LearnerError {
  /** Fraction of the answer that is right (0 unless the check gives partial credit). */
  readonly credit: number;
  /** Builds the error. */
  constructor(message: string, options: ExerciseErrorOptions = {}) {
    super(message);
    this.name = "ExerciseError";
    this.credit = Math.min(1, Math.max(0, options.credit ?? 0));
  }
}

/** What an exercise asks for. */
export type ExerciseKind = "output" | "params" | "fits" | "padding" | "network" | "total";

/** Data of one exercise. */
export interface ExerciseData {
  /** What is asked. */
  kind: ExerciseKind;
  /** Short title. */
  title: string;
  /** Input volume (all kinds but `network`/`total`, which use `arch`). */
  input?: Volume;
  /** The layer (conv, pool or dense) for `output`, `params`, `fits`, `padding`. */
  layer?: LayerSpec;
  /** For `params` of a dense layer: ask the weights only (the lecture's "pesos") instead of the total. */
  weightsOnly?: boolean;
  /** For `network` and `total`. */
  arch?: Architecture;
  /** Where it comes from, e.g. "ejemplo de clase". */
  source?: string;
  /** A sentence of context added after the statement. */
  note?: string;
}

/** One exercise: its data, a Spanish statement, and a Jupyter display of that statement. */
export class Exercise extends Displayable implements ExerciseData {
  /** Identifier shown in messages: `"1"`, `"s42-3"`… */
  readonly id: string;
  /** What is asked. */
  readonly kind: ExerciseKind;
  /** Short title. */
  readonly title: string;
  /** Input volume. */
  readonly input?: Volume;
  /** The layer. */
  readonly layer?: LayerSpec;
  /** Ask weights only (dense `params`). */
  readonly weightsOnly?: boolean;
  /** The architecture (`network`, `total`). */
  readonly arch?: Architecture;
  /** Where it comes from. */
  readonly source?: string;
  /** A sentence of context. */
  readonly note?: string;

  /** Creates an exercise; see {@link exercise} and {@link generateExercises}. */
  constructor(id: string, data: ExerciseData) {
    super();
    this.id = id;
    this.kind = data.kind;
    this.title = data.title;
    if (data.input) this.input = data.input;
    if (data.layer) this.layer = data.layer;
    if (data.weightsOnly) this.weightsOnly = true;
    if (data.arch) this.arch = data.arch;
    if (data.source) this.source = data.source;
    if (data.note) this.note = data.note;
  }

  /** The statement in Spanish (Markdown). */
  get statement(): string {
    return this.question() + (this.note ? ` ${this.note}` : "");
  }

  private question(): string {
    const vin = this.input ? `**${formatVolume(this.input)}**` : "";
    const l = this.layer ? describeLayer(this.layer) : "";
    switch (this.kind) {
      case "output":
        return `Entrada de ${vin}; aplicamos ${l}. ¿Qué **volumen de salida** W₂×H₂×D₂ se obtiene? ` +
          "Responde con `{ width, height, depth }`.";
      case "params":
        return this.layer?.kind === "dense"
          ? `Una capa densa de ${plural((this.layer as { units: number }).units, "neurona")} ` +
            `recibe la entrada ${vin} ` +
            `aplanada. ¿Cuántos **${this.weightsOnly ? "pesos (sin biases)" : "parámetros (pesos + biases)"}** tiene?`
          : `Entrada de ${vin}; aplicamos ${l}. ¿Cuántos **parámetros** (pesos + biases) tiene la capa?`;
      case "fits":
        return `Entrada de ${vin}; aplicamos ${l}. ¿**Encaja** el filtro, es decir, es la salida un número entero ` +
          "en cada lado? Responde `true` o `false`.";
      case "padding":
        return `Entrada de ${vin}; aplicamos ${
          describeLayer(this.layer!, false)
        }. ¿Qué **padding P** hace que la salida tenga el mismo ancho y alto ` +
          "que la entrada?";
      case "network":
        return `Red **${this.arch!.name}** con entrada ${formatVolume(this.arch!.input)} y capas ` +
          `${this.arch!.layers.map((x) => `\`${layerNotation(x)}\``).join(", ")}. Completa su tabla: para cada capa ` +
          "(sin contar la entrada), `{ output: { width, height, depth }, params }`.";
      case "total":
        return `Red **${this.arch!.name}** con entrada ${formatVolume(this.arch!.input)} y capas ` +
          `${this.arch!.layers.map((x) => `\`${layerNotation(x)}\``).join(", ")}. ¿Cuántos **parámetros** tiene ` +
          "en total?";
    }
    return "";
  }

  /** The statement as Markdown for a notebook. */
  get markdown(): string {
    return `**Ejercicio ${this.id} · ${this.title}**${this.source ? ` _(${this.source})_` : ""}\n\n${this.statement}`;
  }

  /**
   * What a notebook cell shows: the statement (the notebook's heading already names the exercise), as
   * Markdown and as plain text (an untrusted notebook shows only the latter; see `mime.ts`).
   */
  mimeBundle(): Record<string, string> {
    const markdown = `${this.source ? `_(${this.source})_ ` : ""}${this.statement}`;
    return { "text/markdown": markdown, "text/plain": plainText(markdown) };
  }
}

function describePadding(p: Padding | undefined): string {
  if (p === undefined || p === 0 || p === "valid") return "sin padding";
  if (p === "same") return 'padding "same"';
  return `padding ${p}`;
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}

/** "10 filtros 5×5, stride 1, padding 2" / "max pooling 2×2, stride 2" / "una capa FC de 10 neuronas". */
function describeLayer(l: LayerSpec, withPadding = true): string {
  if (l.kind === "conv") {
    const head = `**${l.filters} filtro${l.filters === 1 ? "" : "s"} ${l.size}×${l.size}**, stride ${l.stride ?? 1}`;
    return withPadding ? `${head}, ${describePadding(l.padding)}` : head;
  }
  if (l.kind === "pool") {
    return `**${l.mode === "avg" ? "average" : "max"} pooling ${l.size}×${l.size}**, stride ${l.stride ?? l.size}`;
  }
  if (l.kind === "dense") return `una capa FC de ${plural(l.units, "neurona")}`;
  return layerNotation(l);
}

// ---------------------------------------------------------------------------------------------------
// Checks

function unanswered(ex: Exercise, example: string): never {
  throw new ExerciseError(
    `${UNANSWERED_PREFIX} (ejercicio ${ex.id}): escribe tu respuesta en la celda, en el lugar del TODO, ` +
      `con la forma ${example}, y vuelve a ejecutarla.`,
  );
}

function ok(ex: Exercise, what: string): void {
  console.log(`✔ Ejercicio ${ex.id} correcto: ${what}.`);
}

function expectKind(ex: Exercise, kinds: ExerciseKind[], fn: string): void {
  if (!(ex instanceof Exercise)) {
    throw new ExerciseError(
      `${fn}: el primer argumento debe ser un ejercicio, p. ej. exercise(1); se recibió ${typeof ex}.`,
    );
  }
  if (!kinds.includes(ex.kind)) {
    const right: Record<ExerciseKind, string> = {
      output: "checkConvOutput o checkPoolOutput",
      params: "checkParams",
      fits: "checkFits",
      padding: "checkPadding",
      network: "checkNetwork",
      total: "checkTotalParams",
    };
    throw new ExerciseError(`${fn} no corrige el ejercicio ${ex.id} (de tipo "${ex.kind}"): usa ${right[ex.kind]}.`);
  }
}

function readVolume(ex: Exercise, answer: unknown, what = "la respuesta"): Volume {
  if (typeof answer === "string") {
    try {
      return parseVolume(answer);
    } catch {
      throw new ExerciseError(
        `Ejercicio ${ex.id}: no entiendo ${what} "${answer}". Escríbela como { width: …, height: …, depth: … } o "WxHxD".`,
      );
    }
  }
  const v = answer as Record<string, unknown>;
  if (typeof answer !== "object" || answer === null || !["width", "height", "depth"].every((k) => k in v)) {
    throw new ExerciseError(
      `Ejercicio ${ex.id}: ${what} debe ser un volumen { width: …, height: …, depth: … }; se recibió ${
        describeValue(answer)
      }.`,
    );
  }
  for (const k of ["width", "height", "depth"]) {
    if (typeof v[k] !== "number" || !Number.isFinite(v[k] as number)) {
      throw new ExerciseError(
        `Ejercicio ${ex.id}: ${what}.${k} debe ser un número; se recibió ${describeValue(v[k])}.`,
      );
    }
  }
  return { width: v.width as number, height: v.height as number, depth: v.depth as number };
}

/** Why a spatial side is wrong, recognising the usual slips (the reason only, without the side's name). */
function sideReason(side: "ancho" | "alto", n: number, l: LayerSpec, got: number): string {
  const f = (l as { size: number }).size;
  const s = (l as { stride?: number }).stride ?? (l.kind === "pool" ? f : 1);
  const padding = l.kind === "conv" ? l.padding ?? 0 : 0;
  const formula = l.kind === "pool" ? "(N − F)/S + 1" : "(N − F + 2P)/S + 1";
  if (!Number.isInteger(got)) return "debe ser un número entero de posiciones del filtro.";
  if (typeof padding === "number") {
    const p = padding;
    if (p > 0 && got === (n - f) / s + 1) {
      return "parece que falta el padding. Suma 2P: P filas/columnas de ceros a cada lado.";
    }
    if (p > 0 && got === (n - f + p) / s + 1) return "el padding se añade a los dos lados, así que suma 2P, no P.";
    if (got === (n - f + 2 * p) / s) return `no olvides el + 1 de la fórmula ${formula}.`;
    if (s > 1 && got === n - f + 2 * p + 1) {
      return `con stride ${s} el filtro avanza ${s} posiciones cada vez; divide entre S.`;
    }
  }
  if (l.kind === "pool" && got === n) return `un pooling ${f}×${f} con stride ${s} reduce el tamaño.`;
  return `aplica ${formula} con N = ${n}, el ${side} de la entrada.`;
}

function checkOutputCommon(ex: Exercise, answer: unknown, fn: string): void {
  expectKind(ex, ["output"], fn);
  if (answer === undefined) unanswered(ex, "{ width: …, height: …, depth: … }");
  const got = readVolume(ex, answer);
  const input = ex.input!;
  const l = ex.layer!;
  const want = l.kind === "conv" ? convOutput(input, l) : poolOutput(input, l as { size: number; stride?: number });
  const problems: string[] = [];
  if (got.width === want.height && got.height === want.width && want.width !== want.height) {
    problems.push("has intercambiado el ancho y el alto (W es el número de columnas, H el de filas).");
  } else {
    const rw = got.width !== want.width ? sideReason("ancho", input.width, l, got.width) : undefined;
    const rh = got.height !== want.height ? sideReason("alto", input.height, l, got.height) : undefined;
    if (rw && rh && rw === rh) problems.push(`el ancho y el alto no son correctos: ${rw}`);
    else {
      if (rw) problems.push(`el ancho no es correcto: ${rw}`);
      if (rh) problems.push(`el alto no es correcto: ${rh}`);
    }
  }
  if (got.depth !== want.depth) {
    problems.push(
      l.kind === "conv"
        ? "la profundidad de salida es el número de filtros K (cada filtro produce un mapa de activación)."
        : "el pooling no cambia la profundidad: actúa sobre cada mapa de activación por separado.",
    );
  }
  if (problems.length) {
    const text = problems.map((p, i) => (i === 0 ? p[0].toUpperCase() + p.slice(1) : p)).join(" Además, ");
    throw new ExerciseError(`Ejercicio ${ex.id}: ${formatVolume(got)} no es correcto. ${text}`);
  }
  return ok(ex, formatVolume(got));
}

/**
 * Checks the output volume of a convolution exercise. Answer: `{ width, height, depth }` or `"WxHxD"`.
 * Throws an {@link ExerciseError} with a hint when it is wrong or missing.
 */
export function checkConvOutput(ex: Exercise, answer: Volume | string | undefined): void {
  return checkOutputCommon(ex, answer, "checkConvOutput");
}

/** Checks the output volume of a pooling exercise (same rules as {@link checkConvOutput}). */
export function checkPoolOutput(ex: Exercise, answer: Volume | string | undefined): void {
  return checkOutputCommon(ex, answer, "checkPoolOutput");
}

function readNumber(ex: Exercise, answer: unknown, what: string): number {
  if (typeof answer !== "number" || !Number.isFinite(answer)) {
    throw new ExerciseError(`Ejercicio ${ex.id}: ${what} debe ser un número; se recibió ${describeValue(answer)}.`);
  }
  return answer;
}

/**
 * Checks a parameter count: a CONV layer's (F·F·D1)·K + K, a pooling layer's 0, or a dense layer's
 * inputs·units + units (or its weights only, when the exercise asks for "pesos").
 */
export function checkParams(ex: Exercise, answer: number | undefined): void {
  expectKind(ex, ["params"], "checkParams");
  if (answer === undefined) unanswered(ex, "un número, p. ej. 123");
  const got = readNumber(ex, answer, "la respuesta");
  const l = ex.layer!;
  const input = ex.input!;
  if (l.kind === "pool") {
    if (got === 0) return ok(ex, "0 parámetros");
    throw new ExerciseError(
      `Ejercicio ${ex.id}: ${formatCount(got)} no es correcto. Un pooling solo toma el máximo (o la media) de cada ` +
        "ventana: ¿qué tendría que aprender?",
    );
  }
  if (l.kind === "dense") {
    const p = denseParams(input, l.units);
    const want = ex.weightsOnly ? p.weights : p.total;
    if (got === want) return ok(ex, `${formatCount(got)} ${ex.weightsOnly ? "pesos" : "parámetros"}`);
    let hint = "cada neurona de una capa FC se conecta con todas las entradas: W·H·D entradas por neurona";
    if (!ex.weightsOnly && got === p.weights) hint = "te faltan los biases: uno por neurona";
    else if (ex.weightsOnly && got === p.total) hint = "solo se piden los pesos, sin los biases";
    else if (got === input.width * input.height * l.units || got === input.width * input.height * l.units + l.units) {
      hint = `no olvides los canales: una imagen ${formatVolume(input)} tiene W·H·D valores de entrada`;
    }
    throw new ExerciseError(`Ejercicio ${ex.id}: ${formatCount(got)} no es correcto. Pista: ${hint}.`);
  }
  if (l.kind !== "conv") throw new Error(`Ejercicio ${ex.id}: tipo de capa no soportado (${l.kind}).`);
  const p = convParams(input.depth, l);
  if (got === p.total) return ok(ex, `${formatCount(got)} parámetros`);
  const f = l.size;
  const out = convOutput(input, l);
  let hint = "cada filtro tiene F·F·D1 pesos (D1 = profundidad de la entrada) y 1 bias; hay K filtros";
  if (got === p.weights) hint = "te faltan los biases: uno por filtro";
  else if (got === f * f * l.filters + l.filters || got === f * f * l.filters) {
    hint = "cada filtro tiene la misma profundidad que la entrada: F·F·D1 pesos, no F·F";
  } else if (got === f * f * input.depth + 1 || got === f * f * input.depth) {
    hint = "eso es un solo filtro; la capa tiene K filtros";
  } else if (got % (out.width * out.height) === 0 || got % (input.width * input.height) === 0) {
    hint = "el número de parámetros no depende del ancho ni del alto de la imagen (los filtros se comparten)";
  }
  throw new ExerciseError(`Ejercicio ${ex.id}: ${formatCount(got)} no es correcto. Pista: ${hint}.`);
}

/** Checks a "does the filter fit?" answer (`true`/`false`). */
export function checkFits(ex: Exercise, answer: boolean | undefined): void {
  expectKind(ex, ["fits"], "checkFits");
  if (answer === undefined) unanswered(ex, "true o false");
  if (typeof answer !== "boolean") {
    throw new ExerciseError(`Ejercicio ${ex.id}: responde true o false; se recibió ${describeValue(answer)}.`);
  }
  let fits = true;
  try {
    const l = ex.layer!;
    if (l.kind === "conv") convOutput(ex.input!, l);
    else poolOutput(ex.input!, l as { size: number; stride?: number });
  } catch (e) {
    if (!(e instanceof DimensionError)) throw e;
    fits = false;
  }
  if (answer === fits) return ok(ex, fits ? "sí encaja" : "no encaja");
  throw new ExerciseError(
    `Ejercicio ${ex.id}: no es correcto. Calcula (N − F + 2P)/S + 1 para el ancho y para el alto: encaja solo si ` +
      "las dos divisiones son exactas.",
  );
}

/** Checks the padding P that keeps the spatial size (stride 1: (N − F + 2P) + 1 = N). */
export function checkPadding(ex: Exercise, answer: number | undefined): void {
  expectKind(ex, ["padding"], "checkPadding");
  if (answer === undefined) unanswered(ex, "un número entero de filas/columnas de ceros");
  const got = readNumber(ex, answer, "el padding");
  const l = ex.layer as { filters: number; size: number; stride?: number };
  let keeps = false;
  if (Number.isInteger(got) && got >= 0) {
    try {
      const out = convOutput(ex.input!, { ...l, padding: got });
      keeps = out.width === ex.input!.width && out.height === ex.input!.height;
    } catch (e) {
      if (!(e instanceof DimensionError)) throw e;
    }
  }
  if (keeps) return ok(ex, `padding ${got} mantiene ${ex.input!.width}×${ex.input!.height}`);
  const hint = !Number.isInteger(got) || got < 0
    ? "el padding es un número entero ≥ 0 de filas/columnas de ceros por lado"
    : "busca P tal que (N − F + 2P)/S + 1 = N; el filtro «se come» F − 1 posiciones y el padding añade 2P";
  throw new ExerciseError(`Ejercicio ${ex.id}: padding ${got} no mantiene el tamaño. Pista: ${hint}.`);
}

/** One row of a learner's network table: the layer's output volume and its parameters. */
export interface NetworkRowAnswer {
  /** Output volume (`{ width, height, depth }` or `"WxHxD"`; FC layers: `1x1xunits`). */
  output: Volume | string;
  /** Parameters (weights + biases). */
  params: number;
}

/** Checks a whole small network's table, layer by layer (the input row is not included). */
export function checkNetwork(ex: Exercise, answer: NetworkRowAnswer[] | undefined): void {
  expectKind(ex, ["network"], "checkNetwork");
  if (answer === undefined) {
    unanswered(ex, "una lista [{ output: { width, height, depth }, params }, …], una fila por capa");
  }
  const rows = summarize(ex.arch!).slice(1);
  if (!Array.isArray(answer)) {
    throw new ExerciseError(`Ejercicio ${ex.id}: la respuesta debe ser una lista con una fila por capa.`);
  }
  if (answer.length !== rows.length) {
    throw new ExerciseError(
      `Ejercicio ${ex.id}: la red tiene ${rows.length} capas (sin contar la entrada) y tu tabla tiene ${answer.length} filas.`,
    );
  }
  // Partial credit (grader): the fraction of rows whose output and parameters are both right.
  const right = rows.filter((row, i) => {
    const a = answer[i] as Partial<NetworkRowAnswer> | undefined;
    try {
      const out = readVolume(ex, a?.output);
      return out.width === row.output.width && out.height === row.output.height && out.depth === row.output.depth &&
        a?.params === row.params;
    } catch {
      return false;
    }
  }).length;
  const credit = right / rows.length;
  rows.forEach((row, i) => {
    const a = answer[i] as Partial<NetworkRowAnswer> | undefined;
    const where = `capa ${i + 1} (${row.notation})`;
    if (typeof a !== "object" || a === null) {
      throw new ExerciseError(`Ejercicio ${ex.id}, ${where}: cada fila debe ser { output, params }.`, { credit });
    }
    const out = readVolume(ex, a.output, `la salida de la ${where}`);
    if (out.width !== row.output.width || out.height !== row.output.height || out.depth !== row.output.depth) {
      const hint = row.kind === "conv"
        ? "aplica (N − F + 2P)/S + 1 a la salida de la capa anterior; la profundidad es el número de filtros"
        : row.kind === "pool"
        ? "aplica (N − F)/S + 1 a la salida de la capa anterior; la profundidad no cambia"
        : "una FC produce un vector: 1×1×neuronas";
      throw new ExerciseError(
        `Ejercicio ${ex.id}, ${where}: la salida ${formatVolume(out)} no es correcta. Pista: ${hint}.`,
        { credit },
      );
    }
    const params = readNumber(ex, a.params, `los parámetros de la ${where}`);
    if (params !== row.params) {
      const hint = row.kind === "conv"
        ? "(F·F·D1)·K + K, con D1 la profundidad de la capa anterior"
        : row.kind === "pool"
        ? "un pooling no tiene parámetros"
        : "entradas·neuronas + neuronas, con entradas = W·H·D del volumen anterior aplanado";
      throw new ExerciseError(
        `Ejercicio ${ex.id}, ${where}: ${formatCount(params)} parámetros no es correcto. Pista: ${hint}.`,
        { credit },
      );
    }
  });
  return ok(ex, `las ${rows.length} filas de la tabla`);
}

/** Checks the total parameter count of a small network. */
export function checkTotalParams(ex: Exercise, answer: number | undefined): void {
  expectKind(ex, ["total"], "checkTotalParams");
  if (answer === undefined) unanswered(ex, "un número");
  const got = readNumber(ex, answer, "la respuesta");
  const rows = summarize(ex.arch!);
  const total = rows.reduce((s, r) => s + r.params, 0);
  if (got === total) return ok(ex, `${formatCount(got)} parámetros`);
  const weights = rows.reduce((s, r) => s + r.weights, 0);
  const hint = got === weights
    ? "has sumado solo los pesos: añade los biases (uno por filtro o neurona)"
    : "suma los parámetros de cada capa: CONV (F·F·D1)·K + K, POOL 0, FC entradas·neuronas + neuronas";
  throw new ExerciseError(`Ejercicio ${ex.id}: ${formatCount(got)} no es correcto. Pista: ${hint}.`);
}

// ---------------------------------------------------------------------------------------------------
// The notebook's exercises

const vol = (text: string) => parseVolume(text);
const CLASE = "ejemplo de clase";

const smallNet = defineArchitecture("MiniCNN", {
  input: "28x28x1",
  layers: ["CONV3-8/p1", "POOL2", "CONV3-16/p1", "POOL2", "FC-10"],
});

const FIXED: ExerciseData[] = [
  { kind: "output", title: "stride 1", input: vol("7x7x1"), layer: parseLayer("CONV3-1"), source: CLASE },
  { kind: "output", title: "stride 2", input: vol("7x7x1"), layer: parseLayer("CONV3-1/s2"), source: CLASE },
  { kind: "fits", title: "stride 3", input: vol("7x7x1"), layer: parseLayer("CONV3-1/s3"), source: CLASE },
  { kind: "params", title: "un filtro 5×5", input: vol("32x32x3"), layer: parseLayer("CONV5-1"), source: CLASE },
  { kind: "params", title: "diez filtros 5×5", input: vol("32x32x3"), layer: parseLayer("CONV5-10"), source: CLASE },
  {
    kind: "params",
    title: "una neurona de un MLP",
    input: vol("300x300x3"),
    layer: parseLayer("FC-1"),
    weightsOnly: true,
    source: CLASE,
  },
  { kind: "output", title: "zero padding", input: vol("32x32x3"), layer: parseLayer("CONV5-10/p2"), source: CLASE },
  { kind: "output", title: "max pooling", input: vol("224x224x64"), layer: parseLayer("POOL2"), source: CLASE },
  {
    kind: "params",
    title: "parámetros del pooling",
    input: vol("224x224x64"),
    layer: parseLayer("POOL2"),
    source: CLASE,
  },
  { kind: "output", title: "entrada rectangular", input: vol("64x48x3"), layer: parseLayer("CONV3-16/p1") },
  { kind: "output", title: "filtros 1×1", input: vol("56x56x256"), layer: parseLayer("CONV1-64") },
  { kind: "params", title: "parámetros de los filtros 1×1", input: vol("56x56x256"), layer: parseLayer("CONV1-64") },
  { kind: "padding", title: "mantener el tamaño (5×5)", input: vol("32x32x3"), layer: parseLayer("CONV5-10") },
  { kind: "padding", title: "mantener el tamaño (7×7)", input: vol("64x64x16"), layer: parseLayer("CONV7-32") },
  {
    kind: "output",
    title: "stride 2 y padding, rectangular",
    input: vol("127x95x3"),
    layer: parseLayer("CONV3-32/s2/p1"),
  },
  { kind: "fits", title: "AlexNet sobre 224×224×3", input: vol("224x224x3"), layer: parseLayer("CONV11-96/s4/p0") },
  { kind: "output", title: "AlexNet CONV1", input: vol("227x227x3"), layer: parseLayer("CONV11-96/s4/p0") },
  { kind: "params", title: "AlexNet CONV1", input: vol("227x227x3"), layer: parseLayer("CONV11-96/s4/p0") },
  { kind: "output", title: "AlexNet POOL1 (solapado)", input: vol("55x55x96"), layer: parseLayer("POOL3/s2") },
  { kind: "params", title: "VGG-16: segunda CONV3-64", input: vol("224x224x64"), layer: parseLayer("CONV3-64/p1") },
  {
    kind: "params",
    title: "VGG-16: primera FC",
    input: vol("7x7x512"),
    layer: parseLayer("FC-4096"),
    weightsOnly: true,
  },
  { kind: "network", title: "tabla de una red pequeña", arch: smallNet },
  { kind: "total", title: "parámetros de la red pequeña", arch: smallNet },
  {
    kind: "params",
    title: "¿y con un MLP?",
    input: vol("28x28x1"),
    layer: parseLayer("FC-6272"),
    weightsOnly: true,
    note: "Son tantas neuronas como valores produce la primera capa de la red del ejercicio 22 (28×28×8 = 6272). " +
      "Compáralo con los parámetros de esa CONV3-8.",
  },
];

/** How many fixed exercises {@link exercise} knows. */
export const EXERCISE_COUNT: number = FIXED.length;

/** The n-th exercise of notebook 05 (1-based), graded from the lecture's examples to whole networks. */
export function exercise(n: number): Exercise {
  if (!Number.isInteger(n) || n < 1 || n > FIXED.length) {
    throw new RangeError(`exercise(n): n debe ser un entero entre 1 y ${FIXED.length}; se recibió ${n}.`);
  }
  return new Exercise(String(n), FIXED[n - 1]);
}

// ---------------------------------------------------------------------------------------------------
// Fresh variants

/** Options for {@link generateExercises}. */
export interface GenerateExercisesOptions {
  /** How many exercises (default 10). */
  count?: number;
}

/**
 * Fresh exercises from a seed (same seed, same exercises): output volumes, parameters, "does it fit?",
 * padding and whole small networks, with random sizes that make sense. Checked by the same functions.
 *
 * @example const [a, b] = generateExercises(42); a.statement
 */
export function generateExercises(seed: number, options: GenerateExercisesOptions = {}): Exercise[] {
  checkOptions("generateExercises", options, { count: true });
  if (!Number.isInteger(seed)) throw new RangeError(`La semilla debe ser un número entero; se recibió ${seed}.`);
  const count = options.count ?? 10;
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new RangeError(`count debe ser un entero entre 1 y 1000; se recibió ${count}.`);
  }
  const r = seededRandom(seed);
  const draw: Draw = {
    r,
    pick: <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)],
    int: (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1)),
  };
  const out: Exercise[] = [];
  for (let i = 0; i < count; i++) {
    const kind = GENERATED_KINDS[i % GENERATED_KINDS.length];
    const depth = draw.pick([1, 3, 3, 16, 32, 64]);
    const data =
      (kind === "network" || kind === "total" ? drawNetwork(draw, kind, `Red-${seed}-${i + 1}`) : undefined) ??
        (kind === "padding"
          ? drawPadding(draw, depth)
          : kind === "fits"
          ? drawFits(draw, depth)
          : drawSized(draw, kind, depth));
    if (!data) { // sizes that do not fit: draw this exercise again
      i--;
      continue;
    }
    out.push(new Exercise(`s${seed}-${i + 1}`, data));
  }
  return out;
}

/** The seeded draws of {@link generateExercises}. */
interface Draw {
  r: () => number;
  pick: <T>(xs: T[]) => T;
  int: (lo: number, hi: number) => number;
}

/** The kinds of generated exercises, in the order they repeat. */
const GENERATED_KINDS: ExerciseKind[] = [
  "output",
  "params",
  "output",
  "fits",
  "padding",
  "output",
  "params",
  "network",
  "total",
];

/** A small network (CONV, POOL, CONV, POOL, FC) for the table or total-parameters exercises. */
function drawNetwork(draw: Draw, kind: ExerciseKind, name: string): ExerciseData | undefined {
  const { r, pick } = draw;
  const side = pick([28, 32, 64]);
  const k1 = pick([4, 6, 8, 16]);
  const f1 = pick([3, 5]);
  const layers = [
    `CONV${f1}-${k1}/p${(f1 - 1) / 2}`,
    "POOL2",
    `CONV3-${k1 * 2}${r() < 0.5 ? "/p1" : ""}`,
    "POOL2",
    `FC-${pick([10, 32, 64])}`,
  ];
  const arch = safeArch(name, side, layers, pick([1, 3]));
  return arch && { kind, title: kind === "network" ? "tabla de una red" : "parámetros de una red", arch };
}

/** The padding that keeps the size of an F×F convolution. */
function drawPadding({ pick, int }: Draw, depth: number): ExerciseData {
  const f = pick([3, 5, 7]);
  const n = int(8, 64);
  return {
    kind: "padding",
    title: `mantener el tamaño (${f}×${f})`,
    input: { width: n, height: n, depth },
    layer: { kind: "conv", filters: pick([8, 16, 32]), size: f },
  };
}

/** Does a strided convolution fit? (often not) */
function drawFits({ pick, int }: Draw, depth: number): ExerciseData {
  const f = pick([3, 5, 7, 11]);
  const s = pick([2, 3, 4]);
  const p = pick([0, 0, 1, 2]);
  const n = int(f + s, 80);
  return {
    kind: "fits",
    title: "¿encaja?",
    input: { width: n, height: n, depth },
    layer: { kind: "conv", filters: pick([8, 16]), size: f, stride: s, padding: p },
  };
}

/** Output volume or parameters of a pooling or convolution layer, with input sizes that fit exactly. */
function drawSized({ r, pick, int }: Draw, kind: ExerciseKind, depth: number): ExerciseData | undefined {
  if (kind === "output" && r() < 0.3) {
    const f = pick([2, 2, 3]);
    const s = f === 3 ? pick([2, 3]) : 2;
    const o1 = int(3, 40);
    const o2 = r() < 0.7 ? o1 : int(3, 40);
    return {
      kind,
      title: "pooling",
      input: { width: (o1 - 1) * s + f, height: (o2 - 1) * s + f, depth },
      layer: { kind: "pool", size: f, stride: s },
    };
  }
  const f = pick([1, 3, 3, 5, 7]);
  const s = pick([1, 1, 2]);
  const p = f === 1 ? 0 : pick([0, (f - 1) / 2, 1]);
  const o1 = int(4, 56);
  const o2 = r() < 0.7 ? o1 : int(4, 56);
  const w = (o1 - 1) * s + f - 2 * p;
  const h = (o2 - 1) * s + f - 2 * p;
  if (w < 1 || h < 1) return undefined;
  const layer: LayerSpec = { kind: "conv", filters: pick([4, 8, 10, 16, 32, 64]), size: f, stride: s, padding: p };
  return {
    kind,
    title: kind === "params" ? "parámetros de una CONV" : "volumen de salida",
    input: { width: w, height: h, depth },
    layer,
  };
}

function safeArch(name: string, side: number, layers: string[], depth: number): Architecture | undefined {
  try {
    return defineArchitecture(name, { input: { width: side, height: side, depth }, layers });
  } catch (e) {
    if (e instanceof DimensionError) return undefined;
    throw e;
  }
}

/** Spanish alias of {@link generateExercises}: `ejercicios(semilla)`. */
export const ejercicios: (seed: number, options?: GenerateExercisesOptions) => Exercise[] = generateExercises;
