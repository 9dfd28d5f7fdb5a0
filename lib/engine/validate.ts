/**
 * Checks at the door of every public function: the learner's mistakes (a misspelt option, a value out of
 * range, labels that are not classes of the model, images of the wrong size, a checkpoint folder that cannot
 * be written) are refused before any work starts, with a Spanish {@link InputError} that names the field,
 * says what was received and what to do. One module, so every function refuses the same way.
 *
 * ```ts
 * checkOptions("randomAugment", options, { seed: true, rotation: true });
 * // InputError: randomAugment: opción desconocida `rotatoin`: ¿quisiste decir `rotation`? …
 * ```
 *
 * Also "did you mean…?" for misspelt names ({@link closestName}), used by the checks of the lower wings.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { LearnerError } from "./learner_error.ts";

/**
 * A learner's input the kit refuses: an unknown option, a wrong type, a value out of range, data that does
 * not match the model. The message (Spanish) names the field, says what was received and what to do.
 * `DimensionError` (a volume or hyperparameter that does not fit) extends it, so there is one family of
 * learner errors (all {@link LearnerError}s: shown as one line, without stack frames); its `name` stays
 * `"InputError"` (or the subclass' name).
 */
export class InputError extends LearnerError {
  /** The offending field, when there is one (e.g. `"lr"`, `"data.labels"`, `"rotatoin"`). */
  readonly field?: string;
  /** The value received for that field. */
  readonly value?: unknown;

  /** Builds the error; `message` (Spanish) is shown to the learner as is. */
  constructor(message: string, options: { field?: string; value?: unknown } = {}) {
    super(message);
    this.name = "InputError";
    this.field = options.field;
    this.value = options.value;
  }
}

/** Levenshtein distance between two strings (insertions, deletions and substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/**
 * The candidate closest to `word`, or `undefined` when none is close: case, `_` and `-` are ignored first
 * (so `val_loss` finds `valLoss`); then other libraries' names (`learningRate` → `lr`, `kernelSize` → `size`),
 * a unique candidate the word begins (`pad` → `padding`), or the nearest by edit distance, at most a third
 * of the word (min. 2).
 */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, "");
  const w = norm(word);
  const synonym = SYNONYMS[w];
  if (synonym && candidates.includes(synonym)) return synonym;
  const prefixed = w.length >= 3 ? candidates.filter((c) => norm(c).startsWith(w)) : [];
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined, bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, norm(c));
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.floor(w.length / 3)) ? best : undefined;
}

/** Names from Keras / PyTorch / other courses (normalised: lower case, no `_`) and the kit's name for them. */
const SYNONYMS: Readonly<Record<string, string>> = {
  learningrate: "lr",
  lrate: "lr",
  valdata: "validationData",
  validation: "validationData",
  valsplit: "validationSplit",
  kernelsize: "size",
  poolsize: "size",
  filtersize: "size",
  numfilters: "filters",
  nfilters: "filters",
  numclasses: "classes",
  nclasses: "classes",
  callback: "callbacks",
  column: "col",
  logscale: "log",
  logy: "log",
};

/**
 * The message for an unknown option key: "opción desconocida `rotatoin`: ¿quisiste decir `rotation`? Las
 * válidas son: …".
 */
