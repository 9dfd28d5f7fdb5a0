/**
 * The `Dataset` type shared by every loader, and the operations on it: class-balanced subsets,
 * class selection with relabelling, seeded train/validation split, disposal.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { seededRandom, shuffleInPlace } from "./random.ts";
import { checkOptions } from "../engine/validate.ts";

/**
 * Which part of the data a dataset is: `train` (to fit the weights), `validation` (carved from the training
 * set, to choose epochs, learning rate, early stopping…) or `test` (measured once, at the end).
 */
export type DatasetSplit = "train" | "validation" | "test";

/** A labelled image dataset held as tensors. Dispose it with {@link disposeDataset} when done. */
export interface Dataset {
  /** Images `[n, height, width, channels]`, float32 in [0, 1], channels last. */
  images: tf.Tensor4D;
  /** Class index of each image, int32 `[n]`, in `0 .. classNames.length - 1`. */
  labels: tf.Tensor1D;
  /** Name of each class (Spanish), indexed by label. */
  classNames: string[];
  /** The split it comes from, when known (set by the loaders and kept by `subset` / `splitDataset`). */
  split?: DatasetSplit;
}

/** Frees the tensors of one or more datasets. */
export function disposeDataset(...datasets: Array<Dataset | undefined>): void {
  for (const ds of datasets) {
    if (!ds) continue;
    ds.images.dispose();
    ds.labels.dispose();
  }
}

/** Options for {@link datasetFromBytes}. */
export interface DatasetFromBytesOptions {
  /** Shape of one image, `[height, width, channels]`. */
  imageShape: [number, number, number];
  /** Class names, indexed by label. */
  classNames: string[];
  /** Keep only these example indices (in this order); default all. */
  indices?: ArrayLike<number>;
  /** The split the bytes come from (stored in the dataset's `split`). */
  split?: DatasetSplit;
}

/**
 * Builds a {@link Dataset} from raw 8-bit pixels (row-major, `n × height × width × channels`) and
 * labels; pixels are scaled to [0, 1]. One typed-array pass and one tensor per field (fast for 60k images).
 */
export function datasetFromBytes(
  pixels: Uint8Array,
  labels: ArrayLike<number>,
  options: DatasetFromBytesOptions,
): Dataset {
  const [h, w, c] = options.imageShape;
  const size = h * w * c;
  const total = labels.length;
  if (pixels.length !== total * size) {
    throw new Error(
      `datasetFromBytes: pixels tiene ${pixels.length} valores y se esperaban ${total} × ${h}×${w}×${c} = ${
        total * size
      }.`,
    );
  }
  const idx = options.indices;
  const n = idx ? idx.length : total;
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  const scale = 1 / 255;
  for (let i = 0; i < n; i++) {
    const src = idx ? idx[i] : i;
    y[i] = labels[src];
    const off = src * size;
    const dst = i * size;
    for (let j = 0; j < size; j++) x[dst + j] = pixels[off + j] * scale;
  }
  for (let i = 0; i < n; i++) {
    if (y[i] < 0 || y[i] >= options.classNames.length) {
      throw new Error(
        `Etiqueta ${y[i]} fuera de rango en el ejemplo ${idx ? idx[i] : i}: hay ${options.classNames.length} clases.`,
      );
    }
  }
  return {
    images: tf.tensor4d(x, [n, h, w, c], "float32"),
    labels: tf.tensor1d(y, "int32"),
    classNames: [...options.classNames],
    ...(options.split ? { split: options.split } : {}),
  };
}

/** Options for {@link balancedIndices}. */
export interface BalancedIndicesOptions {
  /** Keep only these classes (label values); default all present. */
  classes?: number[];
  /** Examples per class. */
  perClass?: number;
  /** Total examples, spread evenly over the classes (the first classes get one more when it does not divide). */
  limit?: number;
  /** Seed of the random choice; default 0. */
  seed?: number;
}

/**
 * Indices of a class-balanced, seeded random subset of `labels` (pure JS, no tensors), in ascending
 * order. Throws when a class has fewer examples than requested.
 */
export function balancedIndices(labels: ArrayLike<number>, options: BalancedIndicesOptions = {}): Int32Array {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    let list = byClass.get(l);
    if (!list) byClass.set(l, list = []);
    list.push(i);
  }
  const classes = options.classes ?? [...byClass.keys()].sort((a, b) => a - b);
  if (options.perClass !== undefined && (!Number.isInteger(options.perClass) || options.perClass < 1)) {
    throw new Error(`perClass debe ser un entero ≥ 1 y es ${options.perClass}.`);
  }
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
    throw new Error(`limit debe ser un entero ≥ 1 y es ${options.limit}.`);
  }
  const rand = seededRandom(options.seed ?? 0);
  const picked: number[] = [];
  classes.forEach((cls, k) => {
    const pool = byClass.get(cls) ?? [];
    let want = pool.length;
    if (options.perClass !== undefined) want = options.perClass;
    else if (options.limit !== undefined) {
      want = Math.floor(options.limit / classes.length) + (k < options.limit % classes.length ? 1 : 0);
    }
    if (want > pool.length) {
      throw new Error(
        `La clase ${cls} tiene ${pool.length} ejemplos y se pidieron ${want}; pide menos (perClass/limit).`,
      );
    }
    const chosen = want === pool.length ? pool : shuffleInPlace(pool.slice(), rand).slice(0, want);
    picked.push(...chosen);
  });
  return Int32Array.from(picked).sort();
}

