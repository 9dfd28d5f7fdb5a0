/**
 * Checks for the lab of block 10 (notebook 10): they throw an {@link ExerciseError} with a hint, never the answer.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { BATCH_AUGMENT_KEYS, type RandomAugmentOptions } from "../data/augment.ts";
import { describeValue, unknownKeyMessage } from "../engine/validate.ts";
import { ExerciseError, UNANSWERED_PREFIX } from "./exercises.ts";
import { formatNumber } from "../engine/format.ts";
import { allLayers } from "../learn/transfer.ts";

function unansweredLab(task: string, example: string): never {
  throw new ExerciseError(
    `${UNANSWERED_PREFIX} (${task}): completa el TODO de la celda, p. ej. ${example}, y vuelve a ejecutarla.`,
  );
}

/**
 * Checks augmentation options for small grey clothing images (prints a confirmation or throws an
 * `ExerciseError` with a hint): at least one geometric transform, in ranges
 * that keep the garment recognisable (rotation ≤ 30°, translate/zoom/crop moderate), and no vertical flip.
 */
export function checkAugmentation(options: Omit<RandomAugmentOptions, "seed"> | undefined): void {
  const task = "augmentation";
  if (options === undefined) unansweredLab(task, "un objeto { … } con las opciones de randomAugment que elijas");
  if (typeof options !== "object" || options === null) {
    throw new ExerciseError(`Las opciones de augmentation deben ser un objeto { … }; se recibió ${typeof options}.`);
  }
  const o = options as Record<string, unknown>;
  const known = Object.keys(BATCH_AUGMENT_KEYS);
  const unknown = Object.keys(o).find((k) => !known.includes(k));
  if (unknown !== undefined) throw new ExerciseError(`aumento de datos: ${unknownKeyMessage(unknown, known)}`);
  if (o.flip !== undefined && ![true, false, "horizontal", "vertical", "both"].includes(o.flip as never)) {
    throw new ExerciseError(
      `flip debe ser true, false, "horizontal", "vertical" o "both"; se recibió ${describeValue(o.flip)}. Pista: el ` +
        `volteo horizontal (flip: "horizontal") conserva la clase de una prenda.`,
    );
  }
  const geometric = ["rotation", "translate", "zoom", "crop", "flip"].filter((k) => o[k] !== undefined && o[k] !== 0);
  if (geometric.length === 0) {
    throw new ExerciseError(
      "Sin transformaciones geométricas la red ve siempre la misma prenda en la misma posición. Pista: prueba " +
        "rotation, translate o zoom.",
    );
  }
  const limits: Array<[string, number, string]> = [
    ["rotation", 30, "grados"],
    ["translate", 0.25, "del tamaño"],
    ["zoom", 0.3, ""],
    ["brightness", 0.4, ""],
    ["contrast", 0.6, ""],
  ];
  for (const [k, max, unit] of limits) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v >= 0)) {
      throw new ExerciseError(`${k} debe ser un número ≥ 0; se recibió ${describeValue(v)}.`);
    }
    if (v > max) {
      throw new ExerciseError(
        `${k} = ${v} es demasiado: con 28×28 píxeles la prenda deja de reconocerse y la etiqueta ya no describe la ` +
          `imagen. Pista: usa valores más pequeños${unit ? ` (en ${unit})` : ""}.`,
      );
    }
  }
  if (o.crop !== undefined && !(typeof o.crop === "number" && o.crop >= 0.6 && o.crop <= 1)) {
    throw new ExerciseError(
      `crop es la fracción del lado que se conserva: un valor entre 0.6 y 1 (se recibió ${o.crop}).`,
    );
  }
  if (o.flip === "vertical" || o.flip === "both") {
    throw new ExerciseError(
      "Un volteo vertical pone zapatos y bolsos boca abajo, algo que nunca aparece en los datos. Pista: el volteo " +
        "horizontal sí conserva la clase.",
    );
  }
  console.log(`✔ Augmentation razonable: ${geometric.join(", ")}.`);
}

