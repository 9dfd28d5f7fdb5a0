/**
 * Reader for the idx format of the MNIST family (MNIST, Fashion-MNIST, EMNIST), gzip-compressed or not.
 *
 * File layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions,
 * then one 32-bit size per dimension, then the data in row-major order. Images files are
 * `[count, rows, cols]` (idx3), label files `[count]` (idx1).
 * @module
 */
import { gunzipSync } from "node:zlib";
import { basename } from "node:path";
import { LearnerError } from "../engine/learner_error.ts";

/** The contents of one idx file. */
export interface IdxArray {
  /** Sizes of each dimension, e.g. `[60000, 28, 28]` for an images file, `[60000]` for labels. */
  dims: number[];
  /** The values, row-major, one byte each. */
  data: Uint8Array;
}

/** Options for {@link parseIdx}. */
export interface ParseIdxOptions {
  /** Name used in error messages (usually the file path). */
  source?: string;
  /** Expected number of dimensions (3 for images, 1 for labels); checked when given. */
  ndims?: number;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "short",
  0x0c: "int",
  0x0d: "float",
  0x0e: "double",
};

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes idx bytes (already decompressed, or gzip: detected by its magic number).
 * Throws an error naming `options.source` when the magic number, the type, the dimensions or the
 * byte count are wrong — a truncated file is never returned as a short array.
 */
export function parseIdx(bytes: Uint8Array, options: ParseIdxOptions = {}): IdxArray {
  const source = options.source ?? "(datos idx)";
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = new Uint8Array(gunzipSync(bytes));
    } catch (e) {
      throw new LearnerError(
        `El fichero ${source} está comprimido con gzip pero no se puede descomprimir (¿truncado o corrupto?): ` +
          `${(e as Error).message}. Bórralo y vuelve a descargarlo.`,
      );
    }
  }
  if (raw.length < 4) {
    throw new LearnerError(
      `El fichero ${source} está truncado: tiene ${raw.length} bytes, menos que la cabecera idx (4).`,
    );
  }
  if (raw[0] !== 0 || raw[1] !== 0 || raw[3] < 1 || raw[3] > 4) {
    const magic = Array.from(raw.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new LearnerError(
      `El fichero ${source} no es un fichero idx: número mágico ${magic}; se esperaba 00 00 08 0N ` +
        `(N = número de dimensiones, 1 a 4). ¿Es el fichero correcto?`,
    );
  }
  const type = raw[2];
  if (type !== 0x08) {
    throw new LearnerError(
      `El fichero ${source} guarda datos de tipo ${TYPE_NAMES[type] ?? `0x${type.toString(16)}`}; ` +
        `este lector solo admite unsigned byte (0x08), el tipo de MNIST y Fashion-MNIST.`,
    );
  }
  const ndims = raw[3];
  if (options.ndims !== undefined && ndims !== options.ndims) {
    throw new LearnerError(
      `El fichero ${source} tiene ${ndims} dimensiones y se esperaban ${options.ndims} ` +
        `(${
          options.ndims === 3 ? "imágenes: [n, filas, columnas]" : "etiquetas: [n]"
        }). ¿Has cambiado imágenes por etiquetas?`,
    );
  }
  const header = 4 + 4 * ndims;
  if (raw.length < header) {
    throw new LearnerError(
      `El fichero ${source} está truncado: la cabecera necesita ${header} bytes y solo hay ${raw.length}.`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = raw.length - header;
  if (actual !== expected) {
    throw new LearnerError(
      `El fichero ${source} ${actual < expected ? "está truncado" : "tiene bytes de más"}: la cabecera declara ` +
        `${dims.join("×")} = ${expected} valores y hay ${actual} bytes de datos. Bórralo y vuelve a descargarlo.`,
    );
  }
  return { dims, data: raw.subarray(header) };
}

/** Reads and decodes one idx file (`.gz` or not); errors name the file. */
export async function readIdx(path: string, options: Omit<ParseIdxOptions, "source"> = {}): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new LearnerError(`No se puede leer el fichero idx ${path}: ${(e as Error).message}`);
  }
  return parseIdx(bytes, { ...options, source: path });
}

/** An images file and its labels file, checked to agree. */
export interface IdxPair {
  /** Images: dims `[n, rows, cols]`. */
  images: IdxArray;
  /** Labels: dims `[n]`. */
  labels: IdxArray;
}

/**
 * Reads an images file (idx3) and a labels file (idx1) and checks that they hold the same number of
 * examples; a mismatch is an error naming both files.
 */
export async function readIdxPair(imagesPath: string, labelsPath: string): Promise<IdxPair> {
  // Both files are read concurrently, but an error in the images file is always the one reported first.
  const settled = await Promise.allSettled([readIdx(imagesPath, { ndims: 3 }), readIdx(labelsPath, { ndims: 1 })]);
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  const [images, labels] = settled.map((r) => (r as PromiseFulfilledResult<IdxArray>).value);
  if (images.dims[0] !== labels.dims[0]) {
    throw new LearnerError(
      `Las imágenes y las etiquetas no coinciden: ${basename(imagesPath)} tiene ${images.dims[0]} imágenes y ` +
        `${basename(labelsPath)} tiene ${labels.dims[0]} etiquetas (${imagesPath}, ${labelsPath}). ` +
        `¿Mezclas ficheros de train y test?`,
    );
  }
  return { images, labels };
}
