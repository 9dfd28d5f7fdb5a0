/**
 * Files that are never half-written: every file the kit writes (checkpoints, histories, downloads, the
 * patched wasm worker, generated notebooks) goes to a temporary name in the same folder and is renamed
 * over the target, a single atomic step — an interrupted write leaves the old file or none, never a
 * truncated one.
 * @module
 */
import { basename, dirname, join } from "node:path";

let counter = 0;

/** A fresh temporary name beside `path` (same folder, so the final rename is atomic): `.name.<pid>.<n>.tmp`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${Deno.pid}.${Date.now().toString(36)}.${++counter}.tmp`);
}

/** Renames `tmp` over `path`; on failure removes `tmp` and rethrows. */
export async function commitTemp(tmp: string, path: string): Promise<void> {
  try {
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/** Writes a file atomically: temporary file in the same directory, then rename over the target. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  await commitTemp(tmp, path);
}

/** Synchronous {@link writeFileAtomic}, for module start-up code that cannot await. */
export function writeFileAtomicSync(path: string, data: string): void {
  const tmp = tempPathFor(path);
  try {
    Deno.writeTextFileSync(tmp, data);
    Deno.renameSync(tmp, path);
  } catch (err) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never created */ }
    throw err;
  }
}
