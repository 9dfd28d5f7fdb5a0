/**
 * Data augmentation: new, plausible variants of the training images (shifted, rotated, cropped,
 * flipped, zoomed, brighter or with more contrast) whose label does not change.
 *
 * Two pipelines with the same options:
 * - {@link randomAugment}: on tensors, a whole batch at once, for training on the fly (every epoch sees
 *   new variants); TF.js ops only (`tf.image.transform`), so it runs on every backend.
 * - {@link augmentImage} / {@link augmentPreview}: on photos with sharp (files of any size), for looking at
 *   what each transform does.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type ImageInput, type RawImage, sizeOf } from "./decode.ts";
import { localSharp, runSharpJob, type SharpOp, type SharpRunner } from "./sharp_jobs.ts";
import { seededRandom, uniform } from "./random.ts";
import { checkNumber, checkOneOf, checkOptions, checkTensor, InputError, type OptionKeys } from "../engine/validate.ts";

/** Which flips {@link randomAugment} may apply (each with probability 1/2). */
export type FlipMode = boolean | "horizontal" | "vertical" | "both";

/** Ranges of the random transforms. Every field is optional; a missing field means "not applied". */
export interface AugmentRanges {
  /** Maximum rotation in degrees: the angle is uniform in [−rotation, +rotation]. */
  rotation?: number;
  /** Maximum shift as a fraction of the size (0.1 = 10 %), uniform in [−t, +t] on each axis. */
  translate?: number;
  /**
   * Random crop: the side of the kept area is a fraction uniform in [crop, 1] of the image, at a random
   * position, resized back to the full size. E.g. 0.8.
   */
  crop?: number;
  /** Flips: true or "horizontal" (mirror left–right), "vertical", "both"; each applied with probability 1/2. */
  flip?: FlipMode;
  /** Zoom factor uniform in [1 − zoom, 1 + zoom] (> 1 enlarges). E.g. 0.1. */
  zoom?: number;
  /** Brightness shift uniform in [−b, +b] (on the [0, 1] scale). E.g. 0.2. */
  brightness?: number;
  /** Contrast factor uniform in [1 − c, 1 + c] around each image's mean. E.g. 0.3. */
  contrast?: number;
}

/** Options for {@link randomAugment}. */
export interface RandomAugmentOptions extends AugmentRanges {
  /** Seed: the same seed, images and options give the same output. Use a new seed per batch/epoch. */
  seed: number;
  /** What fills the pixels that come from outside the image: "constant" (black, default), "nearest", "reflect", "wrap". */
  fill?: "constant" | "nearest" | "reflect" | "wrap";
  /** Pixel interpolation; default "bilinear". */
  interpolation?: "bilinear" | "nearest";
}

/** The random values drawn for one image (degrees, pixels, factors). */
export interface AugmentParams {
  /** Rotation in degrees. */
  angle: number;
  /** Horizontal shift in pixels (positive = right). */
  dx: number;
  /** Vertical shift in pixels (positive = down). */
  dy: number;
  /** Zoom factor (1 = none). */
  zoom: number;
  /** Side fraction of the crop (1 = none). */
  crop: number;
  /** Crop centre offset from the image centre, in pixels. */
  cropX: number;
  /** Crop centre offset from the image centre, in pixels. */
  cropY: number;
  /** Mirrored left–right. */
  flipH: boolean;
  /** Mirrored top–bottom. */
  flipV: boolean;
  /** Brightness shift on the [0, 1] scale. */
  brightness: number;
  /** Contrast factor (1 = none). */
  contrast: number;
}

/** The option keys of {@link randomAugment} (the ranges, `seed`, `fill`, `interpolation`). */
const RANGE_KEYS: OptionKeys<AugmentRanges> = {
  rotation: true,
  translate: true,
  crop: true,
  flip: true,
  zoom: true,
  brightness: true,
  contrast: true,
};
/** The option keys of {@link randomAugment} (its door check refuses any other). */
export const RANDOM_AUGMENT_KEYS: OptionKeys<RandomAugmentOptions> = {
  ...RANGE_KEYS,
  seed: true,
  fill: true,
  interpolation: true,
};
/** The keys of `train`'s `augment` option: those of {@link randomAugment} but the seed (`train` seeds each batch). */
export const { seed: _seed, ...BATCH_AUGMENT_KEYS }: OptionKeys<RandomAugmentOptions> = RANDOM_AUGMENT_KEYS;
/** The option keys of {@link augmentImage} and {@link augmentImageRaw}. */
export const IMAGE_AUGMENT_KEYS: OptionKeys<ImageAugmentOptions> = {
  ...RANGE_KEYS,
  seed: true,
  size: true,
  background: true,
};

