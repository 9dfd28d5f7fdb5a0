/**
 * Runs one submission inside the grader's sandbox (`deno run` with least privilege, started by
 * `tools/grade.ts`; never run it by hand). It reads a secret line from stdin, then `plan.json` from its
 * temporary directory, checks each cell's syntax on its own, writes `program.ts` (every cell as an async
 * function sharing the notebook's top-level variables) and runs it cell by cell, printing one result line
 * per cell prefixed with the secret, so the code under test cannot forge a result.
 * @module
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** What the grader asks the harness to run (written by tools/grade.ts). */
export interface Plan {
  /** Absolute path of the kit's lib/ folder. */
  lib: string;
  /** Full training (no grading budget). */
  full: boolean;
  /** Cells in notebook order. */
  cells: PlanCell[];
}

/** One cell of a plan. */
export interface PlanCell {
  /** Index in the plan. */
  k: number;
  /** Setup (instructor code), exercise (student answer + instructor check) or threshold (accuracy goal). */
  kind: "setup" | "exercise" | "threshold";
  /** Code (exercise cells: `__grade_phase("check");` separates the answer from the check). */
  code: string;
  /** Top-level names the cell declares (shared with later cells). */
  declares: string[];
  /** Earlier cells whose names this one uses. */
  deps: number[];
  /** Do not run: give this result (the cell crashed or hung in an earlier attempt). */
  skip?: { status: CellStatus; message: string };
}

/** How a cell ended. */
export type CellStatus = "ok" | "wrong" | "unanswered" | "error" | "timeout";

/** One cell's result, as printed. */
export interface CellResult {
  /** Plan index. */
  k: number;
  /** Outcome. */
  status: CellStatus;
  /** Learner-facing message (the check's message, or the error). */
  message: string;
  /** Partial credit (0–1) of a wrong answer. */
  credit: number;
  /** Whether the error came from the answer or from the check. */
  phase: "code" | "check";
}

// Captured before any submitted code runs: later monkey-patching cannot change them.
const stdoutWrite = Deno.stdout.writeSync.bind(Deno.stdout);
const stringify = JSON.stringify;
const encoder = new TextEncoder();
const now = performance.now.bind(performance);
const realExit = Deno.exit.bind(Deno);

async function readSecret(): Promise<string> {
  const buf = new Uint8Array(256);
  let text = "";
  while (!text.includes("\n")) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text.trim();
}

const secret = await readSecret();
const dir = Deno.cwd();
const plan: Plan = JSON.parse(await Deno.readTextFile(join(dir, "plan.json")));

function emit(event: Record<string, unknown>): void {
  stdoutWrite(encoder.encode(`\n${secret} ${stringify(event)}\n`));
}

// A submission may not end the process: Deno.exit and process.exit throw instead.
const refuseExit = () => {
  throw new Error(
    "Deno.exit, process.exit y close() no están permitidos al corregir: el corrector ha bloqueado la salida.",
  );
};
Object.defineProperty(Deno, "exit", { value: refuseExit, configurable: false, writable: false });
// deno-lint-ignore no-explicit-any
const proc = (globalThis as any).process;
if (proc) Object.defineProperty(proc, "exit", { value: refuseExit, configurable: false, writable: false });
Object.defineProperty(globalThis, "close", { value: refuseExit, configurable: false, writable: false }); // window.close()
// Errors thrown later from timers or unawaited promises must not kill the run.
globalThis.addEventListener("error", (e) => e.preventDefault());
globalThis.addEventListener("unhandledrejection", (e) => e.preventDefault());

const { setGradingBudget } = await import(pathToFileURL(join(plan.lib, "learn", "grading.ts")).href);
const { ExerciseError, UNANSWERED_PREFIX } = await import(pathToFileURL(join(plan.lib, "course", "exercises.ts")).href);
if (!plan.full) setGradingBudget({});

/** Learner-facing text of an error thrown by submitted code. */
function describe(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === "NotCapable" || e.name === "PermissionDenied") {
      return `el corrector no permite esta operación (solo se puede leer el kit y escribir en una carpeta temporal; ` +
        `sin red ni procesos): ${e.message.split("\n")[0]}`;
    }
    return `${e.name}: ${e.message}`.slice(0, 2000);
  }
  try {
    return `se lanzó un valor que no es un Error: ${String(e)}`.slice(0, 2000);
  } catch {
    return "se lanzó un valor que no es un Error";
  }
}

function classify(e: unknown, phase: "code" | "check"): Omit<CellResult, "k"> {
  if (e instanceof ExerciseError || (e instanceof Error && e.name === "ExerciseError")) {
    const err = e as Error;
    const unanswered = err.message.includes(UNANSWERED_PREFIX);
    return {
      status: unanswered ? "unanswered" : "wrong",
      message: err.message,
      credit: unanswered ? 0 : Math.min(1, Math.max(0, Number((err as { credit?: number }).credit) || 0)),
      phase,
    };
  }
  return { status: "error", message: describe(e), credit: 0, phase };
}

