/**
 * Fashion-MNIST (Zalando, MIT licence): 70,000 grey 28×28 images of 10 kinds of clothing
 * (60,000 train, 10,000 test, 1,000 test images per class).
 *
 * Lookup order of the idx files: the `dir` option → the project cache `data/cache/fashion-mnist` →
 * Debian's `dataset-fashion-mnist` (`/usr/share/datasets/fashion-mnist/`) → download from the official
 * repository into the cache (progress bar, checksum, atomic rename).
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { type Dataset, datasetFromBytes } from "./dataset.ts";
import { balancedIndices } from "./dataset.ts";
import { downloadFile } from "./download.ts";
import { type IdxPair, isGzip, readIdxPair } from "./idx.ts";
import { checkOptionalNumber, checkOptions } from "../engine/validate.ts";
import { LearnerError } from "../engine/learner_error.ts";

/** Class names of Fashion-MNIST in Spanish, indexed by label (0 = T-shirt/top … 9 = ankle boot). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "camiseta",
  "pantalón",
  "jersey",
  "vestido",
  "abrigo",
  "sandalia",
  "camisa",
  "zapatilla",
  "bolso",
  "botín",
];

/** Official download location (the dataset's GitHub repository). */
export const FASHION_MNIST_URL = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/";

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist";

/** The project's data cache for Fashion-MNIST (`data/cache/fashion-mnist`, git-ignored). */
export const FASHION_MNIST_CACHE_DIR: string = resolve(
  import.meta.dirname ?? ".",
  "..",
  "..",
  "data",
  "cache",
  "fashion-mnist",
);

/** MD5 of the official `.gz` files, as published by Zalando Research. */
const OFFICIAL_GZ_MD5: Record<string, string> = {
  "train-images-idx3-ubyte": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
  "train-labels-idx1-ubyte": "25c81989df183df01b3e8a0aad5dffbe",
  "t10k-images-idx3-ubyte": "bef4ecab320f06d8554ea6380940ec79",
  "t10k-labels-idx1-ubyte": "bb300cfdad3c16e7a12a480ee83cd310",
};

/**
 * SHA-256 of the decompressed idx contents (independent of how a mirror gzipped them; measured on
 * Debian's copy of the official files).
 */
const CONTENT_SHA256: Record<string, string> = {
  "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
};

/** Which part of the dataset. */
export type Split = "train" | "test";

/** Options for {@link locateFashionMnist}. */
export interface LocateOptions {
  /** Split to find; default "train". */
  split?: Split;
  /** Folder that must hold the files (checked first; an error if they are not there). */
  dir?: string;
  /** Project cache folder; default {@link FASHION_MNIST_CACHE_DIR}. */
  cacheDir?: string;
  /** System folder; default {@link FASHION_MNIST_SYSTEM_DIR}. */
  systemDir?: string;
  /** Base URL to download from; default {@link FASHION_MNIST_URL}. */
  baseUrl?: string;
  /** Allow downloading when no local copy exists; default true. */
  download?: boolean;
  /** Show download progress; default true. */
  progress?: boolean;
}

/** Where the files of one split were found. */
export interface LocatedFiles {
  /** Path of the images file. */
  images: string;
  /** Path of the labels file. */
  labels: string;
  /** Which step of the lookup order found them. */
  source: "dir" | "cache" | "system" | "download";
}

