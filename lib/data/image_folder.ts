/**
 * Datasets from a folder of images with one sub-folder per class (the convention of Keras'
 * `image_dataset_from_directory`): `dir/gato/1.jpg`, `dir/perro/7.png`, …
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { extname, join } from "node:path";
import type { Dataset } from "./dataset.ts";
import { decodedPixels, decodeJob, sizeOf } from "./decode.ts";
import { withSharpWorker } from "./sharp_jobs.ts";
import { runStoppable, type StoppableLoop } from "../engine/interrupt.ts";
import { checkOneOf, checkOptionalNumber, checkOptions, InputError, type OptionKeys } from "../engine/validate.ts";
import { LearnerError } from "../engine/learner_error.ts";

/** File extensions read by {@link loadImageFolder} (lowercase, with the dot). */
export const IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".avif"];

/** Options for {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** Size every image is resized to, `[height, width]` (or one number for a square). Required. */
  size: number | [number, number];
  /** 1 = grey, 3 = RGB (default). */
  channels?: 1 | 3;
  /** How to fit other aspect ratios: "cover" (crop the centre, default), "contain", "fill". */
  fit?: "cover" | "contain" | "fill";
  /** Class folder names to use, in label order (each once); default all sub-folders, sorted by name. */
  classNames?: string[];
  /** Files that cannot be decoded: "throw" (default, one error listing every path) or "skip" (warn and go on). */
  onError?: "throw" | "skip";
  /** Images decoded at the same time; default 4. */
  concurrency?: number;
}

const FOLDER_KEYS: OptionKeys<ImageFolderOptions> = {
  size: true,
  channels: true,
  fit: true,
  classNames: true,
  onError: true,
  concurrency: true,
};

/** Door checks of {@link loadImageFolder}: the folder path, known option keys and values, unique class names. */
function checkFolderOptions(dir: unknown, options: ImageFolderOptions): void {
  if (typeof dir !== "string" || dir === "") {
    throw new InputError(
      `dir debe ser la ruta de una carpeta, p. ej. "data/mis_fotos"; se recibió ${JSON.stringify(dir)}.`,
      {
        field: "dir",
        value: dir,
      },
    );
  }
  checkOptions("loadImageFolder", options, FOLDER_KEYS);
  if (options?.fit !== undefined) checkOneOf("fit", options.fit, ["cover", "contain", "fill"]);
  if (options?.onError !== undefined) checkOneOf("onError", options.onError, ["throw", "skip"]);
  checkOptionalNumber("concurrency", options?.concurrency, { integer: true, min: 1, max: 64 });
  const names = options?.classNames;
  if (names === undefined) return;
  if (!Array.isArray(names) || names.some((c) => typeof c !== "string" || c === "")) {
    throw new InputError(`classNames debe ser un array de nombres de carpeta, p. ej. ["gato", "perro"].`, {
      field: "classNames",
      value: names,
    });
  }
  const dup = names.find((c, i) => names.indexOf(c) !== i);
  if (dup !== undefined) {
    throw new InputError(
      `classNames repite "${dup}": cada clase debe aparecer una vez (si no, las mismas imágenes tendrían dos ` +
        `etiquetas).`,
      { field: "classNames", value: names },
    );
  }
}

/**
 * Image files under `dir`, sub-folders included (sorted, hidden entries skipped). Synchronous on purpose:
 * an `await` of the file system leaves the kernel idle, and a Stop then can cut Deno's own timers (see
 * `sharp_jobs.ts`), so the loop could not notice it.
 */
function imagesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of listDir(dir)) {
    if (e.isDirectory) out.push(...imagesUnder(join(dir, e.name)));
    else if (e.isFile && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase())) out.push(join(dir, e.name));
  }
  return out;
}