/** Checks the options of {@link randomAugment}: known keys, a finite seed, `fill` and `interpolation` values. */
function checkRandomAugmentOptions(options: RandomAugmentOptions): void {
  checkOptions("randomAugment", options, RANDOM_AUGMENT_KEYS);
  checkNumber("randomAugment: options.seed (semilla)", options?.seed, { example: "0" });
  if (options?.fill !== undefined) checkOneOf("fill", options.fill, ["constant", "nearest", "reflect", "wrap"]);
  if (options.interpolation !== undefined) checkOneOf("interpolation", options.interpolation, ["bilinear", "nearest"]);
}

function checkRange(name: string, value: number | undefined, max: number, unit: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > max) {
    throw new InputError(`${name} debe ser un número entre 0 y ${max} (${unit}) y es ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Validates the ranges, with errors naming the field. */
function checkRanges(o: AugmentRanges): Required<Omit<AugmentRanges, "flip">> & { flip: FlipMode } {
  const crop = o.crop === undefined ? 1 : o.crop;
  if (typeof crop !== "number" || !(crop > 0 && crop <= 1)) {
    throw new InputError(
      `crop debe estar en (0, 1] (fracción mínima del lado que se conserva) y es ${JSON.stringify(o.crop)}.`,
    );
  }
  const flip = o.flip ?? false;
  if (![true, false, "horizontal", "vertical", "both"].includes(flip as never)) {
    throw new InputError(
      `flip debe ser true, false, "horizontal", "vertical" o "both" y es ${JSON.stringify(o.flip)}.`,
    );
  }
  return {
    rotation: checkRange("rotation", o.rotation, 180, "grados"),
    translate: checkRange("translate", o.translate, 1, "fracción del tamaño"),
    zoom: checkRange("zoom", o.zoom, 0.9, "fracción"),
    brightness: checkRange("brightness", o.brightness, 1, "escala [0, 1]"),
    contrast: checkRange("contrast", o.contrast, 1, "fracción"),
    crop,
    flip,
  };
}

/** Draws the random parameters of one image of size `h × w` (pure JS, deterministic given `rand`). */
export function drawAugmentParams(
  rand: () => number,
  size: [number, number],
  ranges: AugmentRanges,
): AugmentParams {
  const r = checkRanges(ranges);
  const [h, w] = size;
  const crop = r.crop < 1 ? uniform(rand, r.crop, 1) : 1;
  const horizontal = r.flip === true || r.flip === "horizontal" || r.flip === "both";
  const vertical = r.flip === "vertical" || r.flip === "both";
  return {
    angle: r.rotation ? uniform(rand, -r.rotation, r.rotation) : 0,
    dx: r.translate ? uniform(rand, -r.translate, r.translate) * w : 0,
    dy: r.translate ? uniform(rand, -r.translate, r.translate) * h : 0,
    zoom: r.zoom ? uniform(rand, 1 - r.zoom, 1 + r.zoom) : 1,
    crop,
    cropX: crop < 1 ? uniform(rand, -1, 1) * (1 - crop) * (w - 1) / 2 : 0,
    cropY: crop < 1 ? uniform(rand, -1, 1) * (1 - crop) * (h - 1) / 2 : 0,
    flipH: horizontal ? rand() < 0.5 : false,
    flipV: vertical ? rand() < 0.5 : false,
    brightness: r.brightness ? uniform(rand, -r.brightness, r.brightness) : 0,
    contrast: r.contrast ? uniform(rand, 1 - r.contrast, 1 + r.contrast) : 1,
  };
}

/**
 * The 8 numbers of the projective transform (TF.js `tf.image.transform` convention) that maps an output
 * pixel (x, y) to the input pixel it is read from, for the geometric part of `p` on an `h × w` image.
 * Output → input: p_in = c + o + (crop / zoom) · F · R(−angle) · (p_out − c − t).
 */
export function augmentMatrix(p: AugmentParams, size: [number, number]): number[] {
  const [h, w] = size;
  const cx = (w - 1) / 2, cy = (h - 1) / 2;
  const th = (-p.angle * Math.PI) / 180;
  const k = p.crop / p.zoom;
  const fx = p.flipH ? -1 : 1, fy = p.flipV ? -1 : 1;
  const m00 = k * fx * Math.cos(th), m01 = -k * fx * Math.sin(th);
  const m10 = k * fy * Math.sin(th), m11 = k * fy * Math.cos(th);
  const ux = cx + p.dx, uy = cy + p.dy;
  const bx = cx + p.cropX - (m00 * ux + m01 * uy);
  const by = cy + p.cropY - (m10 * ux + m11 * uy);
  return [m00, m01, bx, m10, m11, by, 0, 0];
}

function isGeometric(p: AugmentParams): boolean {
  return p.angle !== 0 || p.dx !== 0 || p.dy !== 0 || p.zoom !== 1 || p.crop !== 1 || p.flipH || p.flipV;
}

/**
 * Applies random, label-preserving transforms to a batch `[n, h, w, c]` (float in [0, 1]) and returns a
 * new batch of the same shape, values clipped to [0, 1]. Each image gets its own random parameters,
 * drawn from `seed`: same seed → same output (reproducible), new seed → new variants. The input is not
 * disposed; the output must be (or use it inside `tf.tidy`). Runs on every backend (wasm, cpu, webgpu).
 *
 * @example
 * const xAug = randomAugment(xBatch, { seed: epoch * 1000 + step, rotation: 10, translate: 0.1, flip: true });
 */
export function randomAugment(images: tf.Tensor4D, options: RandomAugmentOptions): tf.Tensor4D {
  checkTensor("randomAugment: images (lote [n, alto, ancho, canales])", images, 4);
  checkRandomAugmentOptions(options);
  const [n, h, w] = images.shape;
  const rand = seededRandom(options.seed);
  const params = Array.from({ length: n }, () => drawAugmentParams(rand, [h, w], options));
  const geometric = params.some(isGeometric);
  const photometric = params.some((p) => p.brightness !== 0 || p.contrast !== 1);
  return tf.tidy(() => {
    let x: tf.Tensor4D = images.dtype === "float32" ? images : images.toFloat();
    if (geometric) {
      const m = new Float32Array(n * 8);
      params.forEach((p, i) => m.set(augmentMatrix(p, [h, w]), i * 8));
      const interpolation = options.interpolation ?? "bilinear", fill = options.fill ?? "constant";
      if (tf.getBackend() === "cpu" && n > 1) {
        // tfjs-backend-cpu 4.22 Transform returns after the first image of a batch (the others stay 0):
        // transform one image at a time there.
        const parts = tf.split(x, n).map((xi, i) =>
          tf.image.transform(
            xi as tf.Tensor4D,
            tf.tensor2d(m.subarray(i * 8, i * 8 + 8), [1, 8]),
            interpolation,
            fill,
            0,
          )
        );
        x = tf.concat(parts) as tf.Tensor4D;
      } else {
        x = tf.image.transform(x, tf.tensor2d(m, [n, 8]), interpolation, fill, 0);
      }
    }
    if (photometric) {
      const c = tf.tensor4d(params.map((p) => p.contrast), [n, 1, 1, 1]);
      const b = tf.tensor4d(params.map((p) => p.brightness), [n, 1, 1, 1]);
      const mean = tf.mean(x, [1, 2, 3], true);
      x = tf.add(tf.mul(tf.sub(x, mean), c), tf.add(mean, b));
    }
    // A pure copy when nothing applies, so the caller can always dispose the result.
    return geometric || photometric ? tf.clipByValue(x, 0, 1) : tf.clone(x);
  });
}

/** Options for {@link augmentImage}. */
export interface ImageAugmentOptions extends AugmentRanges {
  /** Seed of the random parameters; default 0. */
  seed?: number;
  /** Output size `[height, width]` (or one number); default the input's size. */
  size?: number | [number, number];
  /** Background of the uncovered areas (CSS colour); default black. */
  background?: string;
}

/** One augmented photo: its pixels and the parameters used. */
export interface AugmentedImage {
  /** Raw RGB pixels. */
  image: RawImage;
  /** The random parameters that were drawn. */
  params: AugmentParams;
}

/**
 * Augments one photo with sharp: random crop (on the original), resize to `size`, flips, rotation,
 * zoom and shift, then brightness/contrast — each drawn from its range with `seed`.
 * Returns the raw pixels (for grids/tensors) and the parameters.
 */
export function augmentImageRaw(input: ImageInput, options: ImageAugmentOptions = {}): Promise<AugmentedImage> {
  return augmentImageWith(localSharp, input, options);
}

/**
 * {@link augmentImageRaw} with its sharp steps run by `sharp` (e.g. a worker: `sharp_jobs.ts`); the same
 * steps on the same pixels, so the same bytes.
 */
export async function augmentImageWith(
  sharp: SharpRunner,
  input: ImageInput,
  options: ImageAugmentOptions = {},
): Promise<AugmentedImage> {
  checkOptions("augmentImage", options, IMAGE_AUGMENT_KEYS);
  const run = (from: ImageInput, ...ops: SharpOp[]) => sharp.run({ input: from, ops });
  const src = await run(input, ["flatten", { background: "#ffffff" }], ["toColourspace", "srgb"]); // alpha on white
  const [h, w] = options.size === undefined ? [src.height, src.width] : sizeOf(options.size);
  const rand = seededRandom(options.seed ?? 0);
  const p = drawAugmentParams(rand, [src.height, src.width], options);
  const bg = options.background ?? "#000000";
  // 1. Random crop of the original, then resize to the output size (cover).
  let img = src;
  if (p.crop < 1) {
    const cw = Math.max(1, Math.round(src.width * p.crop)), ch = Math.max(1, Math.round(src.height * p.crop));
    const left = Math.min(src.width - cw, Math.max(0, Math.round((src.width - cw) / 2 + p.cropX)));
    const top = Math.min(src.height - ch, Math.max(0, Math.round((src.height - ch) / 2 + p.cropY)));
    img = await run(src, ["extract", { left, top, width: cw, height: ch }]);
  }
  // 2. Resize, flips.
  const flips: SharpOp[] = [...(p.flipH ? [["flop"] as SharpOp] : []), ...(p.flipV ? [["flip"] as SharpOp] : [])];
  let cur = await run(img, ["resize", w, h, { fit: "cover" }], ...flips);
  // 3. Rotation (canvas grows), zoom, then a window of the output size shifted by (dx, dy).
  const sx = w / src.width, sy = h / src.height;
  if (p.angle !== 0 || p.zoom !== 1 || p.dx !== 0 || p.dy !== 0) {
    const rotated = p.angle !== 0 ? await run(cur, ["rotate", p.angle, { background: bg }]) : cur;
    const zw = Math.max(1, Math.round(rotated.width * p.zoom)), zh = Math.max(1, Math.round(rotated.height * p.zoom));
    const zoomed = p.zoom !== 1 ? await run(rotated, ["resize", zw, zh, { fit: "fill" }]) : rotated;
    const dx = Math.round(p.dx * sx), dy = Math.round(p.dy * sy);
    const left = Math.round((zoomed.width - w) / 2 - dx), top = Math.round((zoomed.height - h) / 2 - dy);
    const padL = Math.max(0, -left), padT = Math.max(0, -top);
    const padR = Math.max(0, left + w - zoomed.width), padB = Math.max(0, top + h - zoomed.height);
    let z = zoomed;
    if (padL || padT || padR || padB) {
      z = await run(z, ["extend", { left: padL, top: padT, right: padR, bottom: padB, background: bg }]);
    }
    cur = await run(z, ["extract", { left: left + padL, top: top + padT, width: w, height: h }]);
  }
  // 4. Brightness and contrast around the mean: out = c·(in − mean) + mean + 255·b.
  if (p.brightness !== 0 || p.contrast !== 1) {
    let sum = 0;
    for (let i = 0; i < cur.data.length; i++) sum += cur.data[i];
    const mean = sum / cur.data.length;
    const a = p.contrast, b = (1 - p.contrast) * mean + 255 * p.brightness;
    const out = new Uint8Array(cur.data.length);
    for (let i = 0; i < out.length; i++) {
      const v = a * cur.data[i] + b;
      out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
    cur = { ...cur, data: out };
  }
  return { image: cur, params: p };
}

/**
 * Augments one photo (path, bytes or raw pixels) with sharp and returns it as PNG bytes (displayable).
 * See {@link augmentImageRaw} for the order of the transforms.
 *
 * @example
 * await augmentImage(sampleImagePath("chelsea"), { seed: 3, rotation: 20, size: 224 })
 */
export async function augmentImage(input: ImageInput, options: ImageAugmentOptions = {}): Promise<Uint8Array> {
  const { image } = await augmentImageRaw(input, options);
  return (await runSharpJob({ input: image, ops: [["png"]], output: "encoded" })).data;
}
