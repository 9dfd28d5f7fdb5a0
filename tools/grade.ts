/**
 * `deno task grade SUBMISSIONS_DIR [--out OUT_DIR] [--jobs N] [--timeout SECONDS] [--full]`: grades a class.
 *
 * SUBMISSIONS_DIR holds one folder per student with that student's notebooks (any file names; which course
 * notebook a file is comes from `metadata.course.notebook`, else from the file name). For notebooks 05, 09
 * and 10 it writes OUT_DIR/gradebook.csv (`student,notebook,exercise,points,max_points,status,message`),
 * OUT_DIR/summary.csv (`student,notebook,points,max_points`) and OUT_DIR/feedback/<student>.html, and prints
 * a table. Default OUT_DIR: SUBMISSIONS_DIR/_notas.
 *
 * Every (student, notebook) runs in its own `deno run` subprocess with least privilege (read the kit and
 * its temp dir, write its temp dir, no network, no subprocesses, no FFI, two environment variables), a
 * heap cap and a wall-clock timeout; see tools/grade_harness.ts for how cells run one by one.
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import { existsSync } from "node:fs";
import { type Notebook, ROOT } from "./notebooks.ts";
import { mapPool } from "./notebooks.ts";
import {
  buildPlan,
  GRADED_NOTEBOOKS,
  type GradedItem,
  loadTemplates,
  notebookIdOf,
  type Template,
} from "./grade_plan.ts";
import type { CellResult, Plan } from "./grade_harness.ts";
import { writeFileAtomic } from "../lib/engine/files.ts";
import { feedbackHtml, gradebookCsv, type GradeRow, printedTable, summaryCsv } from "./grade_report.ts";

/** Options of {@link gradeClass}. */
export interface GradeOptions {
  /** Output folder (default SUBMISSIONS_DIR/_notas). */
  out?: string;
  /** Submissions graded at the same time (default: number of CPUs). */
  jobs?: number;
  /** Wall-clock seconds per notebook run (default 300). */
  timeout?: number;
  /** Train fully and grade the accuracy goals (default false: grading budget, goals informative). */
  full?: boolean;
  /** Heap limit of each run, MB (default 2048). */
  memoryMb?: number;
  /** Print progress (default true). */
  verbose?: boolean;
}

/** Result of grading a class. */
export interface GradeResult {
  /** Every gradebook row. */
  rows: GradeRow[];
  /** Notes per student (ignored files, duplicates…), shown in the feedback. */
  notes: Map<string, string[]>;
  /** Output folder. */
  out: string;
}

const DATASETS = "/usr/share/datasets/fashion-mnist";
/** sharp's detect-libc reads it to tell glibc from musl (else it asks for a system report). */
const LDD = "/usr/bin/ldd";
/** Environment variables the kit reads: the backend choice and what sharp (images) looks up when it loads. */
const KIT_ENV = [
  "TFJS_BACKEND",
  "TFJS_THREADS",
  "npm_package_config_libvips",
  "SHARP_IGNORE_GLOBAL_LIBVIPS",
  "SHARP_FORCE_GLOBAL_LIBVIPS",
  "PKG_CONFIG_PATH",
];

let native: string[] | undefined;
/** The native modules the kit loads (sharp and its libvips), the only paths FFI is allowed for. */
function nativeDirs(): string[] {
  if (native) return native;
  const dir = join(ROOT, "node_modules", ".deno");
  native = [];
  try {
    for (const e of Deno.readDirSync(dir)) if (e.name.startsWith("@img+sharp-")) native.push(join(dir, e.name));
  } catch { /* no node_modules: sharp cannot load anyway */ }
  return native.sort();
}

/** Longest unfinished line of a submission's own output held in memory (that output is not kept: it is dropped). */
const OUTPUT_LIMIT = 1 << 20;

