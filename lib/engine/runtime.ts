/**
 * Backend selection: picks and initialises the TF.js backend once per process.
 *
 * Order (unless `TFJS_BACKEND` or `options.backend` says otherwise):
 * `tensorflow` (tfjs-node-gpu, then tfjs-node, only when already installed — never downloads),
 * then `webgpu` when a hardware adapter exists, then `wasm`, then `cpu`.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { registerFastKernels } from "./kernels.ts";
import { registerWasmAdam } from "./adam.ts";
import { wasmThreadsCount, withWasmThreads } from "./threads.ts";
import { installPoolChoice } from "./pool.ts";
import { classifyAdapter } from "./gpu_adapter.ts";

/** Names accepted by `TFJS_BACKEND` and `initRuntime({ backend })`. */
export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu";

/** What {@link initRuntime} chose. */
export interface RuntimeInfo {
  /** The active TF.js backend. */
  backend: BackendName;
  /** Human-readable device: GPU adapter, CPU model, or the native library. */
  device: string;
  /** Threads the backend computes with. */
  threads: number;
  /** True when the computation runs on a GPU (hardware adapter or CUDA). */
  gpu: boolean;
  /** TF.js version. */
  tfVersion: string;
}

/** Options for {@link initRuntime}. */
export interface RuntimeOptions {
  /** Force a backend; defaults to `TFJS_BACKEND` from the environment, then automatic. */
  backend?: BackendName;
  /** Do not print the one-line summary. */
  quiet?: boolean;
  /**
   * Threads for the wasm backend (1–8); defaults to `TFJS_THREADS` from the environment, then
   * {@link defaultThreads} (the machine's cores, at most 8). Only the first initialisation of the wasm
   * backend in a process uses it.
   */
  threads?: number;
}

const BACKENDS: BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu"];
let current: RuntimeInfo | undefined;
let threadsRequested: number | undefined;
let initialising: Promise<RuntimeInfo> | undefined;
function envBackend(): BackendName | undefined {
  let v: string | undefined;
  try {
    v = Deno.env.get("TFJS_BACKEND")?.trim().toLowerCase();
  } catch {
    return undefined; // no --allow-env: automatic choice
  }
  if (!v) return undefined;
  if (!BACKENDS.includes(v as BackendName)) {
    throw new Error(
      `TFJS_BACKEND="${v}" no es un backend válido. Usa uno de: ${BACKENDS.join(", ")} ` +
        `(o no definas la variable para elegir automáticamente).`,
    );
  }
  return v as BackendName;
}

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    const m = info.match(/model name\s*:\s*(.+)/);
    if (m) return m[1].trim();
  } catch { /* not Linux or no permission */ }
  return `${Deno.build.arch} CPU`;
}

function wasmDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")) + "/dist/";
}

/** Finds an installed tfjs-node(-gpu) without ever triggering an install. */
function installedNodeBinding(): string | undefined {
  const root = join(import.meta.dirname ?? ".", "..", "..", "node_modules", "@tensorflow");
  for (const pkg of ["tfjs-node-gpu", "tfjs-node"]) {
    const dir = join(root, pkg);
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "lib"))) {
      try {
        for (const entry of Deno.readDirSync(join(dir, "lib"))) {
          if (entry.name.startsWith("napi-v") && existsSync(join(dir, "lib", entry.name, "tfjs_binding.node"))) {
            return pkg;
          }
        }
      } catch { /* unreadable: treat as missing */ }
    }
  }
  return undefined;
}

/** Mesa's Vulkan loader prints an error on every adapter request when XDG_RUNTIME_DIR is unset (e.g. CI). */
function ensureXdgRuntimeDir(): void {
  try {
    if (!Deno.env.get("XDG_RUNTIME_DIR")) Deno.env.set("XDG_RUNTIME_DIR", Deno.makeTempDirSync({ prefix: "xdg-" }));
  } catch { /* no --allow-env/--allow-write: keep the harmless message */ }
}

let adapterProbe: Promise<{ name: string; hardware: boolean } | undefined> | undefined;

