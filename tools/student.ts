/**
 * `deno task student`: generates the student version of every instructor notebook that holds solutions.
 *
 * Solutions are marked as nbgrader does: in code cells, lines between `// BEGIN SOLUTION` and
 * `// END SOLUTION`; in markdown cells, between `<!-- BEGIN SOLUTION -->` and `<!-- END SOLUTION -->`.
 * Each block becomes one `// TODO: escribe tu respuesta aquí` line (markdown: an italic prompt). Convention
 * that keeps the student version compiling: a solution block only assigns to variables declared before it,
 * e.g. `let respuesta: number | undefined = undefined;`, and the check that follows throws "todavía sin
 * responder" while the value is still `undefined`.
 *
 * `notebooks/NN_name.ipynb` → `notebooks/student/NN_name.ipynb`; relative paths in code (`"../lib/mod.ts"`)
 * get one more `../`, outputs are dropped. `deno task student --check` only reports stale files.
 * @module
 */
import { basename, join, relative } from "node:path";
import { existsSync } from "node:fs";
import { writeFileAtomic } from "../lib/engine/files.ts";
import {
  cellSource,
  listNotebooks,
  type Notebook,
  type NotebookCell,
  NOTEBOOKS_DIR,
  readNotebook,
  ROOT,
} from "./notebooks.ts";

/** The line that replaces a solution block in a code cell. */
export const TODO_CODE = "// TODO: escribe tu respuesta aquí";
/** The line that replaces a solution block in a markdown cell. */
export const TODO_MARKDOWN = "*TODO: escribe tu respuesta aquí.*";

const CODE_BEGIN = /^\s*\/\/\s*BEGIN SOLUTION\s*$/;
const CODE_END = /^\s*\/\/\s*END SOLUTION\s*$/;
const MD_BEGIN = /^\s*<!--\s*BEGIN SOLUTION\s*-->\s*$/;
const MD_END = /^\s*<!--\s*END SOLUTION\s*-->\s*$/;
/** Any solution marker, anywhere in a line (student versions must hold none). */
export const MARKER = /BEGIN SOLUTION|END SOLUTION/;

/** A cell split into lines outside and inside solution blocks. */
interface SplitCell {
  /** Lines of the student version. */
  student: string[];
  /** Lines inside solution blocks (markers excluded). */
  solution: string[];
  /** Lines outside solution blocks. */
  outside: string[];
}

function splitCell(cell: NotebookCell, where: string): SplitCell {
  const code = cell.cell_type === "code";
  const [begin, end] = code ? [CODE_BEGIN, CODE_END] : [MD_BEGIN, MD_END];
  const out: SplitCell = { student: [], solution: [], outside: [] };
  let open: number | undefined;
  const lines = cellSource(cell).split("\n");
  lines.forEach((line, i) => {
    if (begin.test(line)) {
      if (open !== undefined) throw new Error(`${where}, línea ${i + 1}: BEGIN SOLUTION dentro de otro bloque.`);
      open = i;
      const indent = line.match(/^\s*/)![0];
      out.student.push(indent + (code ? TODO_CODE : TODO_MARKDOWN));
    } else if (end.test(line)) {
      if (open === undefined) throw new Error(`${where}, línea ${i + 1}: END SOLUTION sin BEGIN SOLUTION.`);
      open = undefined;
    } else if (MARKER.test(line)) {
      throw new Error(`${where}, línea ${i + 1}: marcador mal escrito "${line.trim()}" (usa una línea propia).`);
    } else if (open !== undefined) {
      out.solution.push(line);
    } else {
      out.student.push(line);
      out.outside.push(line);
    }
  });
  if (open !== undefined) throw new Error(`${where}, línea ${open + 1}: BEGIN SOLUTION sin END SOLUTION.`);
  return out;
}

function toSource(text: string): string[] {
  const lines = text.split("\n");
  const source = lines.map((l, i) => (i < lines.length - 1 ? l + "\n" : l));
  if (source.at(-1) === "") source.pop();
  return source;
}

/** True when some cell of the notebook holds a solution marker. */
export function hasSolutions(nb: Notebook): boolean {
  return nb.cells.some((c) => MARKER.test(cellSource(c)));
}

/** Options for {@link studentVersion}. */
export interface StudentVersionOptions {
  /** Name used in error messages (default "cuaderno"). */
  name?: string;
}

