/**
 * Multithreaded wasm backend under Deno.
 *
 * `@tensorflow/tfjs-backend-wasm` ships a threaded SIMD build (XNNPACK on a pthreadpool of Web Workers)
 * but never enables it under Node-compatible runtimes (tfjs issue #3830), and its Emscripten glue does not
 * run as is on Deno's `node:worker_threads`. {@link withWasmThreads} wraps the backend's first
 * initialisation and patches exactly what stands in the way, only for that moment:
 *
 * - the `WASM_HAS_MULTITHREAD_SUPPORT` flag (forced to true) and `setThreadsCount(n)`;
 * - `os.cpus()`: the C++ side caps the pool at `cpus / 2` ("hyper-threads"), so it reports `2·n` CPUs;
 * - `Blob` / `URL.createObjectURL`: Deno's Node workers need a file path, not a blob URL. The worker
 *   script and the module factory it imports are written once to a cache folder (atomically) as `.cjs`
 *   files, with three Node-isms Deno rejects removed from the worker (assigning `self`, `location`,
 *   `performance`) and its message handler renamed so it does not also become the Web `onmessage`.
 *
 * If anything does not match (another tfjs version) the caller falls back to one thread.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import os from "node:os";
import { join } from "node:path";
import { writeFileAtomicSync } from "./files.ts";

/** Options for {@link withWasmThreads}. */
export interface WasmThreadsOptions {
  /** Folder for the generated worker files (default: the system temp folder). */
  cacheDir?: string;
}

const FACTORY_MARK = "var WasmBackendModuleThreadedSimd";
/** Variables the factory source expects from tfjs-backend-wasm's bundle scope. */
const FACTORY_PRELUDE = "var require$$0 = require('fs'), require$$1 = require('path'), " +
  "require$$3 = require('perf_hooks'), require$$4 = require('os'), commonjsGlobal = globalThis;\n";

/** [search, replacement] pairs applied to the worker script; each must match exactly once. */
function workerPatches(factoryPath: string): Array<[string, string]> {
  return [
    [
      'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}',
      `if(true){importScripts(${JSON.stringify(factoryPath)})}`,
    ],
    ["location:{href:__filename},", ""],
    ["self:global,", ""],
    [",performance:global.performance||{now:function(){return Date.now()}}", ""],
    ["data=>onmessage({data:data})", "data=>self.__onmsg({data:data})"],
    ["self.onmessage=e=>", "self.__onmsg=e=>"],
  ];
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}

/**
 * Runs `init` (which must initialise the wasm backend for the first time, e.g. `tf.setBackend("wasm")`)
 * with the threaded build enabled for `threads` threads; restores every patched global afterwards.
 * Returns what `init` returns. Throws when the glue code does not look as expected.
 */
export async function withWasmThreads<T>(
  threads: number,
  init: () => Promise<T>,
  options: WasmThreadsOptions = {},
): Promise<T> {
  if (!Number.isInteger(threads) || threads < 2) {
    throw new Error(`withWasmThreads: threads debe ser un entero ≥ 2, se recibió ${threads}.`);
  }
  const dir = options.cacheDir ?? Deno.env.get("TMPDIR") ?? "/tmp";
  const OrigBlob = globalThis.Blob;
  const origCreate = URL.createObjectURL;
  const origCpus = os.cpus;
  let factoryText = "";
  let workerPath = "";
  let patchError: Error | undefined;

  class RecordingBlob extends OrigBlob {
    text_: string;
    constructor(parts?: BlobPart[], opts?: BlobPropertyBag) {
      super(parts, opts);
      this.text_ = parts?.every((p) => typeof p === "string") ? parts.join("") : "";
      if (this.text_.startsWith(FACTORY_MARK)) factoryText = this.text_;
    }
  }
  const createObjectURL = (blob: Blob): string => {
    const text = blob instanceof RecordingBlob ? blob.text_ : "";
    if (!text.includes("worker_threads") || !text.includes("importScripts")) return origCreate(blob);
    if (workerPath) return workerPath; // once per process: never rewrite a file a worker may be reading
    try {
      if (!factoryText) throw new Error("no se encontró el código de la fábrica del módulo wasm con hilos");
      const folder = join(dir, `tfjs-wasm-threads-${tf.version.tfjs}-${hash(factoryText + text)}`);
      Deno.mkdirSync(folder, { recursive: true });
      const factoryPath = join(folder, "factory.cjs");
      let worker = text;
      for (const [from, to] of workerPatches(factoryPath)) {
        if (worker.split(from).length !== 2) throw new Error(`el script del worker cambió: falta «${from}»`);
        worker = worker.replace(from, to);
      }
      writeFileAtomicSync(factoryPath, FACTORY_PRELUDE + factoryText);
      workerPath = join(folder, "worker.cjs");
      writeFileAtomicSync(workerPath, "globalThis.self = globalThis;\n" + worker);
      return workerPath;
    } catch (e) {
      patchError = e as Error;
      throw e;
    }
  };

  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  setThreadsCount(threads);
  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = createObjectURL;
  const cpus = Array.from({ length: 2 * threads }, (_, i) => origCpus()[i % Math.max(1, origCpus().length)]);
  (os as { cpus: () => unknown[] }).cpus = () => cpus;
  try {
    const out = await init();
    if (patchError) throw patchError;
    unrefWorkers();
    return out;
  } finally {
    globalThis.Blob = OrigBlob;
    URL.createObjectURL = origCreate;
    (os as { cpus: typeof origCpus }).cpus = origCpus;
  }
}

/**
 * Emscripten keeps running pthreads referenced so that Node waits for them; XNNPACK's pool threads never
 * finish, so without this a script would not exit after its last line.
 */
function unrefWorkers(): void {
  // deno-lint-ignore no-explicit-any
  const pthread = (tf.findBackend("wasm") as any)?.wasm?.PThread;
  for (const w of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) w.unref?.();
}

/** Threads the wasm backend computes with (1 until it is initialised). */
export function wasmThreadsCount(): number {
  try {
    return getThreadsCount();
  } catch {
    return 1;
  }
}
