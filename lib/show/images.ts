/**
 * Showing images: a tensor or a batch → PNG bytes, optionally as a labelled grid. In a Deno notebook a
 * PNG `Uint8Array` as the last expression of a cell is displayed as an image.
 *
 * Tensors are float in [0, 1] (values outside are clipped, or rescaled with `normalize`), channels last,
 * 1 (grey) or 3 (RGB) channels. Small images (e.g. 28×28) are enlarged with nearest-neighbour so that
 * their pixels stay visible.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { RawImage } from "../data/decode.ts";
import { localSharp, type SharpOp, type SharpRunner } from "../data/sharp_jobs.ts";
import { escapeXml } from "./display.ts";
import { checkOptions } from "../engine/validate.ts";

/** Options for {@link toPng}. */
export interface ToPngOptions {
  /** Integer enlargement factor (nearest neighbour); default: enough for the image to be ≥ 96 px. */
  scale?: number;
  /** Rescale the image's own min..max to 0..1 (for feature maps and filters); default false. */
  normalize?: boolean;
}

/** Options for {@link imageGrid}. */
export interface ImageGridOptions extends ToPngOptions {
  /** Text under each image (e.g. class names); default none. */
  labels?: string[];
  /** CSS colour of each label (e.g. green/red for right/wrong predictions); default dark grey. */
  labelColors?: string[];
  /** Images per row; default min(n, 8). */
  cols?: number;
  /** Pixels between images; default 4. */
  padding?: number;
  /** Label font size in pixels; default 13. */
  fontSize?: number;
  /** Background colour (CSS); default white. */
  background?: string;
}

/** A tensor image `[h, w, c]` or `[h, w]`, or raw 8-bit pixels. */
export type ImageLike = tf.Tensor3D | tf.Tensor2D | RawImage;

function isRaw(x: unknown): x is RawImage {
  return typeof x === "object" && x !== null && "data" in x && (x as RawImage).data instanceof Uint8Array &&
    "width" in x;
}

/** Converts a tensor image (float [0, 1]) or raw image to raw RGB bytes (without copying raw RGB input). */
async function toRgb(image: ImageLike, normalize: boolean): Promise<RawImage> {
  if (isRaw(image)) {
    if (image.channels === 3 && !normalize) return image;
    return pixelsToRgb(image.data, [image.height, image.width, image.channels], { normalize, max: 255 });
  }
  const shape = image.shape;
  if (shape.length !== 2 && shape.length !== 3) {
    throw new Error(`Se esperaba una imagen [alto, ancho, canales] y el tensor tiene forma [${shape}].`);
  }
  return pixelsToRgb(await image.data(), [shape[0], shape[1], shape.length === 3 ? shape[2] : 1], {
    normalize,
    max: 1,
  });
}

/** Values (`max` = white, or min..max when `normalize`) of an `[h, w, c]` image → RGB bytes. */
function pixelsToRgb(
  values: ArrayLike<number>,
  [h, w, c]: number[],
  opts: { normalize: boolean; max: number },
): RawImage {
  if (c !== 1 && c !== 3 && c !== 4) {
    throw new Error(
      `Solo se pueden mostrar imágenes de 1 canal (gris), 3 (RGB) o 4 (RGBA) y esta tiene ${c}; muestra cada canal por separado.`,
    );
  }
  let lo = 0, hi = opts.max;
  if (opts.normalize) {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      if (values[i] < lo) lo = values[i];
      if (values[i] > hi) hi = values[i];
    }
    if (!(hi > lo)) hi = lo + 1;
  }
  const k = 255 / (hi - lo);
  const out = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    for (let ch = 0; ch < 3; ch++) {
      const b = (values[p * c + (c === 1 ? 0 : ch)] - lo) * k;
      out[p * 3 + ch] = b <= 0 ? 0 : b >= 255 ? 255 : Math.round(b);
    }
  }
  return { data: out, width: w, height: h, channels: 3 };
}

function autoScale(h: number, w: number, scale: number | undefined): number {
  if (scale !== undefined) {
    if (!Number.isInteger(scale) || scale < 1) throw new Error(`scale debe ser un entero ≥ 1 y es ${scale}.`);
    return scale;
  }
  return Math.max(1, Math.ceil(96 / Math.max(h, w)));
}

/** Copies `img` (RGB), enlarged `scale` times (nearest), into `dst` (RGB, width `dstW`) at (x0, y0). */
function blit(img: RawImage, scale: number, dst: Uint8Array, dstW: number, x0: number, y0: number): void {
  const { width: w, height: h, data } = img;
  for (let y = 0; y < h * scale; y++) {
    const sy = Math.floor(y / scale);
    const rowDst = ((y0 + y) * dstW + x0) * 3;
    for (let x = 0; x < w * scale; x++) {
      const s = (sy * w + Math.floor(x / scale)) * 3;
      const d = rowDst + x * 3;
      dst[d] = data[s];
      dst[d + 1] = data[s + 1];
      dst[d + 2] = data[s + 2];
    }
  }
}

function cssToRgb(color: string): [number, number, number] {
  const m = color.trim().match(/^#([0-9a-f]{6})$/i);
  if (m) {
    const n = parseInt(m[1], 16);
    return [n >> 16, (n >> 8) & 255, n & 255];
  }
  if (color.trim().toLowerCase() === "black") return [0, 0, 0];
  return [255, 255, 255];
}

/** Splits a label into lines of at most `maxChars` characters, at "\n" and then at spaces. */
function wrapLabel(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(" ")) {
      if (line && (line + " " + word).length > maxChars) {
        lines.push(line);
        line = word;
      } else line = line ? line + " " + word : word;
    }
    lines.push(line);
  }
  return lines;
}

