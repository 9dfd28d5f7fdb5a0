/**
 * Decoding image files (JPEG, PNG, WebP, GIF, TIFF, AVIF) with sharp into raw pixels or tensors,
 * resized to a fixed size.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { checkOneOf, checkOptions } from "../engine/validate.ts";
import {
  type ImageInput,
  localSharp,
  type RawImage,
  type SharpJob,
  type SharpOp,
  type SharpRunner,
} from "./sharp_jobs.ts";

export { sharpOf } from "./sharp_jobs.ts";

export type { ImageInput, RawImage } from "./sharp_jobs.ts";

/** Options for {@link decodeImage} and {@link loadImage}. */
export interface DecodeOptions {
  /** Output size `[height, width]` (or one number for a square); default the file's own size. */
  size?: number | [number, number];
  /** 1 = grey, 3 = RGB (default). */
  channels?: 1 | 3;
  /** How to fit a different aspect ratio: "cover" (crop the centre, default), "contain" (black bands), "fill" (stretch). */
  fit?: "cover" | "contain" | "fill";
}

/** Normalises a size option to `[height, width]`, checking it. */
export function sizeOf(size: number | [number, number], field = "size"): [number, number] {
  const [h, w] = typeof size === "number" ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new Error(`${field} debe ser un entero ≥ 1 o [alto, ancho] de enteros ≥ 1 y es ${JSON.stringify(size)}.`);
  }
  return [h, w];
}

/** Decodes an image to raw 8-bit pixels with the requested channels and size (alpha composited on white). */
export function decodeImage(input: ImageInput, options: DecodeOptions = {}): Promise<RawImage> {
  return decodeImageWith(localSharp, input, options);
}

/** {@link decodeImage} with its sharp pipeline run by `sharp` (e.g. a worker: `sharp_jobs.ts`). */
export async function decodeImageWith(
  sharp: SharpRunner,
  input: ImageInput,
  options: DecodeOptions = {},
): Promise<RawImage> {
  const { job, channels } = decodeJob(input, options);
  return decodedPixels(await sharp.run(job), channels);
}

/**
 * The sharp job of {@link decodeImage} (options checked) and the channels asked for; its result goes
 * through {@link decodedPixels}. For running many decodes at once (`SharpRunner.runEach`).
 */
export function decodeJob(input: ImageInput, options: DecodeOptions = {}): { job: SharpJob; channels: 1 | 3 } {
  checkOptions("loadImage", options, { size: true, channels: true, fit: true });
  if (options.fit !== undefined) checkOneOf("fit", options.fit, ["cover", "contain", "fill"]);
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) {
    throw new Error(`channels debe ser 1 (gris) o 3 (RGB) y es ${JSON.stringify(channels)}.`);
  }
  const ops: SharpOp[] = [["flatten", { background: "#ffffff" }]]; // transparent pixels → white, not black
  if (options.size !== undefined) {
    const [h, w] = sizeOf(options.size);
    ops.push(["resize", w, h, { fit: options.fit ?? "cover", background: { r: 0, g: 0, b: 0 } }]);
  }
  ops.push(["toColourspace", channels === 1 ? "b-w" : "srgb"]);
  return { job: { input, ops }, channels };
}

/** The pixels of a {@link decodeJob}'s result with the channels asked for. */
export function decodedPixels(raw: RawImage, channels: 1 | 3): RawImage {
  const bytes = raw.channels !== channels ? convertChannels(raw.data, raw.channels, channels) : raw.data;
  return { data: bytes, width: raw.width, height: raw.height, channels };
}

function convertChannels(src: Uint8Array, from: number, to: number): Uint8Array {
  const n = src.length / from;
  const out = new Uint8Array(n * to);
  for (let i = 0; i < n; i++) {
    if (to === 1) {
      out[i] = from >= 3
        ? Math.round(0.299 * src[i * from] + 0.587 * src[i * from + 1] + 0.114 * src[i * from + 2])
        : src[i * from];
    } else {
      for (let c = 0; c < to; c++) out[i * to + c] = src[i * from + (from >= 3 ? c : 0)];
    }
  }
  return out;
}

/** Raw 8-bit pixels → float32 tensor `[height, width, channels]` in [0, 1]. */
export function rawToTensor(image: RawImage): tf.Tensor3D {
  const x = new Float32Array(image.data.length);
  for (let i = 0; i < x.length; i++) x[i] = image.data[i] / 255;
  return tf.tensor3d(x, [image.height, image.width, image.channels], "float32");
}

/**
 * Loads one image file (or bytes) as a float32 tensor `[height, width, channels]` in [0, 1] — the
 * format the rest of the library uses. Dispose the tensor when done.
 *
 * @example
 * const x = await loadImage("mi_foto.jpg", { size: [224, 224] });
 */
export async function loadImage(input: ImageInput, options: DecodeOptions = {}): Promise<tf.Tensor3D> {
  return rawToTensor(await decodeImage(input, options));
}