export function unknownKeyMessage(value: string, known: readonly string[]): string {
  const near = closestName(value, known);
  return `opción desconocida \`${value}\`: ` +
    (near ? `¿quisiste decir \`${near}\`?` : `no es ninguna de las que se aceptan.`) +
    ` Las válidas son: ${known.map((k) => `\`${k}\``).join(", ")}.`;
}

/**
 * Every key of an options type, written `{ epochs: true, lr: true, … }`: TypeScript checks that the list is
 * complete and has no other key, so an option added to an interface cannot be forgotten by its door check.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]-?: true };

/**
 * Refuses an options object with a key that is not in `keys` (a misspelt option would otherwise be
 * silently ignored), naming it and suggesting the closest valid key. `undefined` passes (no options);
 * anything that is not a plain object is refused. `caller` prefixes the message (e.g. `"train"`,
 * `"train: augment"`).
 */
export function checkOptions<T extends object>(
  caller: string,
  options: T | undefined,
  keys: NoInfer<OptionKeys<T>>,
): void {
  if (options === undefined) return;
  const known = Object.keys(keys);
  if (typeof options !== "object" || options === null || Array.isArray(options) || options instanceof tf.Tensor) {
    throw new InputError(
      `${caller}: las opciones deben ser un objeto { clave: valor } (claves válidas: ${known.join(", ")}); ` +
        `se recibió ${describeValue(options)}.`,
      { field: "options", value: options },
    );
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InputError(`${caller}: ${unknownKeyMessage(key, known)}`, { field: key, value: key });
    }
  }
}

/**
 * Refuses a value not in `allowed` (an enum option such as `fill` or `monitor`), suggesting the closest.
 * `aliases` maps accepted other spellings (e.g. Keras' `val_loss`) to their value. Returns the value.
 */
export function checkOneOf<T>(
  field: string,
  value: unknown,
  allowed: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): T {
  if (allowed.includes(value as T)) return value as T;
  if (typeof value === "string" && Object.hasOwn(aliases, value)) return aliases[value];
  const shown = allowed.map((a) => (typeof a === "string" ? `"${a}"` : String(a)));
  const near = typeof value === "string"
    ? closestName(value, allowed.filter((a): a is T & string => typeof a === "string"))
    : undefined;
  throw new InputError(
    `${field} debe ser ${shown.slice(0, -1).join(", ")}${shown.length > 1 ? " o " : ""}${shown.at(-1)}; ` +
      `se recibió ${describeValue(value)}.` + (near ? ` ¿Quisiste decir "${near}"?` : ""),
    { field, value },
  );
}

/** Limits for {@link checkNumber}. */
export interface NumberRule {
  /** Smallest value allowed (inclusive). */
  min?: number;
  /** Largest value allowed (inclusive). */
  max?: number;
  /** Smallest value, exclusive (e.g. 0 for "> 0"). */
  above?: number;
  /** Largest value, exclusive (e.g. 1 for "< 1"). */
  below?: number;
  /** Must be an integer. */
  integer?: boolean;
  /** An example shown in the message, e.g. `"1e-3"`. */
  example?: string;
}

/**
 * Refuses a value that is not a finite number within the rule (NaN, Infinity, a string, a BigInt, out of
 * range, not an integer when one is needed). Returns the value. Use for hyperparameters such as `lr`.
 */
export function checkNumber(field: string, value: unknown, rule: NumberRule = {}): number {
  const ok = typeof value === "number" && Number.isFinite(value) &&
    (rule.min === undefined || value >= rule.min) && (rule.max === undefined || value <= rule.max) &&
    (rule.above === undefined || value > rule.above) && (rule.below === undefined || value < rule.below) &&
    (!rule.integer || Number.isInteger(value));
  if (ok) return value as number;
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`≥ ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`≤ ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  const what = `${rule.integer ? "un entero" : "un número finito"}${parts.length ? " " + parts.join(" y ") : ""}`;
  throw new InputError(
    `${field} debe ser ${what}${rule.example ? ` (p. ej. ${rule.example})` : ""}; se recibió ${describeValue(value)}.`,
    { field, value },
  );
}

/** Like {@link checkNumber}, but `undefined` passes (an option left to its default). */
export function checkOptionalNumber(field: string, value: unknown, rule: NumberRule = {}): number | undefined {
  return value === undefined ? undefined : checkNumber(field, value, rule);
}

/**
 * Refuses something that is not a live tensor (of the given rank): `null`, an array, a disposed tensor.
 * Returns the tensor.
 */
export function checkTensor<T extends tf.Tensor = tf.Tensor>(field: string, value: unknown, rank?: number): T {
  if (!(value instanceof tf.Tensor)) {
    throw new InputError(
      `${field} debe ser un tensor de TF.js${rank ? ` de rango ${rank}` : ""}; se recibió ${describeValue(value)}.` +
        (Array.isArray(value) ? ` Conviértelo con tf.tensor(${field}).` : ""),
      { field, value },
    );
  }
  if (value.isDisposed) {
    throw new InputError(
      `${field} es un tensor ya liberado (dispose): vuelve a crearlo o no lo liberes hasta haber terminado con él.`,
      { field },
    );
  }
  if (rank !== undefined && value.rank !== rank) {
    const expected = rank === 4 ? " [n, alto, ancho, canales]" : rank === 3 ? " [alto, ancho, canales]" : "";
    throw new InputError(
      `${field} debe tener rango ${rank}${expected} y tiene forma [${value.shape.join(", ")}].`,
      { field, value: value.shape },
    );
  }
  return value as T;
}

/** Refuses something that is not a (non-disposed) `tf.LayersModel`. Returns it. */
export function checkModel(field: string, value: unknown): tf.LayersModel {
  if (!(value instanceof tf.LayersModel)) {
    throw new InputError(
      `${field} debe ser un modelo (tf.LayersModel, p. ej. de buildModel o tf.sequential); se recibió ${
        describeValue(value)
      }.`,
      { field, value },
    );
  }
  // deno-lint-ignore no-explicit-any
  if ((value as any)._refCount === 0) { // tfjs-layers' own "already disposed" mark
    throw new InputError(`${field} es un modelo ya liberado (dispose): vuelve a construirlo o a cargarlo.`, { field });
  }
  return value;
}

/** Data as {@link checkDatasetFitsModel} reads it. */
interface DatasetLike {
  images: tf.Tensor;
  labels: tf.Tensor;
}

/**
 * Checks that a dataset can be given to `model` before any work starts: `images` a live 4-D tensor whose
 * `[alto, ancho, canales]` is the model's input, `labels` a live 1-D tensor with one label per image, every
 * label an integer class of the model (`0 … clases − 1`), all finite. Resolves when all is well. `field` names the dataset
 * (`"data"`, `"validationData"`). `watch` (a stoppable loop, see `interrupt.ts`) wraps the read of the labels.
 */
export async function checkDatasetFitsModel(
  field: string,
  data: unknown,
  model: tf.LayersModel,
  watch?: WaitWatcher,
): Promise<void> {
  if (!data || typeof data !== "object" || !("images" in data) || !("labels" in data)) {
    throw new InputError(
      `${field} debe ser un Dataset { images, labels, classNames } (p. ej. de loadFashionMnist); se recibió ${
        describeValue(data)
      }.`,
      { field, value: data },
    );
  }
  const ds = data as DatasetLike;
  const images = checkTensor(`${field}.images`, ds.images, 4);
  const labels = checkTensor(`${field}.labels`, ds.labels, 1);
  if (labels.shape[0] !== images.shape[0]) {
    throw new InputError(
      `${field}.labels tiene ${labels.shape[0]} etiquetas y ${field}.images tiene ${images.shape[0]} imágenes: ` +
        `hace falta una etiqueta por imagen.`,
      { field: `${field}.labels`, value: labels.shape[0] },
    );
  }
  const input = model.inputs[0].shape.slice(1);
  const got = images.shape.slice(1);
  if (input.length !== got.length || input.some((d, i) => d !== null && d !== got[i])) {
    throw new InputError(
      `${field}.images tiene forma [n, ${got.join(", ")}] y el modelo espera [n, ${
        input.map((d) => d ?? "?").join(", ")
      }] (alto, ancho, canales): redimensiona las imágenes o construye el modelo con esa entrada.`,
      { field: `${field}.images`, value: images.shape },
    );
  }
  const shape = model.outputs[0].shape;
  const classes = shape[shape.length - 1];
  if (typeof classes === "number") await checkLabels(`${field}.labels`, labels, classes, watch);
}

/**
 * Something that watches an `await` (a `StoppableLoop` of `interrupt.ts`): `wait(p)` resolves like `p`,
 * marking the time in between as waiting, so that a Stop during it is told apart from the work around it.
 */
export interface WaitWatcher {
  /** `await p`, watched. */
  wait<T>(p: Promise<T>): Promise<T>;
}

/**
 * Refuses labels that are not integer classes `0 … classes − 1` (a float label would be truncated, −1 or
 * `classes` would train or evaluate silently wrong). Reads the labels (they are small); `watch` as in
 * {@link checkDatasetFitsModel}.
 */
export async function checkLabels(
  field: string,
  labels: tf.Tensor,
  classes: number,
  watch?: WaitWatcher,
): Promise<void> {
  // async: a GPU-resident tensor cannot be read synchronously on WebGPU
  const values = await (watch ? watch.wait(labels.data()) : labels.data());
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v < classes)) {
      throw new InputError(
        `${field}[${i}] = ${v} no es una clase del modelo: las etiquetas deben ser enteros de 0 a ${classes - 1} ` +
          `(el modelo tiene ${classes} salidas). Revisa las etiquetas o el número de clases del modelo.`,
        { field, value: v },
      );
    }
  }
}

/**
 * Checks before a long job that checkpoints can be written to `dir`: creates it if needed, writes and
 * removes a probe file, and refuses a `model.json` that is a folder. Fails now, with the fix, instead of
 * after the first epoch with the operating system's text.
 */
export async function checkWritableDir(field: string, dir: unknown): Promise<void> {
  if (typeof dir !== "string" || dir.trim() === "") {
    throw new InputError(
      `${field} debe ser la ruta de una carpeta, p. ej. "build/checkpoints/mi_modelo"; se recibió ${
        describeValue(dir)
      }.`,
      { field, value: dir },
    );
  }
  const path = dir.startsWith("file://") ? decodeURIComponent(dir.slice("file://".length)) : dir;
  const fail = (why: string): never => {
    throw new InputError(`${field}="${dir}" no sirve para guardar checkpoints: ${why}. Usa otra carpeta.`, {
      field,
      value: dir,
    });
  };
  try {
    await Deno.mkdir(path, { recursive: true });
  } catch (e) {
    fail(`no se puede crear la carpeta (${errorKind(e)})`);
  }
  const info = await Deno.stat(path);
  if (!info.isDirectory) fail("es un fichero, no una carpeta");
  const modelJson = await Deno.stat(join(path, "model.json")).catch(() => undefined);
  if (modelJson && !modelJson.isFile) fail("dentro hay una carpeta llamada model.json");
  const probe = join(path, `.write-probe.${Deno.pid}.${Date.now().toString(36)}.tmp`);
  try {
    await Deno.writeFile(probe, new Uint8Array(1));
  } catch (e) {
    fail(`no se puede escribir en ella (${errorKind(e)})`);
  }
  await Deno.remove(probe).catch(() => {});
}

/**
 * Refuses a name TF.js cannot use for a layer or a tensor (spaces, accents, symbols) with the rule, instead
 * of TF.js' internal "Not a valid tensor name". `undefined` passes.
 */
export function checkLayerName(field: string, name: unknown): void {
  if (name === undefined) return;
  if (typeof name !== "string" || !/^[A-Za-z0-9.][A-Za-z0-9_.\\/>\-]*$/.test(name)) {
    throw new InputError(
      `${field} = ${describeValue(name)} no es un nombre de capa válido: usa solo letras sin tilde, números, ` +
        `"_", "-" y "." (sin espacios), p. ej. "mi_capa".`,
      { field, value: name },
    );
  }
}

/**
 * How a value is described in the kit's error messages (the one describer of `lib/`): the value itself
 * when it is short (numbers, strings in quotes, small arrays and plain objects as JSON), otherwise its kind
 * (a tensor's shape, an array's length, a class name).
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return `el BigInt ${value}n (usa un número normal, sin la n final)`;
  if (value instanceof tf.Tensor) return `un tensor de forma [${value.shape.join(", ")}]`;
  if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
    const json = shortJson(value);
    if (json !== undefined) return json;
  }
  if (Array.isArray(value)) return `un array de ${value.length} elementos`;
  if (typeof value === "string") return `"${value}"`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "function") return "una función";
  return `un ${value.constructor?.name ?? "objeto"}`;
}

/** JSON of `value` when it has at most 80 characters (and can be written: no cycle, no BigInt). */
function shortJson(value: unknown): string | undefined {
  try {
    const json = JSON.stringify(value);
    return json !== undefined && json.length <= 80 ? json : undefined;
  } catch {
    return undefined;
  }
}

function errorKind(e: unknown): string {
  const name = (e as Error)?.name;
  return name === "PermissionDenied"
    ? "sin permiso de escritura"
    : name === "NotADirectory" || name === "AlreadyExists"
    ? "parte de la ruta es un fichero"
    : name === "NotFound"
    ? "la ruta no existe"
    : (e as Error)?.message?.split("\n")[0] ?? String(e);
}
