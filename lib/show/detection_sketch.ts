/**
 * What the output of object detection and segmentation looks like (block 1 of the unit), drawn over a
 * photo: labelled boxes (detection: "what and where") and a per-pixel class mask (segmentation). These
 * helpers only draw; the boxes and masks passed in can come from a model or, as in notebook 01, be an
 * illustration (hand-placed boxes, a colour rule) — say which in the caption.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import sharp from "sharp";
import { Buffer } from "node:buffer";
import { toPng } from "./images.ts";
import { escapeXml } from "./display.ts";
import { checkOptions } from "../engine/validate.ts";

/** A labelled box in pixel coordinates of the image (origin top-left). */
export interface SketchBox {
  /** Class name shown on the box. */
  label: string;
  /** Left edge, pixels. */
  x: number;
  /** Top edge, pixels. */
  y: number;
  /** Width, pixels. */
  width: number;
  /** Height, pixels. */
  height: number;
  /** Confidence in [0, 1], shown after the label when given. */
  score?: number;
  /** CSS colour; default from a palette, one per distinct label. */
  color?: string;
}

/** Options for {@link drawBoxes}. */
export interface DrawBoxesOptions {
  /** Line width in pixels; default 3. */
  lineWidth?: number;
  /** Label font size in pixels; default 16. */
  fontSize?: number;
  /** Text written in a band under the image (e.g. "ilustración: cajas colocadas a mano"). */
  caption?: string;
}

/** Options for {@link overlayMask}. */
export interface OverlayMaskOptions {
  /** CSS colour (`#rrggbb`) of each class; class 0 is the background and is left uncoloured. */
  colors?: string[];
  /** Opacity of the colour over the photo, in (0, 1]; default 0.55. */
  alpha?: number;
  /** Text written in a band under the image. */
  caption?: string;
}

/** Options for {@link colorRangeMask}. */
export interface ColorRangeOptions {
  /** Lowest accepted value of each channel `[r, g, b]`, in [0, 1]. */
  min: [number, number, number];
  /** Highest accepted value of each channel `[r, g, b]`, in [0, 1]. */
  max: [number, number, number];
  /** Only pixels inside this box count (pixel coordinates); default the whole image. */
  within?: { x: number; y: number; width: number; height: number };
}

const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45"];

function checkImage(image: tf.Tensor3D, fn: string): void {
  if (!(image instanceof tf.Tensor) || image.rank !== 3 || (image.shape[2] !== 3 && image.shape[2] !== 1)) {
    throw new Error(
      `${fn}: image debe ser un tensor [alto, ancho, 3] (o 1 canal) con valores en [0, 1]; se recibió forma [${
        (image as tf.Tensor | undefined)?.shape
      }].`,
    );
  }
}

