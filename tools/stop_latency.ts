/**
 * How Jupyter's Stop behaves during each long operation of the kit, measured in a real Notebook 6 page
 * (`tools/jupyter_page.ts`, project-local Deno kernel with `interrupt_mode: "message"`): seconds from Stop to
 * the kernel idle, what the cell shows, whether the kernel survived with its variables and whether
 * `tf.memory().numTensors` is back to what it was before the cell.
 *
 * ```sh
 * deno run -A tools/stop_latency.ts                      # every operation, JSON lines then a summary array
 * deno run -A tools/stop_latency.ts evaluate-early train # only those
 * deno run -A tools/stop_latency.ts evaluate-early@100   # Stop 100 ms after the cell was sent
 * ```
 * Each operation runs in its own notebook and kernel (a kernel that dies does not spoil the next one).
 * {@link measureStop} is the one measurement, shared with `tests/live_session_test.ts`.
 * @module
 */
import { join, resolve } from "node:path";
import { type NotebookPage, withJupyter } from "./jupyter_page.ts";

const ROOT = resolve(import.meta.dirname!, "..");
/** The kit's entry point, as an absolute URL (notebooks written to a temporary folder import it). */
export const MOD_URL = `file://${join(ROOT, "lib", "mod.ts")}`;

/** A notebook file (nbformat 4, Deno kernel) with one code cell per source. */
export function notebookJson(sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source) => ({ cell_type: "code", source, metadata: {}, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** When to press Stop in {@link measureStop}. */
export interface StopPlan {
  /** Milliseconds after the cell was sent (default 0), or after `waitFor` matched. */
  delayMs?: number;
  /** Wait first until some output of the cell matches this (e.g. the progress bar's "lote n/"). */
  waitFor?: RegExp;
  /** Seconds to wait for the kernel to be idle after Stop (default 60). */
  timeoutS?: number;
}

/** What one Stop did. */
export interface StopResult {
  /** Seconds from Stop to the page seeing the kernel idle with no cell pending (±0,1 s: the page is polled). */
  seconds: number;
  /** True when the kernel is the same and alive afterwards (not dead, not restarted). */
  alive: boolean;
  /** The error output of the cell (first line), or null if the cell ended without one. */
  error: string | null;
  /** All the text the cell shows (progress outputs included). */
  text: string;
  /** Why waiting for idle failed (the kernel died, a timeout), or null. */
  failure: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// deno-lint-ignore no-explicit-any
type Any = any;

/**
 * Runs cell `index` of `nb`, presses Stop as `plan` says, and measures until the kernel is idle.
 * The page is polled every 0,1 s; the settle time of the wait is not counted.
 */
export async function measureStop(nb: NotebookPage, index: number, plan: StopPlan = {}): Promise<StopResult> {
  const k0 = await nb.kernel();
  // Sent directly (runCell waits 0,2 s after sending): delays are counted from the execute request.
  await nb.page.evaluate((i: number) => (globalThis as Any).Jupyter.notebook.execute_cells([i]), index);
  if (plan.waitFor) {
    for (let i = 0; i < 2400; i++) {
      const cell = (await nb.outputs())[index];
      if (cell?.outputs.some((o) => plan.waitFor!.test(o.text))) break;
      await sleep(50);
    }
  }
  if (plan.delayMs) await sleep(plan.delayMs);
  const t0 = performance.now();
  await nb.interrupt();
  let failure: string | null = null;
  const settleMs = 200;
  try {
    await nb.waitIdle({ timeoutS: plan.timeoutS ?? 60, settleMs });
  } catch (e) {
    failure = (e as Error).message.split("\n")[0];
  }
  const seconds = Math.max(0, (performance.now() - t0 - settleMs) / 1000);
  const k1 = await nb.kernel();
  const cell = (await nb.outputs())[index];
  const errors = cell.outputs.filter((o) => o.error);
  return {
    seconds: Math.round(seconds * 100) / 100,
    alive: k1.alive && k1.id === k0.id && k1.restarts === k0.restarts,
    error: errors.length ? errors.map((o) => o.text.trim().split("\n")[0]).join(" | ") : null,
    text: cell.outputs.map((o) => o.text).join("\n"),
    failure,
  };
}

/** The cell every measuring notebook ends with: the variable defined before, and tensors against `antes`. */
export const CHECK_CELL = "console.log(JSON.stringify({ guardado: typeof guardado === 'undefined' ? null : guardado, " +
  "tensores: tf.memory().numTensors - antes }));";

/** Reads what {@link CHECK_CELL} printed (null when the kernel could not run it). */
export async function runCheckCell(
  nb: NotebookPage,
  index: number,
): Promise<{ guardado: number | null; tensores: number } | null> {
  try {
    await nb.runCell(index, { timeoutS: 60, settleMs: 200 });
  } catch {
    return null;
  }
  const text = (await nb.outputs())[index].outputs.map((o) => o.text).join("\n");
  const m = text.match(/\{"guardado".*\}/);
  return m ? JSON.parse(m[0]) : null;
}

/** One long operation of the kit to stop. */
interface Operation {
  /** Setup code (after the import cell); must define `guardado` and, last, `antes`. */
  setup: string;
  /** The long cell. */
  run: string;
  /** When to press Stop. */
  plan: StopPlan;
}

const IMPORTS = `import { augmentationExperiment, augmentPreview, buildModel, defineArchitecture, evaluate, ` +
  `loadFashionMnist, loadImageFolder, sampleImagePath, smallVgg, splitValidation, subset, tf, train, ` +
  `transferExperiment } from "${MOD_URL}";`;

const SMALL_MODEL = `buildModel(defineArchitecture("T", { input: "28x28x1", ` +
  `layers: ["CONV3-8/p1", "POOL2", "FC-10"] }), { seed: 0 })`;
const WIDE_MODEL = `buildModel(defineArchitecture("W", { input: "28x28x1", ` +
  `layers: ["CONV3-32/p1", "CONV3-32/p1", "POOL2", "FC-10"] }), { seed: 0 })`;

/** The operations measured, by name. */
export const OPERATIONS: Record<string, Operation> = {
  train: {
    setup: `const guardado = 42;\nconst datos = await loadFashionMnist({ split: "train", limit: 2000 });\n` +
      `const model = ${SMALL_MODEL};\n` +
      `await train(model, await subset(datos, { limit: 64 }), { epochs: 1, batchSize: 32, progress: false });\n` +
      `const antes = tf.memory().numTensors;`,
    run: `await train(model, datos, { epochs: 200, batchSize: 32, title: "larga" });`,
    plan: { waitFor: /lote \d+\//, delayMs: 1500 },
  },
  "evaluate-early": {
    setup: `const guardado = 42;\nconst datos = await loadFashionMnist({ split: "train", limit: 20000 });\n` +
      `const model = ${WIDE_MODEL};\nawait evaluate(model, await subset(datos, { limit: 64 }));\n` +
      `const antes = tf.memory().numTensors;`,
    run: `const ev = await evaluate(model, datos, { batchSize: 64 });`,
    plan: { delayMs: 300 },
  },
  "evaluate-late": {
    setup: `const guardado = 42;\nconst datos = await loadFashionMnist({ split: "train", limit: 20000 });\n` +
      `const model = ${WIDE_MODEL};\nawait evaluate(model, await subset(datos, { limit: 64 }));\n` +
      `const antes = tf.memory().numTensors;`,
    run: `const ev = await evaluate(model, datos, { batchSize: 64 });`,
    plan: { delayMs: 2500 },
  },
  augmentPreview: {
    setup: `const guardado = 42;\nconst antes = tf.memory().numTensors;`,
    run: `await augmentPreview(sampleImagePath("astronaut"), 48, { rotation: 25, zoom: 0.2, crop: 0.7, size: 256 });`,
    plan: { delayMs: 1200 },
  },
  loadImageFolder: {
    setup: `const guardado = 42;\nconst carpeta = await Deno.makeTempDir();\n` +
      `for (const c of ["a", "b"]) { await Deno.mkdir(carpeta + "/" + c);\n` +
      `  for (let i = 0; i < 150; i++) await Deno.copyFile(sampleImagePath(i % 2 ? "astronaut" : "coffee"), ` +
      `carpeta + "/" + c + "/" + i + ".jpg"); }\nconst antes = tf.memory().numTensors;`,
    run: `const fotos = await loadImageFolder(carpeta, { size: [128, 128] });`,
    plan: { delayMs: 1000 },
  },
  pretrain: {
    setup: `const guardado = 42;\nconst datos = await loadFashionMnist({ split: "train", limit: 2000 });\n` +
      `const model = smallVgg({ inputShape: [28, 28, 1], classes: 10, seed: 42 });\n` +
      `const antes = tf.memory().numTensors;`,
    run: `await train(model, datos, { epochs: 8, batchSize: 64, optimizer: "adam", lr: 1e-3, title: "preentreno" });`,
    plan: { waitFor: /lote \d+\//, delayMs: 1500 },
  },
  transferExperiment: {
    setup: `const guardado = 42;\nconst datos = await loadFashionMnist({ split: "train", limit: 3000 });\n` +
      `const objetivo = await subset(datos, { classes: [5, 6, 7, 8, 9], perClass: 30, seed: 1 });\n` +
      `const prueba = await subset(datos, { classes: [5, 6, 7, 8, 9], perClass: 100, seed: 2 });\n` +
      `const antes = tf.memory().numTensors;`,
    run: `await transferExperiment({ train: objetivo, test: prueba }, { seed: 0, epochs: 30 });`,
    plan: { waitFor: /lote \d+\//, delayMs: 1500 },
  },
  "transferExperiment-frozen": {
    setup: `const guardado = 42;\nconst datos = await loadFashionMnist({ split: "train", limit: 3000 });\n` +
      `const objetivo = await subset(datos, { classes: [5, 6, 7, 8, 9], perClass: 30, seed: 1 });\n` +
      `const prueba = await subset(datos, { classes: [5, 6, 7, 8, 9], perClass: 100, seed: 2 });\n` +
      `const antes = tf.memory().numTensors;`,
    run:
      `await transferExperiment({ train: objetivo, test: prueba }, { seed: 0, epochs: 300, variants: ["frozen", "finetune"] });`,
    plan: { delayMs: 8000 }, // its progress shows "lote" late: Stop 8 s after the cell starts
  },
  augmentationExperiment: {
    setup: `const guardado = 42;\nconst datos = await loadFashionMnist({ split: "train", limit: 1300, seed: 7 });\n` +
      `const { train: pocas, validation } = await splitValidation(datos, { size: 1000, seed: 0 });\n` +
      `const antes = tf.memory().numTensors;`,
    run:
      `await augmentationExperiment({ train: pocas, validation }, { epochs: 50, seeds: [0, 1], progress: "notebook" });`,
    plan: { waitFor: /lote \d+\//, delayMs: 1500 },
  },
};

/** One line of the report. */
export interface OperationReport extends StopResult {
  /** The operation's name (a key of {@link OPERATIONS}). */
  operation: string;
  /** Seconds after the cell started (or after its progress showed) when Stop was pressed. */
  stopAfterS: number;
  /** True when the variable defined before the cell is still there. */
  variableKept: boolean | null;
  /** Tensors more than before the cell (0 = memory back), null if the kernel could not say. */
  extraTensors: number | null;
}

/** Measures the named operations, each in its own notebook and kernel, inside one Jupyter server. */
export async function measureOperations(names: string[]): Promise<OperationReport[]> {
  await Deno.mkdir(join(ROOT, "build"), { recursive: true });
  const dir = await Deno.makeTempDir({ dir: join(ROOT, "build"), prefix: "stop_latency_" });
  const reports: OperationReport[] = [];
  try {
    await withJupyter({ notebookDir: dir }, async (j) => {
      for (const [k, arg] of names.entries()) {
        const [name, delay] = arg.split("@");
        const known = OPERATIONS[name];
        if (!known) throw new Error(`No operation "${name}"; known: ${Object.keys(OPERATIONS).join(", ")}`);
        const op = delay === undefined ? known : { ...known, plan: { ...known.plan, delayMs: Number(delay) } };
        const file = `${k}_${name}.ipynb`; // one file per run: the page caches a reopened name (HTTP 304)
        await Deno.writeTextFile(join(dir, file), notebookJson([IMPORTS, op.setup, op.run, CHECK_CELL]));
        const nb = await j.open(file, { timeoutS: 120 });
        await nb.runCell(0, { timeoutS: 180 });
        await nb.runCell(1, { timeoutS: 300 });
        const r = await measureStop(nb, 2, op.plan);
        const check = r.alive ? await runCheckCell(nb, 3) : null;
        const report: OperationReport = {
          operation: arg,
          stopAfterS: (op.plan.delayMs ?? 0) / 1000,
          ...r,
          text: r.text.slice(-400),
          variableKept: check ? check.guardado === 42 : null,
          extraTensors: check ? check.tensores : null,
        };
        console.log(JSON.stringify(report));
        reports.push(report);
        await nb.page.evaluate(() => (globalThis as Any).Jupyter.notebook.kernel.kill()).catch(() => {});
        await nb.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return reports;
}

if (import.meta.main) {
  const names = Deno.args.length ? Deno.args : Object.keys(OPERATIONS);
  const reports = await measureOperations(names);
  console.log(JSON.stringify(reports, null, 2));
}
