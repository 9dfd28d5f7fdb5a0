/**
 * `deno task gpu-check [--out build/gpu_check.json] [--peer path/to/peer_pytorch.py] [--steps kernels,bench,notebooks]`:
 * the GPU path, measured in one go on a machine with a GPU and a Vulkan (Linux), Metal (macOS) or DX12
 * (Windows) driver.
 *
 * 1. Prints the WebGPU adapter (vendor, architecture, description) and **stops with exit code 2** when it
 *    is a software adapter (llvmpipe, lavapipe, SwiftShader): that would measure the CPU, not a GPU.
 * 2. Kernel correctness on webgpu: `tests/kernels_test.ts` (every kernel against the cpu reference).
 * 3. `bench/bench.ts` with `TFJS_BACKEND=webgpu` (median of 5 epochs; with `--peer`, the PyTorch peer in
 *    the same run).
 * 4. Notebooks 08 and 10 through the Deno Jupyter kernel with `TFJS_BACKEND=webgpu` (seconds, peak MB).
 *
 * Writes one JSON report (default `build/gpu_check.json`, also when it refuses) and exits 0 only when
 * every step passed. `--allow-software` rehearses the steps on a software adapter (the report keeps
 * `software: true`; its figures are CPU figures, never GPU ones). On Linux with NVIDIA, Deno's WebGPU needs the Vulkan loader (`libvulkan1`) and the
 * NVIDIA ICD; point `VK_DRIVER_FILES` at it (e.g. `/usr/share/vulkan/icd.d/nvidia_icd.json`) when the
 * loader does not find it.
 * @module
 */
import { dirname, join } from "node:path";
import {
  type AdapterClass,
  type AdapterInfoLike,
  classifyAdapter,
  requireHardwareAdapter,
} from "../lib/engine/gpu_adapter.ts";
import { ROOT, runNotebook } from "./notebooks.ts";
import { writeFileAtomic } from "../lib/engine/files.ts";

/** One step of the check. */
export interface GpuCheckStep {
  /** `kernels`, `bench` or a notebook path. */
  name: string;
  ok: boolean;
  seconds: number;
  /** Step-specific figures: test counts, bench JSON lines, notebook peak MB. */
  detail?: unknown;
  /** Last lines of the output when the step failed. */
  error?: string;
}

/** The JSON report `deno task gpu-check` writes. */
export interface GpuCheckReport {
  /** ISO date of the run. */
  date: string;
  host: string;
  deno: string;
  /** The adapter as reported by the driver and as classified. */
  adapter: (AdapterClass & { raw: AdapterInfoLike }) | null;
  /** Why the check stopped before measuring (software or missing adapter). */
  refused?: string;
  /** Vulkan loader environment and ICD files seen (for diagnosing a missing GPU). */
  vulkan: Record<string, unknown>;
  steps: GpuCheckStep[];
  /** True when the adapter is hardware and every step passed (never with `--allow-software`). */
  ok: boolean;
}

/** Steps `--steps` accepts. */
export const GPU_CHECK_STEPS = ["kernels", "bench", "notebooks"] as const;
/** Notebooks the check runs on webgpu. */
export const GPU_CHECK_NOTEBOOKS = ["notebooks/08_transfer_learning.ipynb", "notebooks/10_laboratorio_2.ipynb"];

/** Writes the report as indented JSON, atomically (temporary file, then rename). */
export async function writeReport(path: string, report: GpuCheckReport): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(report, null, 1) + "\n");
}

/** Reads `GPUAdapter.info` field by field (they are getters); undefined without an adapter. */
export async function requestAdapterInfo(): Promise<AdapterInfoLike | undefined> {
  // deno-lint-ignore no-explicit-any
  const gpu = (globalThis.navigator as any)?.gpu;
  if (!gpu) return undefined;
  // Mesa's Vulkan loader prints an error on every adapter request without XDG_RUNTIME_DIR.
  if (!Deno.env.get("XDG_RUNTIME_DIR")) Deno.env.set("XDG_RUNTIME_DIR", Deno.makeTempDirSync({ prefix: "xdg-" }));
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) return undefined;
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: adapter.isFallbackAdapter ?? info.isFallbackAdapter,
  };
}

/** Vulkan loader variables and the ICD manifests present (what decides which driver WebGPU gets on Linux). */
export function vulkanEnvironment(): Record<string, unknown> {
  const env: Record<string, unknown> = {};
  for (const k of ["VK_DRIVER_FILES", "VK_ICD_FILENAMES", "VK_ADD_DRIVER_FILES", "XDG_RUNTIME_DIR"]) {
    env[k] = Deno.env.get(k) ?? null;
  }
  const icds: string[] = [];
  for (const dir of ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"]) {
    try {
      for (const e of Deno.readDirSync(dir)) icds.push(join(dir, e.name));
    } catch { /* absent */ }
  }
  env.icd_files = icds;
  return env;
}

