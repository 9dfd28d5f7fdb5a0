/**
 * Seeing augmentation before training with it: a grid of random variants of one photo, labelled with the
 * parameters drawn ({@link augmentPreview}, PNG), and the original tensor image next to its augmented
 * versions as a figure ({@link augmentationPreview}) — the same label under every transform.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  type AugmentedImage,
  augmentImageWith,
  type AugmentParams,
  BATCH_AUGMENT_KEYS,
  IMAGE_AUGMENT_KEYS,
  type ImageAugmentOptions,
  randomAugment,
  type RandomAugmentOptions,
} from "../data/augment.ts";
import { checkNumber, checkOptions } from "../engine/validate.ts";
import { type ImageInput, sizeOf } from "../data/decode.ts";
import { imageGridWith } from "./images.ts";
import { runInLockstep, withSharpWorker } from "../data/sharp_jobs.ts";
import { runStoppable } from "../engine/interrupt.ts";
import { formatNumber, formatPercent } from "../engine/format.ts";
import { type Figure, imageGridFigure } from "./plots.ts";

/** Options for {@link augmentPreview}. */
export interface AugmentPreviewOptions extends ImageAugmentOptions {
  /** Images per row; default 4. */
  cols?: number;
  /** Put the original first (labelled "original"); default true. */
  includeOriginal?: boolean;
  /** Write the drawn parameters under each variant; default true. */
  showParams?: boolean;
}

/** A short Spanish description of the parameters that changed, e.g. "rot −12°, desp (3,−1)". */
export function describeParams(p: AugmentParams): string {
  const parts: string[] = [];
  if (p.angle) parts.push(`rot ${p.angle.toFixed(0)}°`);
  if (p.dx || p.dy) parts.push(`desp (${p.dx.toFixed(0)},${p.dy.toFixed(0)})`);
  if (p.zoom !== 1) parts.push(`zoom ${formatNumber(p.zoom, { decimals: 2 })}`);
  if (p.crop !== 1) parts.push(`recorte ${formatPercent(p.crop, { decimals: 0 })}`);
  if (p.flipH) parts.push("espejo");
  if (p.flipV) parts.push("vertical");
  if (p.brightness) parts.push(`brillo ${p.brightness >= 0 ? "+" : ""}${formatNumber(p.brightness, { decimals: 2 })}`);
  if (p.contrast !== 1) parts.push(`contraste ×${formatNumber(p.contrast, { decimals: 2 })}`);
  // Non-breaking spaces inside an item, so that grid labels wrap only between items.
  return parts.map((x) => x.replaceAll(" ", "\u00a0")).join(", ") || "sin cambios";
}

/**
 * A grid (PNG bytes) with `n` random variants of one photo, each from seed `seed + i`, labelled with the
 * parameters drawn — to see what each transform does before training with it.
 *
 * sharp runs in a worker: Jupyter's Stop ends the call with a one-line `InterruptedError` and the kernel
 * keeps running (sharp in the kernel's own isolate would abort it: see `lib/data/sharp_jobs.ts`).
 *
 * @example
 * await augmentPreview(sampleImagePath("astronaut"), 8, { rotation: 25, size: 160 })
 */