function listDir(dir: string): Deno.DirEntry[] {
  const out = [...Deno.readDirSync(dir)].filter((e) => !e.name.startsWith("."));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Loads every image under `dir/<class>/` as a {@link Dataset}: images resized to `size`, float32 in
 * [0, 1], labels = index of the class folder (sorted names, or `classNames`). Unreadable images are
 * reported by path. Images in sub-folders of a class folder belong to that class (as in Keras); a
 * transparent image (PNG/WebP with alpha) is composited on white. Duplicate `classNames` are refused.
 *
 * @example
 * const ds = await loadImageFolder("data/mis_fotos", { size: [64, 64] });
 */
export function loadImageFolder(dir: string, options: ImageFolderOptions): Promise<Dataset> {
  return runStoppable("Carga de imágenes", (loop) => loadWatched(loop, dir, options));
}

/** The steps of {@link loadImageFolder}, watched by `loop`; sharp runs in a worker (see `sharp_jobs.ts`). */
async function loadWatched(loop: StoppableLoop, dir: string, options: ImageFolderOptions): Promise<Dataset> {
  loop.onStop = () => `Carga de imágenes de ${dir} detenida al buscar las imágenes.`;
  checkFolderOptions(dir, options);
  if (!options || options.size === undefined) {
    throw new LearnerError(
      "loadImageFolder: falta options.size, el tamaño [alto, ancho] al que se redimensionan las imágenes.",
    );
  }
  const [h, w] = sizeOf(options.size, "size");
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) {
    throw new LearnerError(`channels debe ser 1 o 3 y es ${JSON.stringify(channels)}.`);
  }
  let entries: Deno.DirEntry[];
  try {
    entries = listDir(dir);
  } catch (e) {
    throw new LearnerError(`No se puede leer la carpeta ${dir}: ${(e as Error).message}`);
  }
  const folders = entries.filter((e) => e.isDirectory).map((e) => e.name);
  const classNames = options.classNames ?? folders;
  const missing = classNames.filter((c) => !folders.includes(c));
  if (missing.length) throw new LearnerError(`En ${dir} faltan las carpetas de clase: ${missing.join(", ")}.`);
  if (classNames.length === 0) {
    throw new LearnerError(
      `La carpeta ${dir} no tiene subcarpetas: pon las imágenes de cada clase en ${dir}/<clase>/.`,
    );
  }
  const files: Array<{ path: string; label: number }> = [];
  for (const [label, cls] of classNames.entries()) {
    for (const path of imagesUnder(join(dir, cls))) files.push({ path, label });
  }
  if (files.length === 0) {
    throw new LearnerError(`No hay imágenes (${IMAGE_EXTENSIONS.join(", ")}) en las carpetas de clase de ${dir}.`);
  }
  const size = h * w * channels;
  const pixels = new Float32Array(files.length * size);
  const ok = new Uint8Array(files.length);
  const failures: string[] = [];
  let done = 0;
  loop.onStop = () => `Carga de imágenes de ${dir} detenida en la imagen ${done + 1}/${files.length}.`;
  const step = Math.max(1, options.concurrency ?? 4);
  await withSharpWorker(loop, async (sharp) => {
    for (let start = 0; start < files.length; start += step) { // `step` images at once in the worker
      const batch = files.slice(start, start + step);
      const jobs = batch.map((f) => decodeJob(f.path, { size: [h, w], channels, fit: options.fit }));
      const results = await sharp.runEach(jobs.map((j) => j.job));
      results.forEach((r, k) => {
        const i = start + k;
        if (r instanceof Error) {
          failures.push(`${files[i].path} (${r.message.split("\n")[0]})`);
          return;
        }
        const raw = decodedPixels(r, channels);
        const off = i * size;
        for (let j = 0; j < size; j++) pixels[off + j] = raw.data[j] / 255;
        ok[i] = 1;
      });
      done += batch.length;
    }
  });
  if (failures.length) {
    const msg = `No se pudieron leer ${failures.length} imagen(es) de ${dir}:\n  ${failures.sort().join("\n  ")}`;
    if ((options.onError ?? "throw") === "throw") {
      throw new LearnerError(msg + '\nBórralas o usa onError: "skip" para saltarlas.');
    }
    console.warn(msg + "\n(se han saltado)");
  }
  const keep = files.map((_, i) => i).filter((i) => ok[i]);
  if (keep.length === 0) throw new LearnerError(`Ninguna imagen de ${dir} se pudo leer.`);
  const x = keep.length === files.length ? pixels : new Float32Array(keep.length * size);
  if (x !== pixels) keep.forEach((src, k) => x.set(pixels.subarray(src * size, (src + 1) * size), k * size));
  return {
    images: tf.tensor4d(x, [keep.length, h, w, channels], "float32"),
    labels: tf.tensor1d(Int32Array.from(keep, (i) => files[i].label), "int32"),
    classNames: [...classNames],
  };
}
