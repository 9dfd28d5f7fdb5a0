/**
 * What a training leaves behind: the per-epoch metrics and settings ({@link History}), saved and read back
 * as JSON (atomically), plotted by `show/plots.ts` and stored with checkpoints.
 * @module
 */
import type { ProgressEpoch } from "../show/progress.ts";
import { writeFileAtomic } from "../engine/files.ts";

/** Metrics of one epoch: what the progress display shows, plus timing. */
export interface EpochLogs extends ProgressEpoch {
  /** Wall-clock seconds of the epoch (training + validation). */
  seconds: number;
  /** Training throughput, samples per second. */
  samplesPerSecond: number;
}

/** What {@link train} returns: per-epoch metrics plus the settings that produced them. */
export interface History {
  /** One entry per epoch, in order. */
  epochs: EpochLogs[];
  /** Backend that ran the training. */
  backend: string;
  /** Optimizer name (`sgd`, `adam`, or the class name of a custom one). */
  optimizer: string;
  /** Mini-batch size. */
  batchSize: number;
  /** Seed of the shuffling and augmentation. */
  seed: number;
  /** Number of training examples per epoch. */
  trainSize: number;
  /** Why training ended: `epochs` (all done), `earlyStopping`, or `callback`. */
  stopReason: "epochs" | "earlyStopping" | "callback";
  /** Epoch with the best monitored value (when early stopping restored it, the model's weights). */
  bestEpoch?: number;
  /** Total seconds over all epochs (including resumed ones). */
  totalSeconds: number;
}

/** Saves a history as JSON (atomically). */
export async function saveHistory(history: History, path: string): Promise<void> {
  if (!history || !Array.isArray(history.epochs)) {
    throw new Error(`history debe ser el resultado de train() (recibido: ${typeof history}).`);
  }
  await writeFileAtomic(path, JSON.stringify(history, null, 1));
}

/** Reads a history saved by {@link saveHistory}. */
export async function loadHistory(path: string): Promise<History> {
  const h = JSON.parse(await Deno.readTextFile(path));
  if (!h || !Array.isArray(h.epochs)) throw new Error(`"${path}" no contiene un historial de entrenamiento.`);
  return h as History;
}