function fileNames(split: Split): [string, string] {
  const prefix = split === "train" ? "train" : "t10k";
  return [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`];
}

function findIn(dir: string, split: Split): [string, string] | undefined {
  const found: string[] = [];
  for (const name of fileNames(split)) {
    const path = [join(dir, name + ".gz"), join(dir, name)].find((p) => existsSync(p));
    if (!path) return undefined;
    found.push(path);
  }
  return [found[0], found[1]];
}

function checkSplit(split: unknown): Split {
  if (split !== "train" && split !== "test") {
    throw new LearnerError(`split debe ser "train" o "test" y es ${JSON.stringify(split)}.`);
  }
  return split;
}

/**
 * Finds (or downloads) the idx files of one split, following the lookup order of this module.
 * A download is checked against the official MD5 of the `.gz` file or the SHA-256 of its decompressed
 * contents, and renamed into the cache only when it matches.
 */
export async function locateFashionMnist(options: LocateOptions = {}): Promise<LocatedFiles> {
  const split = checkSplit(options.split ?? "train");
  const names = fileNames(split);
  if (options.dir !== undefined) {
    const hit = findIn(options.dir, split);
    if (!hit) {
      throw new LearnerError(
        `No encuentro Fashion-MNIST (${split}) en dir=${options.dir}: faltan ${
          names.map((n) => n + "[.gz]").join(" y ")
        }. ` +
          `Quita la opción dir para usar la caché, el paquete de Debian o la descarga.`,
      );
    }
    return { images: hit[0], labels: hit[1], source: "dir" };
  }
  const cacheDir = options.cacheDir ?? FASHION_MNIST_CACHE_DIR;
  const cached = findIn(cacheDir, split);
  if (cached) return { images: cached[0], labels: cached[1], source: "cache" };
  const system = findIn(options.systemDir ?? FASHION_MNIST_SYSTEM_DIR, split);
  if (system) return { images: system[0], labels: system[1], source: "system" };
  if (options.download === false) {
    throw new LearnerError(
      `Fashion-MNIST (${split}) no está en ${cacheDir} ni en ${options.systemDir ?? FASHION_MNIST_SYSTEM_DIR} ` +
        `y la descarga está desactivada. Instala el paquete de Debian \`dataset-fashion-mnist\` o permite la descarga.`,
    );
  }
  const base = options.baseUrl ?? FASHION_MNIST_URL;
  const paths: string[] = [];
  for (const name of names) {
    const dest = join(cacheDir, name + ".gz");
    await downloadFile(base.replace(/\/?$/, "/") + name + ".gz", dest, {
      progress: options.progress ?? true,
      label: `Fashion-MNIST ${name}.gz`,
      verify: async (tmp, digests) => {
        if (digests.md5 === OFFICIAL_GZ_MD5[name]) return undefined;
        const bytes = await Deno.readFile(tmp);
        let content: Uint8Array;
        try {
          content = isGzip(bytes) ? gunzipSync(bytes) : bytes;
        } catch {
          return "no es un gzip válido";
        }
        const sha = createHash("sha256").update(content).digest("hex");
        return sha === CONTENT_SHA256[name]
          ? undefined
          : `su contenido tiene SHA-256 ${sha} y se esperaba ${CONTENT_SHA256[name]}`;
      },
    });
    paths.push(dest);
  }
  return { images: paths[0], labels: paths[1], source: "download" };
}

/** Options for {@link loadFashionMnist} and `loadMnist`. */
export interface LoadMnistOptions {
  /** "train" (60,000 images) or "test" (10,000); default "train". */
  split?: Split;
  /** Keep only this many images, a class-balanced seeded random subset; default all. */
  limit?: number;
  /** Folder with the idx files (`train-images-idx3-ubyte[.gz]`, …); default: the lookup order. */
  dir?: string;
  /** Seed of the `limit` subset; default 0. */
  seed?: number;
}

/** Options for {@link loadFashionMnist}: {@link LoadMnistOptions} plus the lookup settings. */
export interface FashionMnistOptions extends LoadMnistOptions, Omit<LocateOptions, "split" | "dir"> {}

const parsed = new Map<string, { stamp: string; pair: IdxPair }>();

/** Reads an idx images/labels pair, memoised per process (keyed by path, size and modification time). */
export async function readIdxPairCached(imagesPath: string, labelsPath: string): Promise<IdxPair> {
  const stamp = [imagesPath, labelsPath].map((p) => {
    const s = Deno.statSync(p);
    return `${s.size}:${s.mtime?.getTime()}`;
  }).join("|");
  const key = `${imagesPath}|${labelsPath}`;
  const hit = parsed.get(key);
  if (hit && hit.stamp === stamp) return hit.pair;
  const pair = await readIdxPair(imagesPath, labelsPath);
  parsed.set(key, { stamp, pair });
  return pair;
}

/** Builds a Dataset from an idx pair, applying `limit` (class-balanced, seeded). */
export function datasetFromIdx(pair: IdxPair, classNames: readonly string[], options: LoadMnistOptions): Dataset {
  const [, h, w] = pair.images.dims;
  const indices = options.limit !== undefined && options.limit < pair.labels.dims[0]
    ? balancedIndices(pair.labels.data, { limit: options.limit, seed: options.seed ?? 0 })
    : undefined;
  return datasetFromBytes(pair.images.data, pair.labels.data, {
    imageShape: [h, w, 1],
    classNames: [...classNames],
    indices,
    split: options.split ?? "train",
  });
}

function checkLimit(limit: unknown): void {
  if (limit !== undefined && (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1)) {
    throw new LearnerError(`limit debe ser un entero ≥ 1 (número de imágenes) y es ${JSON.stringify(limit)}.`);
  }
}

/**
 * Loads Fashion-MNIST as a {@link Dataset}: images `[n, 28, 28, 1]` float32 in [0, 1], int32 labels,
 * Spanish class names ({@link FASHION_MNIST_CLASSES}). Works offline when the Debian package or the
 * cache holds the files.
 *
 * @example
 * const test = await loadFashionMnist({ split: "test", limit: 1000 }); // 100 per class
 */
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<Dataset> {
  checkOptions("loadFashionMnist", options, {
    split: true,
    limit: true,
    dir: true,
    seed: true,
    cacheDir: true,
    systemDir: true,
    baseUrl: true,
    download: true,
    progress: true,
  });
  checkOptionalNumber("seed", options.seed);
  checkLimit(options.limit);
  const files = await locateFashionMnist(options);
  const pair = await readIdxPairCached(files.images, files.labels);
  return datasetFromIdx(pair, FASHION_MNIST_CLASSES, options);
}