/** Result of running one plan: a result per plan cell. */
async function runPlan(
  plan: Plan,
  options: Required<Pick<GradeOptions, "timeout" | "memoryMb">>,
): Promise<CellResult[]> {
  const results = new Map<number, CellResult>();
  for (let attempt = 0; attempt < 4; attempt++) {
    const outcome = await runOnce(plan, options);
    outcome.results.forEach((r) => results.set(r.k, r));
    if (outcome.done) break;
    const culprit = outcome.running;
    const why = outcome.timedOut
      ? `se agotó el tiempo (${options.timeout} s) en este ejercicio: ¿un bucle infinito o un cálculo demasiado largo?`
      : /out of memory|heap limit|allocation failed/i.test(outcome.stderr)
      ? `se agotó la memoria (límite ${options.memoryMb} MB): ¿una estructura que crece sin límite?`
      : `el proceso terminó de forma inesperada${outcome.code !== null ? ` (código ${outcome.code})` : ""}: ` +
        (outcome.stderr.trim().split("\n").at(-1) ?? "").slice(0, 300);
    if (culprit === undefined || attempt === 3) {
      // nothing to blame (crash while loading) or too many attempts: the rest cannot be graded
      for (const c of plan.cells) {
        if (!results.has(c.k)) {
          results.set(c.k, {
            k: c.k,
            status: outcome.timedOut ? "timeout" : "error",
            message: `no se pudo corregir: ${outcome.fatal ?? why}`,
            credit: 0,
            phase: "code",
          });
        }
      }
      break;
    }
    // Run again without the cell that hung or crashed the process: it costs only that cell.
    plan = {
      ...plan,
      cells: plan.cells.map((c) =>
        c.k === culprit ? { ...c, skip: { status: outcome.timedOut ? "timeout" : "error", message: why } } : c
      ),
    };
    for (const k of [...results.keys()]) if (k >= culprit) results.delete(k);
  }
  return plan.cells.map((c) => results.get(c.k)!);
}

interface RunOutcome {
  results: CellResult[];
  done: boolean;
  running?: number;
  timedOut: boolean;
  code: number | null;
  stderr: string;
  fatal?: string;
}

/** One sandboxed run of a plan. */
async function runOnce(plan: Plan, options: { timeout: number; memoryMb: number }): Promise<RunOutcome> {
  const dir = await Deno.makeTempDir({ prefix: "grade-" });
  try {
    await Deno.writeTextFile(join(dir, "plan.json"), JSON.stringify(plan));
    const secret = crypto.randomUUID().replaceAll("-", "");
    const reads = [join(ROOT, "lib"), join(ROOT, "data"), join(ROOT, "node_modules"), dir];
    if (existsSync(DATASETS)) reads.push(DATASETS);
    if (existsSync(LDD)) reads.push(LDD);
    const args = [
      "run",
      "--no-prompt",
      "--cached-only",
      `--config=${join(ROOT, "deno.json")}`,
      `--allow-read=${reads.join(",")}`,
      `--allow-write=${dir}`,
      `--allow-env=${KIT_ENV.join(",")}`,
      "--allow-sys=cpus", // sharp sizes its thread pool from os.cpus()
      ...(nativeDirs().length ? [`--allow-ffi=${nativeDirs().join(",")}`] : []),
      `--v8-flags=--max-old-space-size=${options.memoryMb}`,
      join(ROOT, "tools", "grade_harness.ts"),
    ];
    const env: Record<string, string> = { TFJS_BACKEND: "wasm", TFJS_THREADS: "1", NO_COLOR: "1" };
    const denoDir = Deno.env.get("DENO_DIR");
    if (denoDir) env.DENO_DIR = denoDir;
    const home = Deno.env.get("HOME");
    if (home) env.HOME = home;
    const child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: dir,
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(secret + "\n"));
      await writer.close();
    } catch { /* the process already ended: its status says why */ }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, options.timeout * 1000);
    const results: CellResult[] = [];
    let running: number | undefined;
    let done = false;
    let fatal: string | undefined;
    const readOut = (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of child.stdout) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          const at = line.indexOf(secret + " ");
          if (at < 0) continue; // the submission's own output: not needed to grade, dropped
          const event = JSON.parse(line.slice(at + secret.length + 1));
          if (event.type === "start") running = event.k;
          else if (event.type === "result") {
            results.push(event as CellResult);
            running = undefined;
          } else if (event.type === "done") done = true;
          else if (event.type === "fatal") fatal = event.message;
        }
        if (buffer.length > OUTPUT_LIMIT && !buffer.includes(secret)) buffer = buffer.slice(-secret.length * 2);
      }
    })();
    const readErr = (async () => {
      let tail = "";
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) tail = (tail + decoder.decode(chunk, { stream: true })).slice(-8000);
      return tail;
    })();
    const status = await child.status;
    clearTimeout(timer);
    await readOut;
    const stderr = await readErr;
    return { results, done, running, timedOut, code: status.code, stderr, fatal };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** A submission file: which notebook, parsed or not. */
interface Submission {
  student: string;
  notebook: string;
  file: string;
  nb?: Notebook;
  invalid?: string;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await listFiles(p));
    else if (e.isFile) out.push(p);
  }
  return out.sort();
}