/**
 * The WebGPU adapter (its name, and whether it is hardware rather than a software rasteriser such as
 * llvmpipe), probed once per process; undefined when there is none.
 */
export function webgpuAdapter(): Promise<{ name: string; hardware: boolean } | undefined> {
  adapterProbe ??= probeWebgpuAdapter();
  return adapterProbe;
}

async function probeWebgpuAdapter(): Promise<{ name: string; hardware: boolean } | undefined> {
  // deno-lint-ignore no-explicit-any
  const gpu = (globalThis.navigator as any)?.gpu;
  if (!gpu) return undefined;
  ensureXdgRuntimeDir();
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) return undefined;
    const info = adapter.info ?? {}; // GPUAdapterInfo's fields are getters: read them one by one
    const c = classifyAdapter({
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: adapter.isFallbackAdapter ?? info.isFallbackAdapter,
    });
    return { name: c.name, hardware: !c.software };
  } catch {
    return undefined;
  }
}

async function activate(name: BackendName): Promise<RuntimeInfo> {
  if (name === "tensorflow") {
    const pkg = installedNodeBinding();
    if (!pkg) {
      throw new Error(
        "El backend 'tensorflow' no está instalado. Para usar la GPU NVIDIA con CUDA 11.2 y cuDNN 8.1, " +
          "instala `deno add npm:@tensorflow/tfjs-node-gpu@4.22.0` (o `npm:@tensorflow/tfjs-node@4.22.0` para CPU) " +
          "con acceso a internet; su instalación descarga libtensorflow. Ver README, sección GPU.",
      );
    }
    const spec = `npm:@tensorflow/${pkg}@4.22.0`;
    await import(spec);
    if (!(await tf.setBackend("tensorflow"))) throw new Error(`${pkg} está instalado pero no se pudo inicializar.`);
    await tf.ready();
    return {
      backend: name,
      device: pkg === "tfjs-node-gpu" ? "CUDA (tfjs-node-gpu)" : `${cpuModel()} (libtensorflow)`,
      threads: navigator.hardwareConcurrency ?? 1,
      gpu: pkg === "tfjs-node-gpu",
      tfVersion: tf.version.tfjs,
    };
  }
  if (name === "webgpu") {
    const adapter = await webgpuAdapter();
    if (!adapter) {
      throw new Error(
        "El backend 'webgpu' no está disponible: no hay adaptador WebGPU. Instala un driver Vulkan " +
          "(Linux: `apt-get install mesa-vulkan-drivers` o el driver de NVIDIA/AMD), Metal (macOS) o DX12 (Windows).",
      );
    }
    if (!(await tf.setBackend("webgpu"))) throw new Error(`No se pudo inicializar WebGPU en ${adapter.name}.`);
    await tf.ready();
    return {
      backend: name,
      device: adapter.name + (adapter.hardware ? "" : " (software)"),
      threads: 1,
      gpu: adapter.hardware,
      tfVersion: tf.version.tfjs,
    };
  }
  if (name === "wasm") {
    registerFastKernels(); // idempotent: conv gradients the wasm backend lacks (see kernels_wasm.ts)
    registerWasmAdam(); // idempotent: one fused kernel per variable for Adam (see kernels_adam.ts)
    setWasmPaths(wasmDir());
    if (!(await initWasm())) {
      throw new Error("No se pudo inicializar el backend 'wasm' (¿falta --allow-read para leer sus ficheros .wasm?).");
    }
    await tf.ready();
    return {
      backend: name,
      device: cpuModel() + " (WebAssembly SIMD)",
      threads: wasmThreadsCount(),
      gpu: false,
      tfVersion: tf.version.tfjs,
    };
  }
  registerFastKernels({ backend: "cpu" }); // idempotent: conv gradients ~10× faster than the stock loops
  if (!(await tf.setBackend("cpu"))) throw new Error("No se pudo inicializar el backend 'cpu'.");
  await tf.ready();
  return { backend: "cpu", device: cpuModel() + " (JavaScript)", threads: 1, gpu: false, tfVersion: tf.version.tfjs };
}