/** Spanish stand-in for `Deno.jupyter` (only the kernel has it): displays are dropped. */
const jupyter = {
  md: () => undefined,
  html: () => undefined,
  svg: () => undefined,
  format: () => ({}),
  display: async () => {},
  broadcast: async () => {},
  $display: Symbol.for("Jupyter.display"),
};

// 1. Syntax of each cell on its own: a cell that does not parse is an error for that cell only.
const syntaxError = new Map<number, string>();
for (const cell of plan.cells) {
  if (cell.skip) continue;
  const file = join(dir, `syntax_${cell.k}.ts`);
  // the same wrapping as in program.ts, so a cell parses here exactly when it parses there
  await Deno.writeTextFile(
    file,
    `export default async function (__grade_cell: any, __grade_jupyter: any) {\n` +
      `await __grade_cell(0, async (__grade_phase: any) => {\n${cell.code}\n});\n}\n`,
  );
  try {
    await import(pathToFileURL(file).href);
  } catch (e) {
    syntaxError.set(cell.k, `error de sintaxis: ${(e as Error).message.split("\n")[0]}`);
  }
}

// 2. The program: every runnable cell as an async function; top-level names live in the outer function.
const declared = [...new Set(plan.cells.filter((c) => !c.skip && !syntaxError.has(c.k)).flatMap((c) => c.declares))]
  .filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !(n in globalThis) && !n.startsWith("__grade"));
const lines = [
  "// deno-lint-ignore-file",
  "export default async function (__grade_cell: any, __grade_jupyter: any) {",
  declared.length ? `let ${declared.join(", ")};` : "",
  `const __grade_set: any = { ${declared.map((n) => `${n}: (v: any) => { ${n} = v; }`).join(", ")} };`,
];
for (const cell of plan.cells) {
  if (cell.skip || syntaxError.has(cell.k)) continue;
  const names = cell.declares.filter((n) => declared.includes(n));
  lines.push(
    `await __grade_cell(${cell.k}, async (__grade_phase: any) => {`,
    `__grade_phase(() => { ${
      names.map((n) => `try { __grade_set.${n}(${n}); } catch { /* not yet */ }`).join(" ")
    } });`,
    cell.code,
    "});",
  );
}
lines.push("}");
await Deno.writeTextFile(join(dir, "program.ts"), lines.join("\n") + "\n");

// 3. Run it.
const failed = new Map<number, string>();
let expected = 0;
let running = false;

function report(result: CellResult): void {
  if (result.status !== "ok") failed.set(result.k, result.message);
  emit({ type: "result", ...result });
}

function skipUntil(k: number): void {
  // cells the program does not call (syntax errors, skipped) are reported in order
  while (expected < k) {
    const cell = plan.cells[expected];
    if (cell.skip) report({ k: expected, ...cell.skip, credit: 0, phase: "code" });
    else if (syntaxError.has(expected)) {
      report({ k: expected, status: "error", message: syntaxError.get(expected)!, credit: 0, phase: "code" });
    }
    expected++;
  }
}

async function runCell(k: number, fn: (phase: unknown) => Promise<void>): Promise<void> {
  if (running || typeof k !== "number" || k < expected) {
    throw new Error("el código entregado intentó manipular el corrector");
  }
  skipUntil(k);
  expected = k + 1;
  const cell = plan.cells[k];
  emit({ type: "start", k });
  running = true;
  let phase: "code" | "check" = "code";
  let exit: (() => void) | undefined;
  const phaseFn = (p: unknown) => {
    if (p === "check") phase = "check";
    else if (typeof p === "function" && !exit) exit = p as () => void;
  };
  const t0 = now();
  let result: Omit<CellResult, "k">;
  try {
    await fn(phaseFn);
    result = { status: "ok", message: "", credit: 1, phase };
  } catch (e) {
    result = classify(e, phase);
    // The cause is often an earlier cell it depends on: say so (the cell still ran, so unanswered/wrong stand).
    const brokenDep = cell.deps.find((d) => failed.has(d));
    if (result.status === "error" && brokenDep !== undefined) {
      const what = plan.cells[brokenDep].kind === "setup"
        ? "antes falló una celda anterior"
        : "depende de un ejercicio anterior que no está resuelto o falló";
      result.message += ` — probablemente porque ${what}: ${failed.get(brokenDep)}`;
    }
  } finally {
    try {
      exit?.();
    } catch { /* ignore */ }
    running = false;
  }
  report({ k, ...result });
  emit({ type: "time", k, ms: Math.round(now() - t0) });
}

try {
  const program = await import(pathToFileURL(join(dir, "program.ts")).href);
  await program.default(runCell, jupyter);
  skipUntil(plan.cells.length);
  emit({ type: "done" });
} catch (e) {
  emit({ type: "fatal", message: describe(e) });
}
// Leave at once: timers a submission left behind must not keep the process (and the grader) waiting.
realExit(0);