/** Grades every student folder of `submissions`; writes the gradebook, summary and feedback. */
export async function gradeClass(submissions: string, options: GradeOptions = {}): Promise<GradeResult> {
  const root = resolve(submissions);
  const out = resolve(options.out ?? join(root, "_notas"));
  const timeout = options.timeout ?? 300;
  const memoryMb = options.memoryMb ?? 2048;
  const jobs = options.jobs ?? navigator.hardwareConcurrency ?? 2;
  const verbose = options.verbose ?? true;
  if (!existsSync(root) || !Deno.statSync(root).isDirectory) {
    throw new Error(`No existe la carpeta de entregas ${submissions}: pasa la carpeta con una subcarpeta por alumno.`);
  }
  if (!Number.isFinite(timeout) || timeout <= 0) throw new Error(`--timeout debe ser un número de segundos > 0.`);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs debe ser un entero ≥ 1.`);
  const templates = loadTemplates();
  for (const id of GRADED_NOTEBOOKS) {
    if (!templates.has(id)) throw new Error(`No encuentro el cuaderno del profesor ${id} (metadata.course.notebook).`);
  }
  const students: string[] = [];
  for await (const e of Deno.readDir(root)) {
    const p = join(root, e.name);
    if (e.isDirectory && !e.name.startsWith(".") && !e.name.startsWith("_") && p !== out) students.push(e.name);
  }
  students.sort((a, b) => a.localeCompare(b, "es"));
  const notes = new Map<string, string[]>(students.map((s) => [s, []]));
  const tasks: { student: string; template: Template; sub?: Submission }[] = [];
  for (const student of students) {
    const chosen = new Map<string, Submission>();
    for (const file of await listFiles(join(root, student))) {
      const name = relative(join(root, student), file);
      if (!file.toLowerCase().endsWith(".ipynb")) {
        notes.get(student)!.push(`«${name}» no es un cuaderno (.ipynb): no se ha corregido.`);
        continue;
      }
      let nb: Notebook | undefined;
      let invalid: string | undefined;
      try {
        nb = JSON.parse(await Deno.readTextFile(file));
        if (!Array.isArray(nb?.cells)) throw new Error('le falta la lista "cells"');
      } catch (e) {
        invalid = `«${name}» no es un cuaderno válido (${(e as Error).message.split("\n")[0]})`;
        nb = undefined;
      }
      const id = notebookIdOf(nb, file);
      if (!id) {
        notes.get(student)!.push(`«${name}» no corresponde a ningún cuaderno con ejercicios (05, 09, 10): ignorado.`);
        continue;
      }
      const previous = chosen.get(id);
      if (previous) {
        notes.get(student)!.push(
          `hay dos entregas del cuaderno ${id} («${relative(join(root, student), previous.file)}» y «${name}»): ` +
            `se corrige «${name}» (la última por nombre).`,
        );
      }
      chosen.set(id, { student, notebook: id, file, nb, invalid });
    }
    for (const id of GRADED_NOTEBOOKS) tasks.push({ student, template: templates.get(id)!, sub: chosen.get(id) });
  }
  // Labs first: the longest runs start early.
  const order = tasks.map((_, i) => i).sort((a, b) =>
    Number(tasks[b].template.notebook) - Number(tasks[a].template.notebook) || a - b
  );
  const t0 = performance.now();
  let finished = 0;
  const graded = await mapPool(order, jobs, async (i) => {
    const { student, template, sub } = tasks[i];
    const rows = await gradeOne(student, template, sub, { timeout, memoryMb, full: options.full ?? false }, notes);
    finished++;
    if (verbose) {
      const secs = ((performance.now() - t0) / 1000).toFixed(0);
      console.error(`[${finished}/${tasks.length}] ${student} · ${template.notebook} (${secs} s)`);
    }
    return { i, rows };
  });
  graded.sort((a, b) => a.i - b.i);
  const rows = graded.flatMap((g) => g.rows);
  await Deno.mkdir(join(out, "feedback"), { recursive: true });
  await writeFileAtomic(join(out, "gradebook.csv"), gradebookCsv(rows));
  await writeFileAtomic(join(out, "summary.csv"), summaryCsv(rows));
  for (const student of students) {
    const html = feedbackHtml(student, rows.filter((r) => r.student === student), notes.get(student)!, {
      full: options.full ?? false,
    });
    await writeFileAtomic(join(out, "feedback", `${safeFileName(student)}.html`), html);
  }
  return { rows, notes, out };
}

/** A student folder name made safe as a file name (it already is one; this only guards odd characters). */
export function safeFileName(name: string): string {
  return name.replace(/[\/\\\0]/g, "_").replace(/^\.+/, "_") || "_";
}

async function gradeOne(
  student: string,
  template: Template,
  sub: Submission | undefined,
  options: { timeout: number; memoryMb: number; full: boolean },
  notes: Map<string, string[]>,
): Promise<GradeRow[]> {
  const row = (item: GradedItem, status: GradeRow["status"], points: number, message: string): GradeRow => ({
    student,
    notebook: template.notebook,
    exercise: item.id,
    points,
    max_points: item.kind === "threshold" && !options.full ? 0 : item.points,
    status,
    message,
  });
  if (!sub) {
    return template.items.map((it) => row(it, "missing", 0, `no se ha entregado el cuaderno ${template.notebook}.`));
  }
  if (sub.invalid || !sub.nb) {
    return template.items.map((it) =>
      row(it, "error", 0, `${sub.invalid}: ábrelo en Jupyter, guárdalo y entrégalo de nuevo.`)
    );
  }
  const built = buildPlan(template, sub.nb, { root: ROOT, full: options.full });
  const fileName = basename(sub.file);
  if (built.added) {
    notes.get(student)!.push(
      `${fileName}: ${built.added} celda${built.added === 1 ? "" : "s"} añadida${built.added === 1 ? "" : "s"} ` +
        "no se ejecuta" + (built.added === 1 ? "" : "n") +
        " al corregir: pon en la celda de cada respuesta todo lo que necesite.",
    );
  }
  if (built.modified.length) {
    notes.get(student)!.push(
      `${fileName}: en ${built.modified.length === 1 ? "el ejercicio" : "los ejercicios"} ${
        built.modified.join(", ")
      } ` +
        "se han cambiado las líneas fijas de la celda (las de antes del TODO); se ha corregido tal cual.",
    );
  }
  for (const id of built.duplicated) {
    notes.get(student)!.push(`${fileName}: el ejercicio ${id} aparece en varias celdas; se corrige la última.`);
  }
  const results = await runPlan(built.plan, options);
  const rows: GradeRow[] = [];
  for (const [k, item] of built.items) {
    const r = results[k];
    if (built.missing.has(item.id)) {
      rows.push(row(item, "missing", 0, "no se encuentra la celda de este ejercicio en el cuaderno (¿se borró?)."));
      continue;
    }
    if (item.kind === "threshold") {
      const met = r.status === "ok";
      const status = met ? "ok" : r.status === "error" && /^Error: /.test(r.message) ? "wrong" : r.status;
      const message = (met ? "objetivo alcanzado" : r.message.replace(/^Error: /, "")) +
        (options.full ? "" : " (solo informativo: al corregir se entrena con un presupuesto reducido; no puntúa)");
      rows.push(row(item, status, options.full && met ? item.points : 0, message));
      continue;
    }
    if (built.untouched.has(item.id)) {
      // as handed out: the check may not even run (it can use an earlier answer that is missing too)
      const message = r.status === "unanswered"
        ? r.message
        : `todavía sin responder (ejercicio ${item.id}): completa el TODO de la celda y vuelve a ejecutarla.`;
      rows.push(row(item, "unanswered", 0, message));
      continue;
    }
    const points = r.status === "ok" ? item.points : r.status === "wrong" ? round2(item.points * r.credit) : 0;
    rows.push(row(item, r.status, points, r.status === "ok" ? "correcto" : r.message));
  }
  return rows;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function parseArgs(args: string[]): { dir: string; options: GradeOptions } {
  const usage = "Uso: deno task grade CARPETA_ENTREGAS [--out CARPETA] [--jobs N] [--timeout SEGUNDOS] [--full]";
  let dir: string | undefined;
  const options: GradeOptions = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} necesita un valor.\n${usage}`);
      return v;
    };
    if (a === "--out") options.out = value();
    else if (a === "--jobs") options.jobs = Number(value());
    else if (a === "--timeout") options.timeout = Number(value());
    else if (a === "--full") options.full = true;
    else if (a === "--help" || a === "-h") {
      console.log(usage);
      Deno.exit(0);
    } else if (a.startsWith("--")) throw new Error(`Opción desconocida ${a}.\n${usage}`);
    else if (dir === undefined) dir = a;
    else throw new Error(`Sobra el argumento ${a}.\n${usage}`);
  }
  if (!dir) throw new Error(usage);
  return { dir, options };
}

if (import.meta.main) {
  try {
    const { dir, options } = parseArgs(Deno.args);
    const t0 = performance.now();
    const result = await gradeClass(dir, options);
    console.log(printedTable(result.rows));
    console.log(
      `\n${result.rows.length} filas · ${((performance.now() - t0) / 1000).toFixed(0)} s · ` +
        `resultados en ${relative(Deno.cwd(), result.out) || "."}/ (gradebook.csv, summary.csv, feedback/)`,
    );
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(1);
  }
}