function hexToRgb(color: string, field: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) throw new Error(`${field} debe ser un color "#rrggbb"; se recibió ${JSON.stringify(color)}.`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** Adds a caption band under a PNG, the font shrunk to fit its width (unchanged without caption). */
async function withCaption(png: Uint8Array, caption: string | undefined, fontSize: number): Promise<Uint8Array> {
  if (!caption) return png;
  const meta = await sharp(png).metadata();
  const width = meta.width ?? 0;
  const size = Math.max(8, Math.min(fontSize, Math.floor(width / (0.58 * caption.length)))); // fit the width
  const band = Math.round(size * 1.9);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${band}">` +
    `<text x="${width / 2}" y="${Math.round(band * 0.68)}" font-size="${size}" ` +
    `font-family="DejaVu Sans, Arial, sans-serif" fill="#333" text-anchor="middle" font-style="italic">` +
    `${escapeXml(caption)}</text></svg>`;
  const buf = await sharp(png).extend({ bottom: band, background: "#ffffff" })
    .composite([{ input: Buffer.from(svg), top: meta.height ?? 0, left: 0 }]).png().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Draws labelled boxes over an image (`[h, w, 3]`, values in [0, 1]) and returns PNG bytes (the last
 * expression of a notebook cell shows them).
 */
export async function drawBoxes(
  image: tf.Tensor3D,
  boxes: SketchBox[],
  options: DrawBoxesOptions = {},
): Promise<Uint8Array> {
  checkOptions("drawBoxes", options, { lineWidth: true, fontSize: true, caption: true });
  checkImage(image, "drawBoxes");
  if (!Array.isArray(boxes)) {
    throw new Error("drawBoxes: boxes debe ser una lista [{ label, x, y, width, height }, …].");
  }
  const [h, w] = image.shape;
  boxes.forEach((b, i) => {
    for (const k of ["x", "y", "width", "height"] as const) {
      if (typeof b?.[k] !== "number" || !Number.isFinite(b[k])) {
        throw new Error(`drawBoxes: boxes[${i}].${k} debe ser un número de píxeles; se recibió ${b?.[k]}.`);
      }
    }
    if (b.width <= 0 || b.height <= 0 || b.x < 0 || b.y < 0 || b.x + b.width > w || b.y + b.height > h) {
      throw new Error(
        `drawBoxes: boxes[${i}] (${b.label}) se sale de la imagen ${w}×${h}: x=${b.x}, y=${b.y}, ` +
          `width=${b.width}, height=${b.height}. Ajusta la caja a la imagen.`,
      );
    }
  });
  const lw = options.lineWidth ?? 3;
  const fs = options.fontSize ?? 16;
  const labels = [...new Set(boxes.map((b) => b.label))];
  const parts = boxes.map((b) => {
    const color = escapeXml(b.color ?? PALETTE[labels.indexOf(b.label) % PALETTE.length]);
    const text = escapeXml(b.score === undefined ? b.label : `${b.label} ${(100 * b.score).toFixed(0)} %`);
    const tw = Math.ceil(text.length * fs * 0.62) + 8;
    const ty = b.y >= fs + 6 ? b.y - fs - 6 : b.y; // label above the box, or inside when at the top edge
    const tx = Math.max(0, Math.min(b.x, w - tw)); // keep the label inside the image
    return `<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" fill="none" stroke="${color}" ` +
      `stroke-width="${lw}"/><rect x="${tx}" y="${ty}" width="${tw}" height="${fs + 6}" fill="${color}"/>` +
      `<text x="${tx + 4}" y="${ty + fs}" font-size="${fs}" fill="white" ` +
      `font-family="DejaVu Sans, Arial, sans-serif">${text}</text>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${parts.join("")}</svg>`;
  const base = await toPng(image, { scale: 1 });
  const buf = await sharp(base).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).png().toBuffer();
  return await withCaption(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), options.caption, fs - 2);
}

/**
 * A per-pixel class mask drawn over an image: `mask` is `[h, w]` with the class of each pixel (0 =
 * background, 1, 2, … coloured with `colors`). Returns PNG bytes.
 */
export async function overlayMask(
  image: tf.Tensor3D,
  mask: tf.Tensor2D,
  options: OverlayMaskOptions = {},
): Promise<Uint8Array> {
  checkOptions("overlayMask", options, { colors: true, alpha: true, caption: true });
  checkImage(image, "overlayMask");
  const [h, w] = image.shape;
  if (!(mask instanceof tf.Tensor) || mask.rank !== 2 || mask.shape[0] !== h || mask.shape[1] !== w) {
    throw new Error(
      `overlayMask: mask debe ser un tensor [${h}, ${w}] (una clase por píxel, como la imagen); se recibió forma [${
        (mask as tf.Tensor | undefined)?.shape
      }].`,
    );
  }
  const alpha = options.alpha ?? 0.55;
  if (!(alpha > 0 && alpha <= 1)) throw new Error(`overlayMask: alpha debe estar en (0, 1] y es ${alpha}.`);
  const colors = (options.colors ?? PALETTE).map((c, i) => hexToRgb(c, `colors[${i}]`));
  const blended = tf.tidy(() => {
    const rgb = image.shape[2] === 1 ? image.tile([1, 1, 3]) : image;
    const classes = mask.toInt();
    // Row 0 (background) transparent; class c uses colors[c - 1].
    const table = tf.tensor2d([[0, 0, 0], ...colors.map((c) => c.map((v) => v / 255))], [colors.length + 1, 3]);
    const opacity = tf.tensor1d([0, ...colors.map(() => alpha)]);
    const clipped = classes.clipByValue(0, colors.length);
    const color = tf.gather(table, clipped); // [h, w, 3]
    const a = tf.gather(opacity, clipped).expandDims(2); // [h, w, 1]
    return rgb.mul(tf.scalar(1).sub(a)).add(color.mul(a)) as tf.Tensor3D;
  });
  const png = await toPng(blended, { scale: 1 });
  blended.dispose();
  return await withCaption(png, options.caption, 14);
}

/**
 * A binary mask `[h, w]` (1 where every channel of the pixel lies in `[min, max]`, optionally only inside
 * a box): a colour rule, not a learned segmentation — enough to show what a mask is.
 */
export function colorRangeMask(image: tf.Tensor3D, options: ColorRangeOptions): tf.Tensor2D {
  checkOptions("colorRangeMask", options, { min: true, max: true, within: true });
  checkImage(image, "colorRangeMask");
  const ok = (v: unknown) => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "number");
  if (!options || !ok(options.min) || !ok(options.max)) {
    throw new Error(
      "colorRangeMask: options.min y options.max deben ser [r, g, b] con valores en [0, 1], p. ej. " +
        "{ min: [0.6, 0.2, 0], max: [1, 0.6, 0.4] }.",
    );
  }
  const [h, w, c] = image.shape;
  return tf.tidy(() => {
    const rgb = c === 1 ? image.tile([1, 1, 3]) : image;
    const inside = rgb.greaterEqual(tf.tensor1d(options.min)).logicalAnd(rgb.lessEqual(tf.tensor1d(options.max)));
    let m = inside.all(2).toFloat() as tf.Tensor2D;
    const b = options.within;
    if (b) {
      const rows = tf.range(0, h).expandDims(1), cols = tf.range(0, w).expandDims(0);
      const box = rows.greaterEqual(b.y).logicalAnd(rows.less(b.y + b.height))
        .logicalAnd(cols.greaterEqual(b.x)).logicalAnd(cols.less(b.x + b.width));
      m = m.mul(box.toFloat());
    }
    return m;
  });
}
