/**
 * sharp pipelines as data: a {@link SharpJob} (input, method calls, output) that runs the same in this
 * isolate ({@link localSharp}) or in a worker ({@link SharpWorker}), so that long photo loops can keep sharp
 * out of the notebook's isolate.
 *
 * Why: Jupyter's Stop (kit kernelspec, `interrupt_mode: "message"`) terminates the JavaScript of the kernel's
 * main isolate. A sharp call in flight then completes into a terminated isolate, and its native completion
 * callback aborts the whole Deno process (`std::bad_function_call`): the kernel dies, variables are lost.
 * In a worker, sharp's callbacks run in the worker's isolate, which Stop does not touch; the loop that uses
 * it terminates the worker when it is stopped ({@link withSharpWorker}). Same sharp, same calls, same bytes.
 *
 * This module does not import TF.js, so that the worker ({@link SHARP_WORKER_URL}) starts fast (≈ 0,1 s).
 * @module
 */
import sharp from "sharp";
import { Buffer } from "node:buffer";
import { Worker } from "node:worker_threads";
import type { StoppableLoop, WaitProbe } from "../engine/interrupt.ts";

/** An 8-bit image in memory: row-major `height × width × channels` bytes. */
export interface RawImage {
  /** Pixel bytes, `data[(y * width + x) * channels + c]`. */
  data: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

/** An image given as a file path, encoded bytes (JPEG/PNG/…) or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** One method call of a sharp pipeline: its name and arguments (plain data; bytes as `Uint8Array`). */
export type SharpOp = [method: string, ...args: unknown[]];

/** A sharp pipeline as data: `sharp(input).op1(...).op2(...)` then raw pixels or the encoded file. */
export interface SharpJob {
  /** A file path, encoded bytes or raw pixels. */
  input: ImageInput;
  /** The calls, in order (e.g. `["resize", 64, 64, { fit: "cover" }]`, `["png"]`). */
  ops: SharpOp[];
  /** `"raw"` (default): raw pixels; `"encoded"`: the bytes of the format the ops chose (e.g. after `["png"]`). */
  output?: "raw" | "encoded";
}

/** Something that runs {@link SharpJob}s: {@link localSharp} or a {@link SharpWorker}. */
export interface SharpRunner {
  /** Runs the job; `data` holds raw pixels (`output: "raw"`) or the encoded file. */
  run(job: SharpJob): Promise<RawImage>;
}

/** A sharp pipeline reading any {@link ImageInput}. */
export function sharpOf(input: ImageInput): sharp.Sharp {
  if (typeof input === "string" || input instanceof Uint8Array) return sharp(input);
  return sharp(input.data, {
    raw: { width: input.width, height: input.height, channels: input.channels as 1 | 2 | 3 | 4 },
  });
}

/** Bytes in arguments become Buffers (sharp wants them for e.g. `composite` inputs). */
function revive(x: unknown): unknown {
  if (x instanceof Uint8Array) return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  if (Array.isArray(x)) return x.map(revive);
  if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, revive(v)]));
  return x;
}

/** Runs a {@link SharpJob} with sharp in this isolate. */
export async function runSharpJob(job: SharpJob): Promise<RawImage> {
  // deno-lint-ignore no-explicit-any
  let img: any = sharpOf(job.input);
  for (const [method, ...args] of job.ops) {
    if (typeof img[method] !== "function") throw new Error(`sharp no tiene el método ${method}.`);
    img = img[method](...args.map(revive));
  }
  if ((job.output ?? "raw") === "raw") img = img.raw();
  const { data, info } = await (img as sharp.Sharp).toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: info.channels,
  };
}

/** Runs jobs in this isolate (short single calls; a long loop should use {@link withSharpWorker}). */
export const localSharp: SharpRunner = { run: runSharpJob };

/** The worker module that runs jobs (`sharp_worker.ts`). */
export const SHARP_WORKER_URL: URL = new URL("./sharp_worker.ts", import.meta.url);

