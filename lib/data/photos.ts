/**
 * The sample photos and textures committed under `data/photos/` (public domain / CC0, from
 * scikit-image; sources in `data/photos/SOURCES.md`).
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import sharp from "sharp";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { decodeImage, type DecodeOptions, rawToTensor } from "./decode.ts";
import { LearnerError } from "../engine/learner_error.ts";

/** Names accepted by {@link loadSampleImage}: four photos and three grey textures. */
export const SAMPLE_IMAGES = ["astronaut", "chelsea", "coffee", "rocket", "brick", "grass", "gravel"] as const;

/** One of {@link SAMPLE_IMAGES}. */
export type SampleImageName = typeof SAMPLE_IMAGES[number];

/** Folder of the sample photos. */
export const PHOTOS_DIR: string = resolve(import.meta.dirname ?? ".", "..", "..", "data", "photos");

/** A sample photo, as a tensor and as displayable PNG bytes. */
export interface SampleImage {
  /** Its name, e.g. "chelsea". */
  name: SampleImageName;
  /** Path of the committed file (usable as input of the sharp augmentation pipeline). */
  path: string;
  /** Width in pixels (after `size`). */
  width: number;
  /** Height in pixels (after `size`). */
  height: number;
  /** Pixels, float32 `[height, width, channels]` in [0, 1]. Dispose it when done. */
  tensor: tf.Tensor3D;
  /** The same image as PNG bytes (the last expression of a notebook cell displays it). */
  png: Uint8Array;
}

/** Path of a sample photo by name, with a clear error for unknown names. */
export function sampleImagePath(name: string): string {
  if (!(SAMPLE_IMAGES as readonly string[]).includes(name)) {
    throw new LearnerError(
      `No hay ninguna foto de ejemplo llamada "${name}". Usa una de: ${SAMPLE_IMAGES.join(", ")}.`,
    );
  }
  const path = join(PHOTOS_DIR, `${name}.jpg`);
  if (!existsSync(path)) throw new LearnerError(`Falta el fichero ${path} (¿repositorio incompleto?).`);
  return path;
}

/**
 * Loads one of the committed sample photos ({@link SAMPLE_IMAGES}), optionally resized
 * (`size`, `fit`) or in grey (`channels: 1`); RGB by default.
 *
 * @example
 * const cat = await loadSampleImage("chelsea", { size: 224 });
 * cat.png; // shows the photo in the notebook
 */
export async function loadSampleImage(name: string, options: DecodeOptions = {}): Promise<SampleImage> {
  const path = sampleImagePath(name);
  const raw = await decodeImage(path, options);
  const png = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels as 1 | 3 } })
    .png().toBuffer();
  return {
    name: name as SampleImageName,
    path,
    width: raw.width,
    height: raw.height,
    tensor: rawToTensor(raw),
    png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength),
  };
}