/** Counts `N passed | M failed` in a `deno test` summary; undefined when there is none. */
export function parseTestSummary(text: string): { passed: number; failed: number } | undefined {
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const m = plain.match(/(\d+) passed[^|\n]*\|\s*(\d+) failed/);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

const WEBGPU_ENV = { TFJS_BACKEND: "webgpu", NO_COLOR: "1" };

async function command(args: string[]): Promise<{ ok: boolean; out: string; seconds: number }> {
  const t = performance.now();
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: WEBGPU_ENV,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  return { ok: r.success, out: dec.decode(r.stdout) + dec.decode(r.stderr), seconds: (performance.now() - t) / 1000 };
}

const tail = (text: string, lines = 30) => text.trim().split("\n").slice(-lines).join("\n");

async function kernelsStep(): Promise<GpuCheckStep> {
  const r = await command(["test", "-A", "tests/kernels_test.ts"]);
  const summary = parseTestSummary(r.out);
  const webgpuTests = r.out.split("\n").filter((l) => l.startsWith("webgpu:")).length;
  const ok = r.ok && webgpuTests > 0;
  return {
    name: "kernels",
    ok,
    seconds: r.seconds,
    detail: { ...summary, webgpu_tests: webgpuTests },
    error: ok ? undefined : webgpuTests === 0 ? "no webgpu comparison ran\n" + tail(r.out) : tail(r.out),
  };
}

async function benchStep(peer?: string): Promise<GpuCheckStep> {
  const r = await command(["run", "-A", "bench/bench.ts", "--no-augment", ...(peer ? ["--peer", peer] : [])]);
  const lines = r.out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  const ours = lines.filter((l) => l.backend === "webgpu");
  const ok = r.ok && ours.length > 0;
  return { name: "bench", ok, seconds: r.seconds, detail: lines, error: ok ? undefined : tail(r.out) };
}

async function notebookStep(path: string): Promise<GpuCheckStep> {
  const r = await runNotebook(join(ROOT, path), {
    env: WEBGPU_ENV,
    outDir: join(ROOT, "build", "gpu_check"),
    htmlDir: false,
  });
  return {
    name: path,
    ok: r.status === "ok",
    seconds: r.seconds,
    detail: { peak_mb: r.peakMB ?? null },
    error: r.status === "ok" ? undefined : tail(r.message),
  };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Parses `--steps a,b` (default: all of {@link GPU_CHECK_STEPS}); throws on an unknown step. */
export function parseSteps(value: string | undefined): string[] {
  if (!value) return [...GPU_CHECK_STEPS];
  const steps = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of steps) {
    if (!(GPU_CHECK_STEPS as readonly string[]).includes(s)) {
      throw new Error(`--steps: «${s}» no es un paso; usa ${GPU_CHECK_STEPS.join(", ")} separados por comas.`);
    }
  }
  return steps;
}

if (import.meta.main) {
  const out = argValue(Deno.args, "--out") ?? join(ROOT, "build", "gpu_check.json");
  const peer = argValue(Deno.args, "--peer");
  const steps = parseSteps(argValue(Deno.args, "--steps"));
  const report: GpuCheckReport = {
    date: new Date().toISOString(),
    host: Deno.hostname(),
    deno: Deno.version.deno,
    adapter: null,
    vulkan: {},
    steps: [],
    ok: false,
  };
  const raw = await requestAdapterInfo();
  report.vulkan = vulkanEnvironment();
  if (raw) report.adapter = { ...classifyAdapter(raw), raw };
  console.log(
    raw
      ? `Adaptador WebGPU: ${report.adapter!.name} · fabricante ${report.adapter!.vendor || "?"} · ` +
        `arquitectura ${report.adapter!.architecture || "?"}`
      : "Adaptador WebGPU: ninguno",
  );
  try {
    if (!(raw && Deno.args.includes("--allow-software"))) requireHardwareAdapter(raw);
  } catch (e) {
    report.refused = (e as Error).message;
    await writeReport(out, report);
    console.error(`\n✘✘✘ GPU CHECK FALLIDO ✘✘✘\n${report.refused}\nInforme: ${out}`);
    Deno.exit(2);
  }
  if (steps.includes("kernels")) report.steps.push(await kernelsStep());
  if (steps.includes("bench")) report.steps.push(await benchStep(peer));
  if (steps.includes("notebooks")) { for (const nb of GPU_CHECK_NOTEBOOKS) report.steps.push(await notebookStep(nb)); }
  report.ok = report.steps.every((s) => s.ok) && !report.adapter?.software;
  await writeReport(out, report);
  for (const s of report.steps) {
    console.log(`${s.ok ? "✔" : "✘"} ${s.name} · ${s.seconds.toFixed(1)} s`);
    if (s.error) console.log(s.error);
  }
  const bench = report.steps.find((s) => s.name === "bench")?.detail as Record<string, unknown>[] | undefined;
  for (const line of bench ?? []) console.log(JSON.stringify(line));
  console.log(`Informe: ${out}`);
  Deno.exit(report.ok ? 0 : 1);
}