/** Jobs in flight at most (slots of the worker's "answered" flags). */
export const SHARP_SLOTS = 1024;

/** A message from the worker: the result or the error of job `id`. */
export interface SharpReply {
  /** The job's number. */
  id: number;
  /** The result, when it worked. */
  result?: RawImage;
  /** The error's message, when it failed. */
  error?: string;
}

/**
 * A worker thread running {@link SharpJob}s (several at once: sharp's own threads do the work). Close it when
 * done ({@link close}); a closed worker rejects what was still running.
 *
 * A `node:worker_threads` worker, not a Web `Worker`: once the wasm backend has started its own thread pool
 * (`engine/threads.ts`), a Web Worker started by Deno gets no `self` and its messages never reach the page's
 * side (measured with Deno 2.9); node workers are unaffected.
 */
export class SharpWorker implements SharpRunner {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: RawImage) => void; reject: (e: Error) => void }>();
  /** `answered[id % SLOTS]` = 1 once the worker has posted job id's reply (written by the worker). */
  private readonly answered = new Int32Array(new SharedArrayBuffer(4 * SHARP_SLOTS));
  /** Jobs whose reply this side has received and settled. */
  private readonly handled = new Set<number>();
  private next = 0;
  private closed = false;

  /** Starts the worker (its module loads while the first jobs are queued). */
  constructor() {
    this.worker = new Worker(SHARP_WORKER_URL, { workerData: { answered: this.answered } });
    this.worker.unref(); // an idle helper never keeps a script from ending (referenced while jobs run)
    this.worker.on("message", (reply: SharpReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.error !== undefined) p.reject(new Error(reply.error));
      else p.resolve(reply.result!);
      this.handled.add(reply.id); // last: a handler cut before this point shows as answered, not handled
    });
    this.worker.on("error", (e: Error) => {
      this.fail(new Error(`El proceso auxiliar de imágenes (sharp) falló: ${e.message}`));
    });
  }

  /** Runs `job` in the worker. */
  run(job: SharpJob): Promise<RawImage> {
    return this.start(job).result;
  }

  /**
   * Runs `job` and returns, with its result, a {@link WaitProbe} for a stoppable loop's wait: `true` while
   * the worker works on it (however long: a cold start, a big photo), `false` when its reply arrived more
   * than `graceMs` ago and was not taken, or was taken and the code awaiting it did not resume (Stop cut it).
   */
  start(job: SharpJob, graceMs = 500): { result: Promise<RawImage>; probe: WaitProbe } {
    if (this.closed) return { result: Promise.reject(new Error("SharpWorker cerrado.")), probe: () => undefined };
    const id = this.next++;
    Atomics.store(this.answered, id % SHARP_SLOTS, 0);
    const result = new Promise<RawImage>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, job });
    }).finally(() => this.handled.delete(id));
    let answeredAt = 0;
    const probe = () => {
      if (this.handled.has(id)) return false;
      if (Atomics.load(this.answered, id % SHARP_SLOTS) !== 1) return true;
      answeredAt ||= performance.now();
      return performance.now() - answeredAt < graceMs;
    };
    return { result, probe };
  }

  private fail(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.worker.unref();
  }

  /** Terminates the worker (at once, even with jobs running: they are rejected). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.terminate().catch(() => {});
    this.fail(new Error("SharpWorker cerrado."));
  }
}

/**
 * Runs `fn` with a {@link SharpWorker} whose jobs are watched waits of `loop` (Jupyter's Stop is noticed
 * while sharp works); the worker is terminated when `fn` ends, fails, or the loop is stopped.
 */
export async function withSharpWorker<T>(loop: StoppableLoop, fn: (sharp: SharpRunner) => Promise<T>): Promise<T> {
  const worker = new SharpWorker();
  loop.addCleanup(() => worker.close());
  try {
    return await fn({
      run: (job) => {
        const { result, probe } = worker.start(job);
        return loop.wait(result, probe);
      },
    });
  } finally {
    worker.close();
  }
}
