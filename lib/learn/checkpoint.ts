/**
 * Saving and loading layers models on the local disk, atomically, with `tf.io`.
 *
 * Plain TF.js has no `file://` handler under Deno (it lives in tfjs-node), so this module provides one and
 * registers it: after importing `lib/mod.ts`, `model.save("file://dir")` and `tf.loadLayersModel("file://dir/model.json")`
 * work. A model directory holds `model.json` and one weights file `weights.<hash>.bin` named after its content.
 *
 * Atomicity: the weights go to a temporary file that is renamed into place, then `model.json` (which names
 * the weights file) is written to a temporary file and renamed over the old one — a single atomic rename
 * commits the new checkpoint. A save interrupted at any point leaves the previous `model.json` and the weights
 * file it names untouched, so the previous checkpoint stays loadable. Files no longer named are removed after
 * the commit.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { isAbsolute, join, resolve } from "node:path";
import type { History } from "./history.ts";
import { writeFileAtomic } from "../engine/files.ts";
import { checkModel, checkOptions, checkWritableDir } from "../engine/validate.ts";

/** Options for {@link fileSystemIO} and {@link saveModel}. */
export interface FileSaveOptions {
  /**
   * Called after the new weights are on disk and before `model.json` is replaced. Tests throw from it to
   * simulate a save interrupted at the worst moment.
   */
  beforeCommit?: () => void | Promise<void>;
}

/** Options for {@link saveModel}. */
export interface SaveModelOptions extends FileSaveOptions {
  /** Also save the optimizer's state (momentum, Adam moments) to resume training. Default false. */
  includeOptimizer?: boolean;
  /** JSON-serialisable metadata stored in `model.json` (`userDefinedMetadata`). */
  metadata?: Record<string, unknown>;
}

/** Options for {@link saveCheckpoint}. */
export interface CheckpointOptions extends FileSaveOptions {
  /** The training history so far (stored with the weights, in the same atomic commit). */
  history?: History;
}

/** A checkpoint read back by {@link loadCheckpoint}. */
export interface Checkpoint {
  /** The model, compiled with its restored optimizer when one was saved. */
  model: tf.LayersModel;
  /** The history saved with it, if any. */
  history?: History;
}