function layerState(model: tf.LayersModel) {
  const withWeights = model.layers.filter((l) => l.weights.length > 0);
  const base = withWeights.filter((l) => l.name.startsWith("block"));
  const head = withWeights.filter((l) => !l.name.startsWith("block"));
  return { base, head };
}

function checkCutAndHead(model: tf.LayersModel, answer: FrozenModelAnswer): void {
  const names = allLayers(model).map((l) => l.name);
  const baseNames = names.filter((n) => n.startsWith("block"));
  if (answer.cut !== undefined && baseNames.at(-1) !== answer.cut) {
    throw new ExerciseError(
      `La base no está cortada donde pide el enunciado: su última capa es «${baseNames.at(-1)}». Pista: mira los ` +
        "nombres de las capas de la base (base.layers.map((l) => l.name)) y elige la que describe el enunciado.",
    );
  }
  const headLayers = allLayers(model).filter((l) => !l.name.startsWith("block"));
  const hasGap = headLayers.some((l) => l.getClassName() === "GlobalAveragePooling2D");
  if (answer.pooling === "gap" && !hasGap) {
    throw new ExerciseError(
      "La cabeza aplana el volumen en lugar de promediar cada mapa de activación. Pista: mira la opción pooling " +
        "de addHead.",
    );
  }
  if (answer.pooling === "flatten" && hasGap) {
    throw new ExerciseError("La cabeza promedia cada mapa de activación y el enunciado pide aplanar el volumen.");
  }
  const dense = headLayers.filter((l) => l.getClassName() === "Dense");
  if (answer.hidden !== undefined) {
    const hidden = dense.slice(0, -1);
    const units = hidden.map((l) => (l.outputShape as number[]).at(-1));
    const ok = answer.hidden === 0 ? hidden.length === 0 : hidden.length === 1 && units[0] === answer.hidden;
    if (!ok) {
      throw new ExerciseError(
        `La cabeza tiene ${hidden.length} capa(s) densa(s) oculta(s) (${units.join(", ") || "ninguna"}) y no es la ` +
          "que describe el enunciado. Pista: mira la opción hidden de addHead.",
      );
    }
  }
}

/** What {@link checkFrozenModel} expects of the transfer model, beyond a frozen base and a trainable head. */
export interface FrozenModelAnswer {
  /** Classes of the new task; default 5. */
  classes?: number;
  /** Name of the base's last layer (where it was cut), e.g. `"block3_conv1_relu"`; not checked when omitted. */
  cut?: string;
  /** How the head turns the volume into a vector (`addHead`'s `pooling`); not checked when omitted. */
  pooling?: "flatten" | "gap";
  /** Units of the head's hidden layer (0 = none); not checked when omitted. */
  hidden?: number;
}

/**
 * Checks the transfer model of the lab: pretrained `block…` layers frozen, a new head (trainable) with
 * `classes` outputs; optionally also where the base was cut and the head's shape (see {@link FrozenModelAnswer}).
 * The messages say what is wrong with a hint, never the expected layer name or value.
 */
