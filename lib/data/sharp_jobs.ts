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
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { StoppableLoop } from "../engine/interrupt.ts";

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
  /** Runs the jobs at the same time; each result is the image or the job's error. */
  runEach(jobs: SharpJob[]): Promise<Array<RawImage | Error>>;
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
export const localSharp: SharpRunner = {
  run: runSharpJob,
  runEach: (jobs) => Promise.all(jobs.map((j) => runSharpJob(j).catch((e: Error) => e))),
};

/** The worker module that runs jobs (`sharp_worker.ts`). */
export const SHARP_WORKER_URL: URL = new URL("./sharp_worker.ts", import.meta.url);

/** A reply of the worker: the result or the error of job `id`. */
export interface SharpReply {
  /** The job's number. */
  id: number;
  /** The result, when it worked. */
  result?: RawImage;
  /** The error's message, when it failed. */
  error?: string;
}

/** What the worker thread is given (`workerData`). */
export interface SharpWorkerData {
  /** Where it posts its replies. */
  port: MessagePort;
  /** `signal[0]` is incremented (and notified) after each reply. */
  signal: Int32Array;
}

/**
 * A worker thread running {@link SharpJob}s, several at once (sharp's own threads do the work), while this
 * thread **blocks** until they are answered. Close it when done ({@link close}).
 *
 * Why block: with the kit's kernelspec, Jupyter's Stop terminates whatever JavaScript of the kernel runs
 * next. If the kernel is idle at that moment (awaiting a reply), that is a timer or message callback of
 * Deno's event loop, and then the kernel's timers stop for good (measured with Deno 2.9: a `setInterval`
 * never fires again), so no watchdog ({@link StoppableLoop}) can notice the Stop and the cell hangs.
 * Waiting with `Atomics.wait` keeps the kernel inside the loop's own code, where a Stop is noticed at once.
 *
 * A `node:worker_threads` worker, not a Web `Worker`: once the wasm backend has started its own thread pool
 * (`engine/threads.ts`), a Web Worker started by Deno gets no `self` and its messages never reach this side
 * (Deno 2.9); node workers are unaffected, and `receiveMessageOnPort` reads their replies synchronously.
 */
export class SharpWorker implements SharpRunner {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly replies = new Map<number, SharpReply>();
  private next = 0;
  private closed = false;
  /** Longest wait for a sign of life of the worker, ms (then its jobs fail); default 120 000. */
  timeoutMs = 120_000;

  /** Starts the worker (its module loads while the first jobs are queued). */
  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const workerData: SharpWorkerData = { port: port2, signal: this.signal };
    this.worker = new Worker(SHARP_WORKER_URL, { workerData, transferList: [port2] });
    this.worker.unref(); // nothing is awaited from it asynchronously
    this.port.unref?.();
  }

  /** Runs `job` in the worker, blocking this thread until it is done. */
  run(job: SharpJob): Promise<RawImage> {
    const [r] = this.runEachSync([job]);
    return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
  }

  /** Runs the jobs at the same time in the worker, blocking this thread until all are done. */
  runEach(jobs: SharpJob[]): Promise<Array<RawImage | Error>> {
    return Promise.resolve(this.runEachSync(jobs));
  }

  /** {@link runEach} without the promise. */
  runEachSync(jobs: SharpJob[]): Array<RawImage | Error> {
    if (this.closed) return jobs.map(() => new Error("SharpWorker cerrado."));
    const ids = jobs.map((job) => {
      const id = this.next++;
      this.worker.postMessage({ id, job });
      return id;
    });
    let seen = Atomics.load(this.signal, 0);
    let lastSign = performance.now();
    while (ids.some((id) => !this.replies.has(id))) {
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const reply = m.message as SharpReply;
        this.replies.set(reply.id, reply);
        lastSign = performance.now();
      }
      if (ids.every((id) => this.replies.has(id))) break;
      if (performance.now() - lastSign > this.timeoutMs) {
        this.close();
        return ids.map((id) => this.take(id) ?? new Error("El proceso auxiliar de imágenes (sharp) no responde."));
      }
      Atomics.wait(this.signal, 0, seen, 50); // slices: a Stop is acted on within one
      seen = Atomics.load(this.signal, 0);
    }
    return ids.map((id) => this.take(id)!);
  }

  private take(id: number): RawImage | Error | undefined {
    const reply = this.replies.get(id);
    if (!reply) return undefined;
    this.replies.delete(id);
    return reply.error !== undefined ? new Error(reply.error) : reply.result!;
  }

  /** Whether {@link close} was called (or the worker stopped answering). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Terminates the worker (at once, even with jobs running). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.terminate().catch(() => {});
    this.port.close();
    this.replies.clear();
  }
}

/**
 * Runs several independent pipelines (async functions that call `run` one job at a time, like
 * `augmentImageWith`) in lockstep over `sharp`: each round sends the next job of every pipeline still running
 * in one {@link SharpRunner.runEach} batch. Same jobs, same results; with a {@link SharpWorker} it saves one
 * round trip per job and pipeline (measured: an 8-photo augmentation preview 0,85 s → 0,2 s). No timers:
 * a round starts when every live pipeline is waiting for its job.
 */
export async function runInLockstep<T>(
  sharp: SharpRunner,
  pipelines: Array<(runner: SharpRunner) => Promise<T>>,
): Promise<T[]> {
  type Queued = { job: SharpJob; resolve: (r: RawImage) => void; reject: (e: Error) => void };
  const queue: Queued[] = [];
  let live = pipelines.length;
  let ready: (() => void) | undefined;
  const check = () => {
    if (ready && queue.length >= live) {
      const r = ready;
      ready = undefined;
      r();
    }
  };
  const runner: SharpRunner = {
    run: (job) =>
      new Promise<RawImage>((resolve, reject) => {
        queue.push({ job, resolve, reject });
        check();
      }),
    runEach: (jobs) => Promise.all(jobs.map((job) => runner.run(job).catch((e: Error) => e))),
  };
  const results = pipelines.map((p) =>
    p(runner).finally(() => {
      live--;
      check();
    })
  );
  while (live > 0) {
    await new Promise<void>((r) => {
      ready = r;
      check();
    });
    const batch = queue.splice(0);
    if (batch.length === 0) continue;
    const out = await sharp.runEach(batch.map((q) => q.job));
    batch.forEach((q, i) => {
      const r = out[i];
      if (r instanceof Error) q.reject(r);
      else q.resolve(r);
    });
  }
  const settled = await Promise.allSettled(results);
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** The worker {@link withSharpWorker} reuses from one call to the next (starting one costs ~1–2 s in a kernel). */
let shared: SharpWorker | undefined;

/**
 * Runs `fn` with the kit's {@link SharpWorker} for `loop` (Jupyter's Stop is noticed while sharp works, see
 * {@link SharpWorker}). The worker is started on first use and kept for the next calls; it is terminated
 * (and a fresh one started next time) when the loop is stopped or a job fails to answer.
 */
export async function withSharpWorker<T>(loop: StoppableLoop, fn: (sharp: SharpRunner) => Promise<T>): Promise<T> {
  if (!shared || shared.isClosed) shared = new SharpWorker();
  const worker = shared;
  loop.addCleanup(() => worker.close());
  return await fn({
    run: (job) => loop.wait(worker.run(job)),
    runEach: (jobs) => loop.wait(worker.runEach(jobs)),
  });
}