/** Options for {@link subset}. */
export interface SubsetOptions extends BalancedIndicesOptions {
  /** Renumber the kept `classes` as 0, 1, … in the given order (and keep only their names); default true. */
  relabel?: boolean;
}

/**
 * A new dataset with a class-balanced, seeded subset of `ds` — e.g. Fashion-MNIST classes 5–9 with 20
 * images each, relabelled 0..4: `subset(ds, { classes: [5, 6, 7, 8, 9], perClass: 20, seed: 1 })`.
 * `ds` is left untouched; dispose both when done.
 */
export async function subset(ds: Dataset, options: SubsetOptions = {}): Promise<Dataset> {
  checkOptions("subset", options, { classes: true, perClass: true, limit: true, seed: true, relabel: true });
  checkOptions("subset", options, { classes: true, perClass: true, limit: true, seed: true, relabel: true });
  for (const c of options.classes ?? []) {
    if (!Number.isInteger(c) || c < 0 || c >= ds.classNames.length) {
      throw new Error(`subset: la clase ${c} no existe; las clases van de 0 a ${ds.classNames.length - 1}.`);
    }
  }
  const labels = await ds.labels.data();
  const idx = balancedIndices(labels, options);
  const relabel = options.relabel ?? true;
  const classes = options.classes;
  const newLabels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const l = labels[idx[i]];
    newLabels[i] = relabel && classes ? classes.indexOf(l) : l;
  }
  const images = tf.tidy(() => tf.gather(ds.images, tf.tensor1d(idx, "int32")) as tf.Tensor4D);
  return {
    images,
    labels: tf.tensor1d(newLabels, "int32"),
    classNames: relabel && classes ? classes.map((c) => ds.classNames[c]) : [...ds.classNames],
    ...(ds.split ? { split: ds.split } : {}),
  };
}

/** Options for {@link splitDataset}. */
export interface SplitOptions {
  /** Fraction of the examples that go to validation, in (0, 1); default 0.2. */
  validation?: number;
  /** Seed of the shuffle; default 0. */
  seed?: number;
  /** Keep the class proportions in both parts (stratified split); default true. */
  stratified?: boolean;
}

/** The two parts returned by {@link splitDataset}. */
export interface SplitDatasets {
  /** Training part. */
  train: Dataset;
  /** Validation part. */
  validation: Dataset;
}

/**
 * Splits `ds` into seeded, shuffled training and validation parts (stratified by class by default:
 * each class contributes `round(count · validation)` examples). The parts' `split` is `train` and
 * `validation` — unless `ds` is a test split, whose parts stay `test`. `ds` is left untouched; dispose the
 * three datasets when done.
 */
export async function splitDataset(ds: Dataset, options: SplitOptions = {}): Promise<SplitDatasets> {
  checkOptions("splitDataset", options, { validation: true, seed: true, stratified: true });
  checkOptions("splitDataset", options, { validation: true, seed: true, stratified: true });
  const frac = options.validation ?? 0.2;
  if (!(frac > 0 && frac < 1)) {
    throw new Error(`splitDataset: validation debe estar entre 0 y 1 (fracción para validación) y es ${frac}.`);
  }
  const labels = await ds.labels.data();
  const rand = seededRandom(options.seed ?? 0);
  const trainIdx: number[] = [];
  const valIdx: number[] = [];
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const key = options.stratified === false ? 0 : labels[i];
    let list = groups.get(key);
    if (!list) groups.set(key, list = []);
    list.push(i);
  }
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const list = shuffleInPlace(groups.get(key)!, rand);
    const nVal = Math.round(list.length * frac);
    valIdx.push(...list.slice(0, nVal));
    trainIdx.push(...list.slice(nVal));
  }
  shuffleInPlace(trainIdx, rand);
  shuffleInPlace(valIdx, rand);
  const fromTest = ds.split === "test";
  const take = (idx: number[], split: DatasetSplit): Dataset =>
    tf.tidy(() => {
      const t = tf.tensor1d(idx, "int32");
      return {
        images: tf.gather(ds.images, t) as tf.Tensor4D,
        labels: tf.gather(ds.labels, t) as tf.Tensor1D,
        classNames: [...ds.classNames],
        split: fromTest ? "test" : split,
      };
    });
  return { train: take(trainIdx, "train"), validation: take(valIdx, "validation") };
}

/** Number of examples of each class of `ds` (index = label). */
export async function classCounts(ds: Dataset): Promise<number[]> {
  const counts = new Array(ds.classNames.length).fill(0);
  for (const l of await ds.labels.data()) counts[l]++;
  return counts;
}
