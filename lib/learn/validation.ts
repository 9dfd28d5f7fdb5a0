/**
 * Training, validation and test, as every ML course teaches them: the validation set is carved from the
 * training set (stratified, seeded) and drives every choice made during training — epochs, learning rate,
 * early stopping —; the test set is measured once, at the end. `train()` warns when it is given a test
 * split as validation.
 * @module
 */
import { type Dataset, splitDataset, type SplitDatasets } from "../data/dataset.ts";
import { checkOptions } from "../engine/validate.ts";

/** Options for {@link splitValidation}. */
export interface SplitValidationOptions {
  /**
   * How much goes to validation: a fraction in (0, 1) (e.g. `0.1`) or a number of examples ≥ 1 (e.g.
   * `5000`, turned into the fraction `size / n`; stratification rounds per class, so the count can differ by
   * a few). Default 0.1.
   */
  size?: number;
  /** Seed of the random choice: the same seed gives the same split; default 0. */
  seed?: number;
}

/**
 * Carves a stratified, seeded validation set out of a training set (every class keeps its proportion in
 * both parts). Returns `{ train, validation }` (new datasets, `split` set to `"train"` and `"validation"`);
 * `data` is left untouched. Dispose the three datasets when done.
 *
 * @example
 * const { train: entrenamiento, validation: validacion } = await splitValidation(mnistTrain, { size: 5000, seed: 0 });
 */
export async function splitValidation(data: Dataset, options: SplitValidationOptions = {}): Promise<SplitDatasets> {
  checkOptions("splitValidation", options, { size: true, seed: true });
  if (!data || !data.images || !data.labels) {
    throw new Error(
      `splitValidation: data debe ser un Dataset { images, labels, classNames } (recibido: ${typeof data}).`,
    );
  }
  if (data.split === "test") {
    throw new Error(
      "splitValidation: data es el conjunto de test. La validación se saca del conjunto de entrenamiento; " +
        "el test se reserva para medir una sola vez, al final.",
    );
  }
  const n = data.labels.shape[0];
  const size = options.size ?? 0.1;
  if (!(typeof size === "number" && size > 0 && (size < 1 || (Number.isInteger(size) && size < n)))) {
    throw new Error(
      `splitValidation: size debe ser una fracción entre 0 y 1 (p. ej. 0.1) o un número entero de ejemplos ` +
        `entre 1 y ${n - 1}, y es ${size}.`,
    );
  }
  const fraction = size < 1 ? size : size / n;
  return await splitDataset(data, { validation: fraction, seed: options.seed ?? 0, stratified: true });
}

/** The one-line Spanish warning {@link train} prints when its validation data is a test split. */
export const TEST_AS_VALIDATION_WARNING =
  "⚠ validationData es el conjunto de test: si las curvas, el early stopping o la tasa de aprendizaje se " +
  "deciden mirándolo, el test deja de medir datos nuevos y su exactitud sale optimista. Saca la validación del " +
  "entrenamiento con splitValidation(train, { size, seed }) y evalúa el test una sola vez, al final.";

/** Prints {@link TEST_AS_VALIDATION_WARNING} (once) when `validation` is a test split; returns whether it did. */
export function warnIfTestAsValidation(validation: Dataset | undefined): boolean {
  if (validation?.split !== "test") return false;
  console.warn(TEST_AS_VALIDATION_WARNING);
  return true;
}
