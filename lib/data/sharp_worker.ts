/**
 * The worker thread of {@link SharpWorker} (`sharp_jobs.ts`): runs each {@link SharpJob} it is sent with
 * sharp, posts `{ id, result }` or `{ id, error }` on its reply port and then bumps and notifies the shared
 * signal (the other side waits on it with `Atomics.wait`). Jobs run concurrently.
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { runSharpJob, type SharpJob, type SharpReply, type SharpWorkerData } from "./sharp_jobs.ts";

const { port, signal } = workerData as SharpWorkerData;

parentPort?.on("message", async ({ id, job }: { id: number; job: SharpJob }) => {
  let reply: SharpReply;
  try {
    reply = { id, result: await runSharpJob(job) };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