export function checkFrozenModel(
  model: tf.LayersModel | undefined,
  expected: number | FrozenModelAnswer = 5,
): void {
  const answer = typeof expected === "number" ? { classes: expected } : expected;
  const classes = answer.classes ?? 5;
  const task = "base congelada";
  if (model === undefined) unansweredLab(task, "addHead(baseCortada, { … })");
  if (!(model instanceof tf.LayersModel)) {
    throw new ExerciseError(`Se esperaba un modelo (tf.LayersModel); se recibió ${typeof model}.`);
  }
  const { base, head } = layerState(model);
  if (base.length === 0) {
    throw new ExerciseError(
      "El modelo no contiene las capas block… de la base preentrenada. Pista: usa cutAt(base, …).",
    );
  }
  const trainableBase = base.filter((l) => l.trainable).map((l) => l.name);
  if (trainableBase.length > 0) {
    throw new ExerciseError(
      `Hay capas de la base que se siguen entrenando (${trainableBase.join(", ")}): con tan pocas imágenes ` +
        "estropearían lo aprendido. Pista: congela la base antes de añadir la cabeza.",
    );
  }
  if (head.length === 0 || head.some((l) => !l.trainable)) {
    throw new ExerciseError("La cabeza nueva debe poder entrenarse. Pista: congela solo la base, no el modelo entero.");
  }
  const out = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (out !== classes) {
    throw new ExerciseError(
      `La salida tiene ${out} neuronas y la nueva tarea tiene otro número de clases. Pista: mira classNames.`,
    );
  }
  checkCutAndHead(model, answer);
  console.log(`✔ Base congelada (${base.length} capas) y cabeza nueva entrenable (${head.length} capas).`);
}

/** The learning rates compared by {@link checkFineTune}. */
export interface FineTuneAnswer {
  /** The learning rate chosen for fine-tuning (the learner's answer; `undefined` = not answered yet). */
  lr: number | undefined;
  /** The learning rate used with the frozen base. */
  frozenLr: number;
}

/**
 * Checks a fine-tuning setup: the top block (`block3…`) unfrozen, the lower blocks still frozen, and a
 * learning rate clearly lower than the one used with the frozen base.
 */
export function checkFineTune(model: tf.LayersModel | undefined, options: FineTuneAnswer): void {
  if (typeof options !== "object" || options === null) {
    throw new ExerciseError(
      `checkFineTune necesita { lr, frozenLr } como segundo argumento; se recibió ${describeValue(options)}.`,
    );
  }
  const { lr, frozenLr } = options;
  const task = "fine-tuning";
  if (model === undefined || lr === undefined) unansweredLab(task, 'setTrainable(modelo, true, { match: "…" })');
  if (!(model instanceof tf.LayersModel)) {
    throw new ExerciseError(`Se esperaba un modelo (tf.LayersModel); se recibió ${describeValue(model)}.`);
  }
  if (typeof frozenLr !== "number" || !(frozenLr > 0) || !Number.isFinite(frozenLr)) {
    throw new ExerciseError(
      `frozenLr (la tasa de aprendizaje de la fase con la base congelada) debe ser un número > 0; se recibió ${
        describeValue(frozenLr)
      }. Pista: checkFineTune(modelo, { lr, frozenLr: 1e-3 }).`,
    );
  }
  if (typeof lr !== "number" || !(lr > 0)) {
    throw new ExerciseError(`La tasa de aprendizaje debe ser un número > 0; se recibió ${describeValue(lr)}.`);
  }
  const { base } = layerState(model);
  const top = base.filter((l) => l.name.startsWith("block3"));
  const lower = base.filter((l) => !l.name.startsWith("block3"));
  if (top.length === 0 || top.some((l) => !l.trainable)) {
    throw new ExerciseError(
      "El bloque superior de la base sigue congelado: así no hay fine-tuning. Pista: descongela las capas del último " +
        "bloque (las más cercanas a la cabeza).",
    );
  }
  if (lower.some((l) => l.trainable)) {
    throw new ExerciseError(
      "Has descongelado también bloques inferiores: con tan pocas imágenes conviene tocar solo el bloque superior. Pista: " +
        "filtra por el nombre del bloque.",
    );
  }
  if (lr > frozenLr / 3) {
    throw new ExerciseError(
      "Esa tasa de aprendizaje es demasiado alta para ajustar pesos ya entrenados: los movería tanto que se perdería lo " +
        "aprendido. Pista: usa una bastante menor que la de la fase con la base congelada.",
    );
  }
  console.log(
    `✔ Fine-tuning: ${top.map((l) => l.name).join(", ")} descongelado, tasa de aprendizaje ${
      formatNumber(Number(lr.toPrecision(3)), { maxDecimals: 8 })
    }.`,
  );
}
