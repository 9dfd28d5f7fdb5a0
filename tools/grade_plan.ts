/**
 * What the grader runs for one submission: the instructor notebook gives the structure (setup cells, the
 * code around each answer, the checks, the points); the student's notebook gives only the answers, found
 * by exercise id (`metadata.course.exercise` of the cell, else the cell that holds the exercise's check
 * line). Cells the student added are not run; when an exercise appears in several cells, the last one counts.
 * @module
 */
import { basename, join, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import {
  cellSource,
  listNotebooks,
  type Notebook,
  type NotebookCell,
  NOTEBOOKS_DIR,
  readNotebook,
} from "./notebooks.ts";
import { studentVersion } from "./student.ts";
import { analyzeCell, rewriteCell } from "./grade_source.ts";
import type { Plan, PlanCell } from "./grade_harness.ts";

/** Course notebooks the grader knows (those with exercises). */
export const GRADED_NOTEBOOKS = ["05", "09", "10"];

const CODE_BEGIN = /^\s*\/\/\s*BEGIN SOLUTION\s*$/;
const CODE_END = /^\s*\/\/\s*END SOLUTION\s*$/;

/** One graded item of a notebook: an exercise, or an accuracy goal that needs full training. */
export interface GradedItem {
  /** Exercise id shown in the gradebook (`"1"`, `"L1.3"`…). */
  id: string;
  /** `exercise` or `threshold` (accuracy goal: informative unless `--full`). */
  kind: "exercise" | "threshold";
  /** Points (cell metadata `course.points`, default 1). */
  points: number;
}

/** A template cell of an instructor notebook. */
interface TemplateCell {
  /** setup / exercise / threshold. */
  kind: PlanCell["kind"];
  /** Graded item, for exercise and threshold cells. */
  item?: GradedItem;
  /** Instructor code (setup, threshold). */
  code: string;
  /** Exercise cells: the student version of the cell (what an unanswered or missing exercise runs). */
  studentCode?: string;
  /** Exercise cells: the lines after the last solution block (the check), run from the instructor copy. */
  suffix?: string[];
  /** Exercise cells: the lines before the first solution block (declarations, the exercise's definition). */
  prefix?: string[];
}

/** A course notebook as the grader sees it. */
export interface Template {
  /** Notebook number, e.g. "05". */
  notebook: string;
  /** Instructor notebook path. */
  path: string;
  /** Code cells that matter, in order (cells after the last graded one are dropped). */
  cells: TemplateCell[];
  /** Graded items, in order. */
  items: GradedItem[];
  /** Every code cell of the instructor and student versions (trimmed): cells that are not "added". */
  ownCells: Set<string>;
}

/** The course metadata of a notebook or cell (`metadata.course`). */
function courseMeta(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  const c = meta?.course;
  return c && typeof c === "object" ? c as Record<string, unknown> : {};
}

/** Which course notebook a parsed notebook is: its metadata, else the file name ("05_…", "lab_09"…). */
export function notebookIdOf(nb: Partial<Notebook> | undefined, fileName: string): string | undefined {
  const meta = courseMeta(nb?.metadata as Record<string, unknown> | undefined).notebook;
  if (typeof meta === "string" && GRADED_NOTEBOOKS.includes(meta)) return meta;
  return notebookIdFromName(fileName);
}

/** Which course notebook a file name refers to (two digits of a graded notebook, alone or at the start). */
export function notebookIdFromName(fileName: string): string | undefined {
  const stem = basename(fileName).replace(/\.ipynb$/i, "");
  for (const id of GRADED_NOTEBOOKS) {
    if (new RegExp(`(^|\\D)${id}(\\D|$)`).test(stem)) return id;
  }
  return undefined;
}

/** Loads the templates of the graded notebooks from the instructor notebooks. */
export function loadTemplates(dir: string = NOTEBOOKS_DIR): Map<string, Template> {
  const out = new Map<string, Template>();
  for (const path of listNotebooks({ dir })) {
    const nb = readNotebook(path);
    const id = notebookIdOf(nb, path);
    if (!id || courseMeta(nb.metadata).notebook !== id) continue;
    const student = studentVersion(nb);
    const cells: TemplateCell[] = [];
    nb.cells.forEach((cell, i) => {
      if (cell.cell_type !== "code") return;
      const meta = courseMeta(cell.metadata);
      const points = typeof meta.points === "number" && meta.points >= 0 ? meta.points : 1;
      const code = cellSource(cell);
      if (typeof meta.exercise === "string") {
        const lines = code.split("\n");
        const last = lines.findLastIndex((l) => CODE_END.test(l));
        if (last < 0 || !lines.some((l) => CODE_BEGIN.test(l))) {
          throw new Error(`${path}, celda ${i}: el ejercicio ${meta.exercise} no tiene BEGIN/END SOLUTION.`);
        }
        cells.push({
          kind: "exercise",
          item: { id: meta.exercise, kind: "exercise", points },
          code,
          studentCode: cellSource(student.cells[i]),
          suffix: lines.slice(last + 1),
          prefix: lines.slice(0, lines.findIndex((l) => CODE_BEGIN.test(l))),
        });
      } else if (typeof meta.threshold === "string") {
        cells.push({ kind: "threshold", item: { id: meta.threshold, kind: "threshold", points }, code });
      } else cells.push({ kind: "setup", code });
    });
    const lastGraded = cells.findLastIndex((c) => c.kind !== "setup");
    const kept = cells.slice(0, lastGraded + 1);
    const ownCells = new Set(
      [...nb.cells, ...student.cells].filter((c) => c.cell_type === "code").map((c) => cellSource(c).trim()),
    );
    out.set(id, { notebook: id, path, cells: kept, items: kept.flatMap((c) => c.item ? [c.item] : []), ownCells });
  }
  return out;
}

/** How a student's answer to one exercise was found. */
export interface AnswerMatch {
  /** The student's cell text, or undefined when the exercise is missing. */
  code?: string;
  /** How many cells held it (the last one counts). */
  copies: number;
}

function trimmedNonBlank(lines: string[]): string[] {
  return lines.map((l) => l.trim()).filter((l) => l !== "");
}

/** Finds each exercise's answer cell in a student notebook; also counts the cells matching nothing. */
export function matchAnswers(
  template: Template,
  nb: Notebook,
): { answers: Map<string, AnswerMatch>; added: number } {
  const answers = new Map<string, AnswerMatch>();
  const code = nb.cells.filter((c): c is NotebookCell => c?.cell_type === "code");
  const used = new Set<number>();
  for (const cell of template.cells) {
    if (cell.kind !== "exercise") continue;
    const id = cell.item!.id;
    const check = trimmedNonBlank(cell.suffix!).at(-1);
    let found = code.flatMap((c, i) => courseMeta(c.metadata).exercise === id ? [i] : []);
    if (!found.length && check) {
      found = code.flatMap((c, i) =>
        courseMeta(c.metadata).exercise === undefined &&
          cellSource(c).split("\n").some((l) => l.trim() === check)
          ? [i]
          : []
      );
    }
    found.forEach((i) => used.add(i));
    answers.set(id, { code: found.length ? cellSource(code[found.at(-1)!]) : undefined, copies: found.length });
  }
  // cells that are neither an answer nor one of the notebook's own cells
  const added = code.filter((c, i) => {
    const text = cellSource(c).trim();
    return !used.has(i) && text !== "" && !template.ownCells.has(text) && courseMeta(c.metadata).exercise === undefined;
  }).length;
  return { answers, added };
}

/** The student's code with the check lines at its end replaced by the instructor's (run as the check phase). */
export function answerCode(studentCell: string, suffix: string[]): string {
  const lines = studentCell.split("\n");
  while (lines.length && lines.at(-1)!.trim() === "") lines.pop();
  const want = trimmedNonBlank(suffix);
  let j = want.length - 1;
  let end = lines.length;
  while (j >= 0 && end > 0) {
    const line = lines[end - 1].trim();
    if (line === "") end--;
    else if (line === want[j]) {
      end--;
      j--;
    } else break;
  }
  let body = lines.slice(0, end);
  if (j >= 0) {
    // the check lines were moved or edited: drop the copies of them, the instructor's check runs anyway
    const set = new Set(want);
    body = body.filter((l) => !set.has(l.trim()));
  }
  return `${body.join("\n")}\n__grade_phase("check");\n${suffix.join("\n")}`;
}

/** True when the non-blank lines of `text` begin with those of `lines` (spaces at the ends ignored). */
function startsWithLines(text: string, lines: string[]): boolean {
  const got = trimmedNonBlank(text.split("\n"));
  return trimmedNonBlank(lines).every((l, i) => got[i] === l);
}

/** True when two cell texts have the same non-blank lines (spaces at the ends ignored). */
function sameLines(a: string, b: string): boolean {
  const x = trimmedNonBlank(a.split("\n"));
  const y = trimmedNonBlank(b.split("\n"));
  return x.length === y.length && x.every((l, i) => l === y[i]);
}

/** Maps a module specifier of a cell: any `…/lib/mod.ts` is the kit's. */
export function resolveSpecifier(specifier: string, root: string): string {
  if (/(^|\/)lib\/mod\.ts$/.test(specifier)) return pathToFileURL(join(root, "lib", "mod.ts")).href;
  if (specifier.startsWith(".")) return pathToFileURL(resolvePath("/nonexistent", specifier)).href;
  return specifier;
}

/** Options of {@link buildPlan}. */
export interface BuildPlanOptions {
  /** The kit's root folder. */
  root: string;
  /** Full training (no grading budget). */
  full?: boolean;
}

/** One plan per submission: cells, and for each plan cell the graded item it stands for. */
export interface SubmissionPlan {
  /** What the harness runs. */
  plan: Plan;
  /** Plan index → graded item (exercise and threshold cells). */
  items: Map<number, GradedItem>;
  /** Exercises not found in the submission. */
  missing: Set<string>;
  /** Exercises found in several cells. */
  duplicated: string[];
  /** Cells the student added (not run). */
  added: number;
  /** Exercises whose fixed lines before the answer were changed (run as the student left them). */
  modified: string[];
  /** Exercises whose cell is as handed out (the TODO untouched): unanswered, whatever the check says. */
  untouched: Set<string>;
}

/** Builds the plan of one student notebook (or of a missing one: `nb` undefined, everything unanswered). */
export function buildPlan(template: Template, nb: Notebook | undefined, options: BuildPlanOptions): SubmissionPlan {
  const { answers, added } = nb ? matchAnswers(template, nb) : { answers: new Map<string, AnswerMatch>(), added: 0 };
  const missing = new Set<string>();
  const duplicated: string[] = [];
  const modified: string[] = [];
  const untouched = new Set<string>();
  const raw = template.cells.map((cell) => {
    if (cell.kind !== "exercise") return cell.code;
    const match = answers.get(cell.item!.id);
    if (!match?.code) missing.add(cell.item!.id);
    if ((match?.copies ?? 0) > 1) duplicated.push(cell.item!.id);
    if (match?.code && !startsWithLines(match.code, cell.prefix!)) modified.push(cell.item!.id);
    if (match?.code && sameLines(match.code, cell.studentCode!)) untouched.add(cell.item!.id);
    return answerCode(match?.code ?? cell.studentCode!, cell.suffix!);
  });
  const analyses = raw.map((code) => analyzeCell(code));
  const resolve = (s: string) => resolveSpecifier(s, options.root);
  // Direct dependencies: the last earlier cell declaring each name a cell uses.
  const cells: PlanCell[] = raw.map((code, k) => {
    const deps = new Set<number>();
    for (const name of analyses[k].uses) {
      for (let j = k - 1; j >= 0; j--) {
        if (analyses[j].declares.includes(name)) {
          deps.add(j);
          break;
        }
      }
    }
    return {
      k,
      kind: template.cells[k].kind,
      code: rewriteCell(code, analyses[k], resolve),
      declares: analyses[k].declares,
      deps: [...deps].sort((a, b) => a - b),
    };
  });
  // Setup cells no graded cell needs (figures, tables) are not run.
  const needed = new Set<number>();
  for (let k = cells.length - 1; k >= 0; k--) {
    if (cells[k].kind !== "setup" || needed.has(k)) {
      needed.add(k);
      cells[k].deps.forEach((d) => needed.add(d));
    }
  }
  const keptIdx = cells.map((_, k) => k).filter((k) => needed.has(k));
  const renumber = new Map(keptIdx.map((k, i) => [k, i]));
  const items = new Map<number, GradedItem>();
  const kept = keptIdx.map((k, i) => {
    const c = cells[k];
    if (template.cells[k].item) items.set(i, template.cells[k].item!);
    return { ...c, k: i, deps: c.deps.filter((d) => renumber.has(d)).map((d) => renumber.get(d)!) };
  });
  return {
    plan: { lib: join(options.root, "lib"), full: options.full ?? false, cells: kept },
    items,
    missing,
    duplicated,
    added,
    modified,
    untouched,
  };
}