export function augmentPreview(
  photo: ImageInput | { path: string },
  n: number,
  options: AugmentPreviewOptions = {},
): Promise<Uint8Array> {
  return runStoppable("Vista previa del aumento", async (loop) => {
    checkOptions("augmentPreview", options, {
      ...IMAGE_AUGMENT_KEYS,
      cols: true,
      includeOriginal: true,
      showParams: true,
    });
    checkNumber("n", n, { integer: true, min: 1, max: 64 });
    const { cols: _c, includeOriginal: _i, showParams: _s, ...augmentOptions } = options;
    const input: ImageInput = typeof photo === "object" && "path" in photo && !(photo instanceof Uint8Array)
      ? photo.path
      : photo as ImageInput;
    const size = options.size ?? 160;
    const seed = options.seed ?? 0;
    const withOriginal = options.includeOriginal ?? true;
    const versions = [
      ...(withOriginal ? [{ size }] : []),
      ...Array.from({ length: n }, (_, i) => ({ ...augmentOptions, size, seed: seed + i })),
    ];
    let made: AugmentedImage[] | undefined;
    loop.onStop = () =>
      made === undefined
        ? `Vista previa del aumento detenida al preparar sus ${versions.length} imágenes.`
        : "Vista previa del aumento detenida al componer la cuadrícula.";
    return await withSharpWorker(loop, async (sharp) => {
      // all versions advance together: one round trip to the worker per step, not per step and image
      made = await runInLockstep(sharp, versions.map((o) => (runner) => augmentImageWith(runner, input, o)));
      const items = made.map((m) => m.image);
      const labels = made.map((m, i) => i === 0 && withOriginal ? "original" : describeParams(m.params));
      const [, w] = sizeOf(size);
      const showParams = options.showParams ?? true;
      return await imageGridWith(sharp, items, {
        labels: showParams ? labels : undefined,
        cols: options.cols ?? 4,
        scale: 1,
        fontSize: Math.max(9, Math.min(12, Math.floor(w / 14))),
      });
    });
  });
}

/** Options for {@link augmentationPreview}. */
export interface AugmentationPreviewOptions {
  /** Number of augmented versions; default 7. */
  n?: number;
  /** Seed of the first version (then seed + 1, …); default 0. */
  seed?: number;
  /** Figure title. */
  title?: string;
  /** Panel size; default 110. */
  cell?: number;
}

/**
 * The original image followed by `n` augmented versions, to see what on-the-fly augmentation does.
 * `augment` is what `TrainOptions.augment` takes: the options of `randomAugment` (`{ rotation: 10, … }`)
 * or a function `(batch [n,h,w,c], seed) => batch`.
 */
export async function augmentationPreview(
  image: tf.Tensor,
  augment: ((x: tf.Tensor4D, seed: number) => tf.Tensor4D) | Omit<RandomAugmentOptions, "seed">,
  options: AugmentationPreviewOptions = {},
): Promise<Figure> {
  if (!(image instanceof tf.Tensor) || (image.rank !== 3 && image.rank !== 4)) {
    throw new Error(`image debe ser un tensor [alto, ancho, canales]; forma recibida [${image?.shape}].`);
  }
  if (!augment || (typeof augment !== "function" && typeof augment !== "object")) {
    throw new Error(
      "augment debe ser las opciones de randomAugment ({ rotation: 10, … }) o una función (x, semilla) => x.",
    );
  }
  checkOptions("augmentationPreview", options, { n: true, seed: true, title: true, cell: true });
  if (typeof augment === "object") {
    checkOptions("augmentationPreview: augment", augment, BATCH_AUGMENT_KEYS);
  }
  const fn = typeof augment === "function"
    ? augment
    : (x: tf.Tensor4D, seed: number) => randomAugment(x, { ...augment, seed });
  const n = options.n ?? 7;
  const seed = options.seed ?? 0;
  const x = (image.rank === 3 ? image.expandDims(0) : image.slice(0, 1)) as tf.Tensor4D;
  const versions: tf.Tensor[] = [x];
  try { // a failing augmentation leaves nothing behind
    for (let i = 0; i < n; i++) versions.push(fn(x, seed + i));
    const all = tf.concat(versions, 0);
    versions.push(all);
    return await imageGridFigure(all, {
      titles: ["original", ...Array.from({ length: n }, (_, i) => `aumentada ${i + 1}`)],
      title: options.title ?? "Aumento de datos: la misma imagen, la misma etiqueta",
      cell: options.cell,
      cols: Math.min(8, n + 1),
    });
  } finally {
    tf.dispose(versions);
  }
}
