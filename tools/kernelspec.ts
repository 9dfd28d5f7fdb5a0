/**
 * Installs the kit's Deno Jupyter kernelspec: the one writer of `kernels/deno/kernel.json`, used by
 * `tools/setup.sh` (project-local, `<repo>/.jupyter/jupyter`) and by `deno task kernel` (for the user, in
 * Jupyter's normal data folder).
 *
 * Differences with the bare `deno jupyter --install`:
 * - `"interrupt_mode": "message"`: Jupyter's Stop sends an `interrupt_request` on the control channel, which
 *   the Deno kernel (2.7+) answers by terminating the running JavaScript, so the kernel and its variables
 *   survive. Without it Jupyter sends SIGINT and the Deno process dies (the page shows "Dead kernel").
 * - an absolute path to the deno binary that runs this script, and `NO_COLOR=1` (plain error outputs).
 *
 * ```sh
 * deno task kernel                      # for your user (Linux: $XDG_DATA_HOME or ~/.local/share/jupyter)
 * deno task kernel --data-dir DIR       # into DIR/kernels/deno (DIR is a Jupyter data folder)
 * ```
 * The file is rewritten only when it differs (e.g. an older one without `interrupt_mode`), atomically.
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../lib/engine/files.ts";

/** The kernelspec the kit wants for a given deno binary. */
export function kernelSpec(denoExe: string): Record<string, unknown> {
  return {
    argv: [denoExe, "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: "Deno",
    language: "typescript",
    interrupt_mode: "message",
    env: { NO_COLOR: "1" },
  };
}

/**
 * Jupyter's user data folder, as `jupyter --data-dir` computes it: `JUPYTER_DATA_DIR` if set; else on Linux
 * `$XDG_DATA_HOME/jupyter` (default `~/.local/share/jupyter`), on macOS `~/Library/Jupyter`, on Windows
 * `%APPDATA%\jupyter`.
 */
export function userDataDir(env: (name: string) => string | undefined = (n) => Deno.env.get(n)): string {
  const explicit = env("JUPYTER_DATA_DIR");
  if (explicit) return explicit;
  const home = env("HOME") ?? env("USERPROFILE") ?? ".";
  if (Deno.build.os === "windows") return join(env("APPDATA") ?? join(home, "AppData", "Roaming"), "jupyter");
  if (Deno.build.os === "darwin") return join(home, "Library", "Jupyter");
  return join(env("XDG_DATA_HOME") || join(home, ".local", "share"), "jupyter");
}

/** Result of {@link installKernelSpec}. */
export interface InstallResult {
  /** The kernel.json written or found. */
  path: string;
  /** False when an identical kernel.json was already there. */
  changed: boolean;
}

/**
 * Writes `<dataDir>/kernels/deno/kernel.json` for `denoExe` unless an identical one exists; also puts Deno's
 * logos beside it (taken from `deno jupyter --install` run into a temporary folder) when they are missing.
 */
export async function installKernelSpec(
  dataDir: string,
  options: { denoExe?: string } = {},
): Promise<InstallResult> {
  const denoExe = options.denoExe ?? Deno.execPath();
  const dir = join(dataDir, "kernels", "deno");
  const path = join(dir, "kernel.json");
  const text = JSON.stringify(kernelSpec(denoExe), null, 2) + "\n";
  let current: string | undefined;
  try {
    current = await Deno.readTextFile(path);
  } catch { /* not installed yet */ }
  await Deno.mkdir(dir, { recursive: true });
  await copyLogos(denoExe, dir);
  if (current === text) return { path, changed: false };
  await writeFileAtomic(path, text);
  return { path, changed: true };
}

async function copyLogos(denoExe: string, dir: string): Promise<void> {
  const logos = ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"];
  const missing = [];
  for (const l of logos) {
    try {
      await Deno.stat(join(dir, l));
    } catch {
      missing.push(l);
    }
  }
  if (missing.length === 0) return;
  const tmp = await Deno.makeTempDir({ prefix: "deno-kernelspec-" });
  try {
    // `deno jupyter --install` honours XDG_DATA_HOME: let it write its logos into a scratch folder.
    let ok = false;
    try {
      const command = new Deno.Command(denoExe, {
        args: ["jupyter", "--install", "--force"],
        env: { XDG_DATA_HOME: tmp, JUPYTER_DATA_DIR: join(tmp, "jupyter") },
        stdout: "null",
        stderr: "null",
      });
      ok = (await command.output()).success;
    } catch { /* no such binary: logos are cosmetic */ }
    if (!ok) return;
    for (const l of missing) {
      try {
        await Deno.copyFile(join(tmp, "jupyter", "kernels", "deno", l), join(dir, l));
      } catch { /* this deno version has no such logo */ }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const args = [...Deno.args];
  const quiet = args.includes("--quiet");
  const at = args.indexOf("--data-dir");
  if (args.some((a) => a.startsWith("-") && !["--quiet", "--data-dir"].includes(a)) || (at >= 0 && !args[at + 1])) {
    console.error("uso: deno task kernel [--data-dir CARPETA_DE_DATOS_DE_JUPYTER] [--quiet]");
    Deno.exit(2);
  }
  const dataDir = at >= 0 ? args[at + 1] : userDataDir();
  const { path, changed } = await installKernelSpec(dataDir);
  if (!quiet || changed) {
    console.error(
      changed
        ? `Kernel "Deno" instalado en ${path} (Stop interrumpe la celda sin reiniciar el kernel).`
        : `El kernel "Deno" de ${path} ya estaba al día.`,
    );
  }
}