/**
 * The student version of an instructor notebook: solution blocks replaced by a TODO line, outputs dropped,
 * relative paths in code one folder deeper (the student version lives in `notebooks/student/`).
 */
export function studentVersion(nb: Notebook, options: StudentVersionOptions = {}): Notebook {
  const name = options.name ?? "cuaderno";
  const cells = nb.cells.map((cell, i) => {
    const split = splitCell(cell, `${name}, celda ${i}`);
    let text = split.student.join("\n");
    const out: NotebookCell = { ...cell, metadata: { ...cell.metadata } };
    if (cell.cell_type === "code") {
      text = text.replace(/(["'`])\.\.\//g, "$1../../");
      out.outputs = [];
      out.execution_count = null;
    }
    out.source = toSource(text);
    return out;
  });
  return { ...nb, cells };
}

/** Lines inside and outside the solution blocks of an instructor notebook (all cells). */
export function solutionLines(nb: Notebook): { solution: string[]; outside: string[] } {
  const solution: string[] = [];
  const outside: string[] = [];
  nb.cells.forEach((cell, i) => {
    const split = splitCell(cell, `celda ${i}`);
    solution.push(...split.solution);
    outside.push(...split.outside);
  });
  return { solution, outside };
}

/**
 * Solution text that leaked into a student version: every non-blank line of a solution block (trimmed) that
 * appears in the student version and nowhere outside the solution blocks of the instructor version. Lines
 * without a letter or digit (`}`, `);`) carry no answer and are ignored. Markers are reported too.
 */
export function findLeaks(instructor: Notebook, student: Notebook): string[] {
  const { solution, outside } = solutionLines(instructor);
  const allowed = new Set(outside.map((l) => l.trim()));
  const studentLines = student.cells.flatMap((c) => cellSource(c).split("\n").map((l) => l.trim()));
  const present = new Set(studentLines);
  const leaks = solution.map((l) => l.trim())
    .filter((l) => /[\p{L}\p{N}]/u.test(l) && !allowed.has(l) && present.has(l));
  const markers = studentLines.filter((l) => MARKER.test(l));
  return [...new Set([...leaks, ...markers])];
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>).sort().map((k) => [
        k,
        sortKeys((value as Record<string, unknown>)[k]),
      ]),
    );
  }
  return value;
}

/** Serialises a notebook as Jupyter does (keys sorted, one-space indent, UTF-8, final newline). */
export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(sortKeys(nb), null, 1) + "\n";
}

/** Options for {@link generateStudentNotebooks}. */
export interface GenerateOptions {
  /** Folder of instructor notebooks (default `notebooks/`); student versions go to its `student/`. */
  dir?: string;
  /** Only compare; write nothing (default false). */
  check?: boolean;
}

/** One generated (or checked) student notebook. */
export interface GeneratedNotebook {
  /** Instructor notebook. */
  instructor: string;
  /** Student notebook path. */
  student: string;
  /** Expected file content. */
  content: string;
  /** True when the file on disk differed (and, unless `check`, was rewritten). */
  changed: boolean;
}

/** Generates `student/NN.ipynb` for every instructor notebook with solution markers (atomic writes). */
export async function generateStudentNotebooks(options: GenerateOptions = {}): Promise<GeneratedNotebook[]> {
  const dir = options.dir ?? NOTEBOOKS_DIR;
  const outDir = join(dir, "student");
  const result: GeneratedNotebook[] = [];
  for (const path of listNotebooks({ dir })) {
    const nb = readNotebook(path);
    if (!hasSolutions(nb)) continue;
    const target = join(outDir, basename(path));
    const content = serializeNotebook(studentVersion(nb, { name: relative(ROOT, path) }));
    const current = existsSync(target) ? await Deno.readTextFile(target) : undefined;
    const changed = current !== content;
    if (changed && !options.check) {
      await Deno.mkdir(outDir, { recursive: true });
      await writeFileAtomic(target, content);
    }
    result.push({ instructor: path, student: target, content, changed });
  }
  return result;
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const generated = await generateStudentNotebooks({ check });
  for (const g of generated) {
    const state = g.changed ? (check ? "DESACTUALIZADO" : "regenerado") : "al día";
    console.log(`${relative(ROOT, g.student)}  ←  ${relative(ROOT, g.instructor)}  (${state})`);
  }
  if (generated.length === 0) console.log("Ningún cuaderno tiene marcas BEGIN SOLUTION / END SOLUTION.");
  if (check && generated.some((g) => g.changed)) Deno.exit(1);
}