/**
 * Most threads the wasm backend uses by default: the course's batch-64 CNNs give each thread little work
 * beyond a few, and a many-core machine keeps cores for everything else (a cap, not a measured optimum:
 * the reference machine has 2 cores).
 */
export const MAX_DEFAULT_THREADS = 8;

/**
 * Default thread count for the wasm backend: the machine's logical cores (`navigator.hardwareConcurrency`),
 * at most {@link MAX_DEFAULT_THREADS}; 1 on a one-core machine. Small kernels still run on one thread
 * (see pool.ts).
 */
export function defaultThreads(cores: number = navigator.hardwareConcurrency ?? 1): number {
  return Math.min(MAX_DEFAULT_THREADS, Math.max(1, Math.floor(cores) || 1));
}

/** Threads asked by `TFJS_THREADS` (undefined when unset); a bad value throws a Spanish message. */
export function envThreads(): number | undefined {
  let env: string | undefined;
  try {
    env = Deno.env.get("TFJS_THREADS")?.trim();
  } catch {
    return undefined; // no --allow-env
  }
  if (!env) return undefined;
  const threads = Number(env);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(
      `TFJS_THREADS="${env}" no es válido: usa un entero ≥ 1 (o no la definas para usar todos los núcleos).`,
    );
  }
  return threads;
}

function wasmThreads(): number {
  return Math.min(8, Math.max(1, threadsRequested ?? envThreads() ?? defaultThreads()));
}

/**
 * Sets the wasm backend active, initialising it the first time: multithreaded when more than one
 * thread is asked for (see threads.ts), single-threaded if that fails.
 */
async function initWasm(): Promise<boolean> {
  if (tf.findBackend("wasm")) return await tf.setBackend("wasm");
  const threads = wasmThreads();
  if (threads > 1) {
    try {
      if (await withWasmThreads(threads, () => tf.setBackend("wasm"))) {
        try {
          installPoolChoice(); // small kernels on one thread, large ones on all (see pool.ts)
        } catch { /* another tfjs version: every kernel keeps the backend's pool */ }
        return true;
      }
    } catch { /* fall back to the single-threaded build */ }
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  }
  return await tf.setBackend("wasm");
}

async function choose(requested?: BackendName): Promise<RuntimeInfo> {
  if (requested) return await activate(requested);
  if (installedNodeBinding()) {
    try {
      return await activate("tensorflow");
    } catch { /* fall through to the next backend */ }
  }
  const adapter = await webgpuAdapter();
  if (adapter?.hardware) {
    try {
      return await activate("webgpu");
    } catch { /* fall through */ }
  }
  try {
    return await activate("wasm");
  } catch {
    return await activate("cpu");
  }
}

/**
 * Selects and initialises the backend (once per process; later calls return the same info).
 * Prints one line: backend, device, threads.
 */
export function initRuntime(options: RuntimeOptions = {}): Promise<RuntimeInfo> {
  if (current) return Promise.resolve(current);
  initialising ??= (async () => {
    tf.env().set("PROD", true);
    const requested = options.backend ?? envBackend();
    if (options.threads !== undefined) {
      if (!Number.isInteger(options.threads) || options.threads < 1) {
        throw new Error(`initRuntime: threads debe ser un entero ≥ 1, se recibió ${options.threads}.`);
      }
      threadsRequested = options.threads;
    }
    const info = await choose(requested);
    current = info;
    if (!options.quiet) {
      console.log(`TF.js ${info.tfVersion} · backend ${info.backend} · ${info.device} · ${info.threads} hilo(s)`);
    }
    return info;
  })();
  return initialising;
}

/**
 * Switches the active backend after initialisation (tests compare backends this way).
 * Returns the new runtime info; the process-wide default chosen by {@link initRuntime} is unchanged.
 */
export async function useBackend(name: BackendName): Promise<RuntimeInfo> {
  const info = await activate(name);
  return info;
}

/** The runtime chosen by {@link initRuntime}, or undefined before it ran. */
export function runtimeInfo(): RuntimeInfo | undefined {
  return current;
}