function toPath(dirOrUrl: string): string {
  let p = dirOrUrl.startsWith("file://") ? decodeURIComponent(dirOrUrl.slice("file://".length)) : dirOrUrl;
  if (p.endsWith("/model.json")) p = p.slice(0, -"/model.json".length);
  else if (p === "model.json") p = ".";
  return isAbsolute(p) ? p : resolve(p);
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A `tf.io.IOHandler` that saves to / loads from a local directory (`model.json` + `weights.<hash>.bin`),
 * atomically (see the module doc). `dir` may be a path, a `file://` URL, or either ending in `/model.json`.
 */
export function fileSystemIO(dir: string, options: FileSaveOptions = {}): tf.io.IOHandler {
  if (typeof dir !== "string" || dir.length === 0) {
    throw new Error(`dir="${dir}" no es una ruta válida: indica la carpeta del modelo, p. ej. "data/models/base".`);
  }
  const root = toPath(dir);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error("fileSystemIO guarda solo modelos de capas (LayersModel), no grafos binarios.");
      }
      await checkWritableDir("dir", root); // also refuses a model.json that is a folder, before any file is written
      const weights = artifacts.weightData == null
        ? new Uint8Array(0)
        : new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const weightsName = `weights.${(await sha256Hex(weights)).slice(0, 16)}.bin`;
      const weightsExisted = await exists(join(root, weightsName));
      await writeFileAtomic(join(root, weightsName), weights);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON["modelTopology"],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      try {
        await options.beforeCommit?.();
        await writeFileAtomic(join(root, "model.json"), JSON.stringify(modelJson));
      } catch (e) {
        // Not committed: the new weights file would be an orphan (the previous model.json names its own).
        if (!weightsExisted) await Deno.remove(join(root, weightsName)).catch(() => {});
        throw e;
      }
      // Committed: remove weights files and temporaries the new model.json does not name.
      for await (const entry of Deno.readDir(root)) {
        const stale =
          (entry.name.startsWith("weights.") && entry.name.endsWith(".bin") && entry.name !== weightsName) ||
          (entry.name.startsWith(".") && entry.name.endsWith(".tmp"));
        if (entry.isFile && stale) await Deno.remove(join(root, entry.name)).catch(() => {});
      }
      return {
        modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts),
        responses: [],
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(root, "model.json");
      if (!(await exists(jsonPath))) {
        throw new Error(`No hay ningún modelo guardado en "${root}" (falta model.json). Revisa la ruta.`);
      }
      const modelJson = JSON.parse(await Deno.readTextFile(jsonPath)) as tf.io.ModelJSON;
      return await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const bytes = await Deno.readFile(join(root, p));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

let registered = false;
/** Registers the `file://` scheme with `tf.io` (done once when this module is imported). */
export function registerFileScheme(): void {
  if (registered) return;
  registered = true;
  const router = (url: string | string[]) =>
    (typeof url === "string" && url.startsWith("file://") ? fileSystemIO(url) : null) as tf.io.IOHandler;
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
}
registerFileScheme();

/** Saves a layers model to a directory (atomically; see the module doc). */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  options: SaveModelOptions = {},
): Promise<tf.io.SaveResult> {
  checkModel("model", model);
  checkOptions("saveModel", options, { includeOptimizer: true, metadata: true, beforeCommit: true });
  const previous = model.getUserDefinedMetadata();
  if (options.metadata) model.setUserDefinedMetadata(options.metadata);
  // tf.js' optimizer.getWeights() creates a fresh `iter` scalar that model.save never disposes: dispose it here.
  const opt = options.includeOptimizer ? model.optimizer : undefined;
  const made: tf.Tensor[] = [];
  if (opt) {
    const getWeights = opt.getWeights;
    opt.getWeights = async () => {
      const w = await getWeights.call(opt);
      if (w[0]?.name === "iter") made.push(w[0].tensor);
      return w;
    };
  }
  try {
    return await model.save(fileSystemIO(dir, options), { includeOptimizer: options.includeOptimizer ?? false });
  } finally {
    // deno-lint-ignore no-explicit-any
    if (opt) delete (opt as any).getWeights;
    tf.dispose(made);
    // deno-lint-ignore no-explicit-any
    if (options.metadata) (model as any).userDefinedMetadata = previous;
  }
}

/**
 * Loads a layers model saved by {@link saveModel} (a directory, a `file://` URL) or served over http(s)
 * (e.g. `https://…/model.json`, needs network).
 */
export async function loadModel(dirOrUrl: string): Promise<tf.LayersModel> {
  if (typeof dirOrUrl !== "string" || dirOrUrl.length === 0) {
    throw new Error(`dirOrUrl="${dirOrUrl}" no es válido: indica una carpeta con model.json o una URL http(s).`);
  }
  if (/^https?:\/\//.test(dirOrUrl)) return await tf.loadLayersModel(dirOrUrl);
  return await tf.loadLayersModel(fileSystemIO(dirOrUrl));
}

/**
 * Saves a training checkpoint: weights, optimizer state and the history so far, in one atomic commit.
 * Resume with `const { model, history } = await loadCheckpoint(dir); await train(model, data, { history, … })`.
 */
export async function saveCheckpoint(
  model: tf.LayersModel,
  dir: string,
  options: CheckpointOptions = {},
): Promise<tf.io.SaveResult> {
  checkModel("model", model);
  checkOptions("saveCheckpoint", options, { history: true, beforeCommit: true });
  return await saveModel(model, dir, {
    includeOptimizer: model.optimizer != null,
    // Plain JSON (no undefined fields), as tf.io requires for metadata.
    metadata: options.history ? { history: JSON.parse(JSON.stringify(options.history)) } : undefined,
    beforeCommit: options.beforeCommit,
  });
}

/** Loads a checkpoint written by {@link saveCheckpoint}: the model (with its optimizer) and its history. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const model = await loadModel(dir);
  const meta = model.getUserDefinedMetadata() as { history?: History } | undefined;
  return { model, history: meta?.history };
}
