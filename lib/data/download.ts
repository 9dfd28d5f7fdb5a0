/**
 * Downloading a data file safely: progress bar, checksum, atomic rename (an interrupted or corrupt
 * download never leaves a file at the destination).
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";
import { commitTemp, tempPathFor } from "../engine/files.ts";
import { formatNumber, formatPercent } from "../engine/format.ts";
import { LearnerError } from "../engine/learner_error.ts";

/** Checksums of a downloaded file, given to {@link DownloadOptions.verify}. */
export interface DownloadDigests {
  /** SHA-256 of the downloaded bytes, lowercase hex. */
  sha256: string;
  /** MD5 of the downloaded bytes, lowercase hex (some datasets publish only MD5). */
  md5: string;
  /** Number of bytes. */
  bytes: number;
}

/** Options for {@link downloadFile}. */
export interface DownloadOptions {
  /** Expected SHA-256 (hex) of the file; a mismatch deletes the download and throws. */
  sha256?: string;
  /**
   * Extra check run on the complete temporary file before the rename; return an error message to reject
   * it (the file is then deleted), or undefined to accept it.
   */
  verify?: (tmpPath: string, digests: DownloadDigests) => Promise<string | undefined> | string | undefined;
  /**
   * Progress display: true = bar on a terminal (a few lines otherwise), false = silent, or a callback
   * `(received, total)` (total is 0 when the server does not say). Default true.
   */
  progress?: boolean | ((received: number, total: number) => void);
  /** Name shown next to the progress bar; default the file name. */
  label?: string;
}

function mb(n: number): string {
  return formatNumber(n / 1e6, { decimals: 1 });
}

function makeProgress(label: string, option: DownloadOptions["progress"]): (received: number, total: number) => void {
  if (typeof option === "function") return option;
  if (option === false) return () => {};
  let tty = false;
  try {
    tty = Deno.stderr.isTerminal();
  } catch { /* no terminal information */ }
  const enc = new TextEncoder();
  let lastQuarter = -1;
  let lastDraw = 0;
  return (received, total) => {
    const frac = total > 0 ? Math.min(1, received / total) : 0;
    const done = total > 0 && received >= total;
    if (tty) {
      const now = Date.now();
      if (!done && now - lastDraw < 100) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(frac * width);
      const bar = total > 0
        ? `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${formatPercent(frac, { decimals: 0 })}`
        : "";
      const line = `\r${label} ${bar} ${mb(received)}${total > 0 ? "/" + mb(total) : ""} MB${done ? "\n" : ""}`;
      Deno.stderr.writeSync(enc.encode(line));
    } else {
      const quarter = total > 0 ? Math.floor(frac * 4) : -1;
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        console.error(`${label}: ${formatPercent(frac, { decimals: 0 })} (${mb(received)}/${mb(total)} MB)`);
      }
    }
  };
}

/**
 * Downloads `url` to `dest`: streams into a temporary file next to `dest` while hashing, checks the
 * SHA-256 (and `verify`), then renames atomically. On any failure (HTTP error, interrupted stream,
 * checksum mismatch) the temporary file is removed and nothing appears at `dest`.
 * Creates the destination folder. Returns the digests of the file.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadDigests> {
  await Deno.mkdir(dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  const label = options.label ?? basename(dest);
  const report = makeProgress(label, options.progress ?? true);
  const sha = createHash("sha256");
  const md5 = createHash("md5");
  let received = 0;
  try {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (e) {
      throw new LearnerError(`No se pudo descargar ${url}: ${(e as Error).message}. ¿Hay conexión a internet?`);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new LearnerError(`No se pudo descargar ${url}: HTTP ${response.status} ${response.statusText}.`);
    }
    const total = Number(response.headers.get("content-length") ?? 0);
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      for await (const chunk of response.body) {
        sha.update(chunk);
        md5.update(chunk);
        received += chunk.length;
        let off = 0;
        while (off < chunk.length) off += await file.write(chunk.subarray(off));
        report(received, total);
      }
    } finally {
      file.close();
    }
    if (total > 0 && received !== total) {
      throw new LearnerError(`Descarga incompleta de ${url}: ${received} de ${total} bytes.`);
    }
    report(received, received);
    const digests: DownloadDigests = { sha256: sha.digest("hex"), md5: md5.digest("hex"), bytes: received };
    if (options.sha256 && digests.sha256 !== options.sha256.toLowerCase()) {
      throw new LearnerError(
        `La suma SHA-256 de ${url} no coincide: se esperaba ${options.sha256} y se obtuvo ${digests.sha256}. ` +
          `El fichero se ha borrado; vuelve a intentarlo o descárgalo a mano.`,
      );
    }
    const problem = await options.verify?.(tmp, digests);
    if (problem) throw new LearnerError(`La descarga de ${url} no es válida: ${problem}. El fichero se ha borrado.`);
    await commitTemp(tmp, dest);
    return digests;
  } catch (e) {
    try {
      await Deno.remove(tmp);
    } catch { /* never created */ }
    throw e;
  }
}