async function encodePng(
  rgb: Uint8Array,
  width: number,
  height: number,
  svg?: string,
  sharp: SharpRunner = localSharp,
): Promise<Uint8Array> {
  const ops: SharpOp[] = svg ? [["composite", [{ input: new TextEncoder().encode(svg), top: 0, left: 0 }]]] : [];
  ops.push(["png"]);
  return (await sharp.run({ input: { data: rgb, width, height, channels: 3 }, ops, output: "encoded" })).data;
}

/**
 * Encodes one image as PNG bytes (float [0, 1] tensor `[h, w, 1|3]` or `[h, w]`, or raw pixels).
 *
 * @example
 * await toPng(x.squeeze([0]) as tf.Tensor3D) // shows a 28×28 image enlarged ×4
 */
export async function toPng(image: ImageLike, options: ToPngOptions = {}): Promise<Uint8Array> {
  checkOptions("toPng", options, { scale: true, normalize: true });
  const rgb = await toRgb(image, options.normalize ?? false);
  const s = autoScale(rgb.height, rgb.width, options.scale);
  if (s === 1) return await encodePng(rgb.data, rgb.width, rgb.height);
  const out = new Uint8Array(rgb.width * s * rgb.height * s * 3);
  blit(rgb, s, out, rgb.width * s, 0, 0);
  return await encodePng(out, rgb.width * s, rgb.height * s);
}

/**
 * Draws a batch as a grid of images with an optional label under each one, as PNG bytes.
 * `images` is a tensor `[n, h, w, 1|3]` (float [0, 1]) or a list of images (which may differ in size).
 *
 * @example
 * await imageGrid(ds.images.slice(0, 16), { labels: names, cols: 8 })
 */
export function imageGrid(images: tf.Tensor4D | ImageLike[], options: ImageGridOptions = {}): Promise<Uint8Array> {
  return imageGridWith(localSharp, images, options);
}

/** {@link imageGrid} with its PNG encoded by `sharp` (e.g. a worker: `lib/data/sharp_jobs.ts`). */
export async function imageGridWith(
  sharp: SharpRunner,
  images: tf.Tensor4D | ImageLike[],
  options: ImageGridOptions = {},
): Promise<Uint8Array> {
  checkOptions("imageGrid", options, {
    scale: true,
    normalize: true,
    labels: true,
    labelColors: true,
    cols: true,
    padding: true,
    fontSize: true,
    background: true,
  });
  let list: RawImage[];
  const normalize = options.normalize ?? false;
  if (Array.isArray(images)) {
    list = await Promise.all(images.map((im) => toRgb(im, normalize)));
  } else {
    if (images.shape.length !== 4) {
      throw new Error(`imageGrid espera un lote [n, alto, ancho, canales] y recibió forma [${images.shape}].`);
    }
    const [n, h, w, c] = images.shape;
    const all = await images.data();
    list = [];
    for (let i = 0; i < n; i++) {
      list.push(pixelsToRgb(all.subarray(i * h * w * c, (i + 1) * h * w * c), [h, w, c], { normalize, max: 1 }));
    }
  }
  const n = list.length;
  if (n === 0) throw new Error("imageGrid: no hay imágenes que mostrar (lote vacío).");
  const labels = options.labels;
  if (labels && labels.length < n) {
    throw new Error(`imageGrid: hay ${n} imágenes y solo ${labels.length} etiquetas (labels); pasa una por imagen.`);
  }
  const cols = options.cols ?? Math.min(n, 8);
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`cols debe ser un entero ≥ 1 y es ${cols}.`);
  const rows = Math.ceil(n / cols);
  const maxH = Math.max(...list.map((im) => im.height));
  const maxW = Math.max(...list.map((im) => im.width));
  const s = autoScale(maxH, maxW, options.scale);
  const pad = options.padding ?? 4;
  const font = options.fontSize ?? 13;
  const cellW = maxW * s;
  const lineH = font + 3;
  const wrapped = labels ? labels.slice(0, n).map((l) => wrapLabel(String(l), Math.floor(cellW / (font * 0.6)))) : [];
  const band = labels ? Math.max(...wrapped.map((ls) => ls.length)) * lineH + 6 : 0;
  const cellH = maxH * s + band;
  const width = cols * cellW + (cols + 1) * pad;
  const height = rows * cellH + (rows + 1) * pad;
  const out = new Uint8Array(width * height * 3);
  const bg = cssToRgb(options.background ?? "#ffffff");
  for (let p = 0; p < width * height; p++) out.set(bg, p * 3);
  const texts: string[] = [];
  list.forEach((im, i) => {
    const col = i % cols, row = Math.floor(i / cols);
    const x0 = pad + col * (cellW + pad), y0 = pad + row * (cellH + pad);
    blit(
      im,
      s,
      out,
      width,
      x0 + Math.floor((cellW - im.width * s) / 2),
      y0 + Math.floor((maxH * s - im.height * s) / 2),
    );
    if (labels) {
      const fill = escapeXml(options.labelColors?.[i] ?? "#222222");
      wrapped[i].forEach((line, k) => {
        // Shrink the font of a line that still does not fit (one long word).
        const size = Math.min(font, Math.floor(cellW / (Math.max(1, line.length) * 0.6)));
        texts.push(
          `<text x="${x0 + cellW / 2}" y="${y0 + maxH * s + (k + 1) * lineH}" font-size="${Math.max(6, size)}" ` +
            `fill="${fill}" text-anchor="middle">${escapeXml(line)}</text>`,
        );
      });
    }
  });
  const svg = labels
    ? `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `font-family="DejaVu Sans, Arial, sans-serif">${texts.join("")}</svg>`
    : undefined;
  return await encodePng(out, width, height, svg, sharp);
}
