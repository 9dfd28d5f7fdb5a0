/**
 * The worker thread of {@link SharpWorker} (`sharp_jobs.ts`): runs each {@link SharpJob} it is sent with
 * sharp and answers `{ id, result }` or `{ id, error }`, after flagging the job as answered in the shared
 * `answered` array (so the page's side can tell a reply it lost to a Stop from work still going on). Jobs run
 * concurrently.
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { runSharpJob, SHARP_SLOTS, type SharpJob, type SharpReply } from "./sharp_jobs.ts";

const answered: Int32Array = workerData.answered;

parentPort?.on("message", async ({ id, job }: { id: number; job: SharpJob }) => {
  let reply: SharpReply;
  try {
    reply = { id, result: await runSharpJob(job) };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  }
  Atomics.store(answered, id % SHARP_SLOTS, 1);
  parentPort?.postMessage(reply);
});
