/**
 * `deno task grade`: fixture classes generated here from the real notebooks (instructor versions graded as
 * students, student versions as handed out, wrong answers, reordered/duplicated/deleted cells, broken files)
 * and submissions that attack the sandbox.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gradeClass } from "../tools/grade.ts";
import { analyzeCell } from "../tools/grade_source.ts";
import { loadTemplates, notebookIdOf } from "../tools/grade_plan.ts";
import { type GradeRow } from "../tools/grade_report.ts";
import { cellSource, type Notebook, NOTEBOOKS_DIR, readNotebook, ROOT, STUDENT_DIR } from "../tools/notebooks.ts";
import { serializeNotebook } from "../tools/student.ts";

const NB05 = "05_ejercicios_dimensiones.ipynb";
const NB09 = "09_laboratorio_1.ipynb";
const NB10 = "10_laboratorio_2.ipynb";

function exerciseCell(nb: Notebook, id: string) {
  const cell = nb.cells.find((c) => (c.metadata?.course as { exercise?: string } | undefined)?.exercise === id);
  assert.ok(cell, `no hay celda del ejercicio ${id}`);
  return cell;
}

/** Replaces the solution block's TODO line of a student cell with `code`. */
function answer(nb: Notebook, id: string, code: string): void {
  const cell = exerciseCell(nb, id);
  const text = cellSource(cell);
  assert.ok(text.includes("// TODO: escribe tu respuesta aquí"));
  cell.source = text.replace("// TODO: escribe tu respuesta aquí", code);
}

function copy<T>(x: T): T {
  return JSON.parse(JSON.stringify(x));
}

async function writeNb(path: string, nb: Notebook): Promise<void> {
  await Deno.writeTextFile(path, serializeNotebook(nb));
}

function rowsOf(rows: GradeRow[], student: string, notebook: string): Map<string, GradeRow> {
  return new Map(rows.filter((r) => r.student === student && r.notebook === notebook).map((r) => [r.exercise, r]));
}

Deno.test("analyzeCell finds top-level declarations and imports, not nested ones", () => {
  const a = analyzeCell(
    'import { a, b as c, type T } from "../lib/mod.ts";\nconst { x, y: z } = f(1, 2), w = 3;\n' +
      "let m: Map<string, Set<number>> = new Map();\nasync function g() { const inner = 1; }\nclass K {}\n" +
      "for (const i of [1]) { let j = i; }\nconst s = `${(() => { const t = 1; return t; })()}`;\n",
  );
  assert.deepEqual(a.declares.sort(), ["K", "a", "c", "g", "m", "s", "w", "x", "z"]);
  assert.equal(a.imports.length, 1);
  assert.equal(a.imports[0].specifier, "../lib/mod.ts");
  assert.ok(a.imports[0].code.includes("b: c") && !a.imports[0].code.includes("T"));
});

Deno.test("every solution cell has an exercise id, unique per notebook, and student versions keep the ids", () => {
  const templates = loadTemplates();
  assert.deepEqual([...templates.keys()].sort(), ["05", "09", "10"]);
  assert.equal(templates.get("05")!.items.length, 28);
  for (const [id, t] of templates) {
    const ids = t.items.map((i) => i.id);
    assert.equal(new Set(ids).size, ids.length, `ids repetidos en ${id}`);
    const instructor = readNotebook(t.path);
    const solutionCells = instructor.cells.filter((c) =>
      c.cell_type === "code" && /BEGIN SOLUTION/.test(cellSource(c))
    );
    assert.equal(solutionCells.length, t.items.filter((i) => i.kind === "exercise").length);
    const student = readNotebook(join(STUDENT_DIR, t.path.split("/").at(-1)!));
    assert.equal(notebookIdOf(student, "renombrado.ipynb"), id);
    for (const item of t.items.filter((i) => i.kind === "exercise")) exerciseCell(student, item.id);
  }
  assert.equal(notebookIdOf(undefined, "Copia de 09_laboratorio_1 (2).ipynb"), "09");
  assert.equal(notebookIdOf(undefined, "cuaderno.ipynb"), undefined);
});

Deno.test("grade: full marks, unanswered, wrong answers, moved cells, broken files and attacks on notebook 05", async () => {
  const dir = await Deno.makeTempDir({ prefix: "grade-test-" });
  const outside = await Deno.makeTempDir({ prefix: "grade-outside-" });
  const kitBefore = await Deno.readTextFile(join(ROOT, "lib", "mod.ts"));
  try {
    const instructor = readNotebook(join(NOTEBOOKS_DIR, NB05));
    const student = readNotebook(join(STUDENT_DIR, NB05));
    for (const s of ["profe", "alumno", "errores", "roto", "malo"]) await Deno.mkdir(join(dir, s));
    await writeNb(join(dir, "profe", "mi cuaderno.ipynb"), instructor); // renamed: identity from metadata
    await writeNb(join(dir, "alumno", NB05), student);
    await Deno.writeTextFile(join(dir, "alumno", "notas.txt"), "no es un cuaderno");

    // Wrong answers, moved cells, a duplicate, a deleted cell, a cell without metadata, an added cell.
    const w = copy(student);
    answer(w, "1", "r1 = { width: 4, height: 4, depth: 1 };"); // forgot the + 1
    answer(w, "2", "r2 = { width: 5, height: 5, depth: 1 };"); // forgot the stride
    answer(
      w,
      "22",
      `r22 = [
  { output: "28x28x8", params: 80 },
  { output: "14x14x8", params: 0 },
  { output: "14x14x16", params: 1168 },
  { output: "7x7x16", params: 0 },
  { output: "1x1x10", params: 999 },
];`,
    );
    answer(w, "5", "r5 = (5 * 5 * 3 + 1) * 10;");
    const c6 = exerciseCell(w, "6"); // fixed line changed: noted, graded as it is
    c6.source = cellSource(c6).replace(
      /let r6: number \| undefined = undefined;\n\/\/ TODO.*\n/,
      "let r6 = 300 * 300 * 3;\n",
    );
    const c5 = exerciseCell(w, "5");
    c5.metadata = {}; // pasted into a new cell: found by its check line
    const dupWrong = copy(exerciseCell(w, "3"));
    answer(w, "3", "r3 = false;"); // the last copy (right) counts
    dupWrong.source = cellSource(dupWrong).replace("// TODO: escribe tu respuesta aquí", "r3 = true;");
    const cells = w.cells;
    const i2 = cells.indexOf(exerciseCell(w, "2"));
    const [moved] = cells.splice(i2, 1);
    cells.push(moved); // exercise 2 at the end
    cells.splice(cells.indexOf(exerciseCell(w, "3")), 0, dupWrong);
    cells.splice(cells.indexOf(exerciseCell(w, "4")), 1); // deleted
    cells.push({
      cell_type: "code",
      metadata: {},
      source: "const borrador = 1 + 1;",
      outputs: [],
      execution_count: null,
    });
    await writeNb(join(dir, "errores", "05_entrega.ipynb"), w);

    await Deno.writeTextFile(join(dir, "roto", "05_roto.ipynb"), '{"cells": [');

    // Attacks, one per exercise; the others answered right.
    const m = copy(instructor);
    const attack = (id: string, code: string) => {
      const cell = exerciseCell(m, id);
      cell.source = cellSource(cell).replace(/\/\/ BEGIN SOLUTION\n[\s\S]*?\/\/ END SOLUTION\n/, code + "\n");
    };
    const stolen = join(outside, "stolen.txt");
    attack("1", 'r1 = JSON.parse(Deno.readTextFileSync("/etc/passwd"));');
    attack("2", `Deno.writeTextFileSync(${JSON.stringify(stolen)}, "x");`);
    attack("3", 'const conn = await Deno.connect({ hostname: "127.0.0.1", port: 9 });');
    attack("4", `new Deno.Command("/usr/bin/touch", { args: [${JSON.stringify(stolen)}] }).outputSync();`);
    attack("6", "Deno.exit(0);");
    attack("7", "while (true) {}");
    attack("8", "const hog: number[][] = []; while (true) hog.push(new Array(1e6).fill(1.5));");
    attack("10", "(globalThis as unknown as { close(): void }).close();");
    attack("9", `Deno.writeTextFileSync(${JSON.stringify(join(ROOT, "lib", "mod.ts"))}, "hacked");`);
    await writeNb(join(dir, "malo", "05.ipynb"), m);

    const { rows, notes, out } = await gradeClass(dir, { jobs: 2, timeout: 20, memoryMb: 512, verbose: false });
    const only05 = rows.filter((r) => r.notebook === "05");

    // instructor version: full marks
    const profe = rowsOf(only05, "profe", "05");
    assert.equal(profe.size, 28);
    for (const r of profe.values()) assert.equal(r.status, "ok", `${r.exercise}: ${r.message}`);
    assert.equal([...profe.values()].reduce((s, r) => s + r.points, 0), 29);
    // student version as handed out: unanswered everywhere
    for (const r of rowsOf(only05, "alumno", "05").values()) {
      assert.equal(r.status, "unanswered", `${r.exercise}: ${r.message}`);
      assert.equal(r.points, 0);
    }
    // other notebooks not handed in: missing
    assert.ok(rows.filter((r) => r.student === "alumno" && r.notebook === "09").every((r) => r.status === "missing"));

    const e = rowsOf(only05, "errores", "05");
    assert.equal(e.get("1")!.status, "wrong");
    assert.match(e.get("1")!.message, /\+ 1/);
    assert.doesNotMatch(e.get("1")!.message, /5×5|5x5/); // the expected value is never given
    assert.equal(e.get("2")!.status, "wrong"); // moved to the end, still found
    assert.equal(e.get("3")!.status, "ok"); // duplicated: the last copy counts
    assert.equal(e.get("4")!.status, "missing");
    assert.equal(e.get("5")!.status, "ok"); // no metadata: found by its check line
    assert.equal(e.get("22")!.status, "wrong");
    assert.equal(e.get("22")!.points, 1.6); // 4 of 5 rows right, 2 points
    assert.doesNotMatch(e.get("22")!.message, /7\.?850/);
    assert.equal(e.get("6")!.status, "ok");
    assert.ok(notes.get("errores")!.some((n) => /ejercicios? 6 se han cambiado las líneas fijas/.test(n)));
    assert.equal(e.get("7")!.status, "unanswered");
    assert.ok(notes.get("errores")!.some((n) => /añadida/.test(n)));
    assert.ok(notes.get("errores")!.some((n) => /ejercicio 3 aparece en varias/.test(n)));
    assert.ok(notes.get("alumno")!.some((n) => /notas\.txt/.test(n)));
    for (const s of ["profe", "alumno"]) assert.ok(!notes.get(s)!.some((n) => /añadida/.test(n)), s);

    for (const r of rowsOf(only05, "roto", "05").values()) {
      assert.equal(r.status, "error");
      assert.match(r.message, /no es un cuaderno válido/);
    }

    const a = rowsOf(only05, "malo", "05");
    const refused = /no permite esta operación/;
    assert.equal(a.get("1")!.status, "error");
    assert.match(a.get("1")!.message, refused);
    assert.match(a.get("1")!.message, /read access/);
    assert.match(a.get("2")!.message, refused);
    assert.match(a.get("3")!.message, refused);
    assert.match(a.get("3")!.message, /net access/);
    assert.match(a.get("4")!.message, refused);
    assert.match(a.get("4")!.message, /run access/);
    assert.match(a.get("6")!.message, /Deno\.exit/);
    assert.equal(a.get("7")!.status, "timeout");
    assert.match(a.get("7")!.message, /tiempo/);
    assert.equal(a.get("8")!.status, "error");
    assert.match(a.get("8")!.message, /memoria/);
    assert.match(a.get("9")!.message, refused);
    assert.match(a.get("10")!.message, /close\(\)/);
    for (const id of ["5", "11", "22", "23", "p4"]) assert.equal(a.get(id)!.status, "ok", id); // the rest graded
    assert.ok(!existsSync(stolen));
    assert.equal(await Deno.readTextFile(join(ROOT, "lib", "mod.ts")), kitBefore);

    // outputs
    const csv = await Deno.readTextFile(join(out, "gradebook.csv"));
    assert.equal(csv.split("\n")[0], "student,notebook,exercise,points,max_points,status,message");
    assert.equal(csv.trim().split("\n").length, rows.length + 1);
    const summary = await Deno.readTextFile(join(out, "summary.csv"));
    assert.ok(summary.includes("profe,05,29,29\n"));
    const html = await Deno.readTextFile(join(out, "feedback", "errores.html"));
    assert.match(html, /<html lang="es">/);
    assert.doesNotMatch(html, /<script|https?:/);
    assert.equal([...Deno.readDirSync(join(out, "feedback"))].length, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("grade: same submissions, same gradebook (idempotent)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "grade-test-" });
  try {
    await Deno.mkdir(join(dir, "ana"));
    const nb = readNotebook(join(STUDENT_DIR, NB05));
    answer(nb, "1", "r1 = { width: 5, height: 5, depth: 1 };");
    answer(nb, "2", "r2 = { width: 9, height: 9, depth: 1 };");
    await writeNb(join(dir, "ana", "x.ipynb"), nb);
    await gradeClass(dir, { jobs: 1, verbose: false });
    const first = await Deno.readTextFile(join(dir, "_notas", "gradebook.csv"));
    await gradeClass(dir, { jobs: 1, verbose: false });
    assert.equal(await Deno.readTextFile(join(dir, "_notas", "gradebook.csv")), first);
    assert.ok(first.includes("ana,05,1,1,1,ok,correcto"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("grade: labs 09 and 10 with the grading budget (instructor = full marks, student = unanswered)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "grade-test-" });
  try {
    await Deno.mkdir(join(dir, "profe"));
    await Deno.mkdir(join(dir, "alumno"));
    for (const f of [NB09, NB10]) {
      await Deno.copyFile(join(NOTEBOOKS_DIR, f), join(dir, "profe", f));
      await Deno.copyFile(join(STUDENT_DIR, f), join(dir, "alumno", `copia de ${f}`));
    }
    const { rows, notes } = await gradeClass(dir, { jobs: 2, timeout: 300, verbose: false });
    assert.deepEqual(notes.get("profe"), []);
    assert.deepEqual(notes.get("alumno"), []);
    for (const nb of ["09", "10"]) {
      const p = [...rowsOf(rows, "profe", nb).values()];
      const s = [...rowsOf(rows, "alumno", nb).values()];
      for (const r of p) {
        if (r.max_points > 0) assert.equal(r.status, "ok", `${nb} ${r.exercise}: ${r.message}`);
        else assert.match(r.message, /solo informativo/); // accuracy goals: reported, not graded
      }
      assert.equal(p.reduce((a, r) => a + r.points, 0), p.reduce((a, r) => a + r.max_points, 0));
      for (const r of s.filter((r) => r.max_points > 0)) {
        assert.equal(r.status, "unanswered", `${nb} ${r.exercise}: ${r.message}`);
      }
      assert.equal(s.reduce((a, r) => a + r.points, 0), 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task grade: default output folder, printed table, Spanish errors for bad arguments", async () => {
  const dir = await Deno.makeTempDir({ prefix: "grade-test-" });
  try {
    await Deno.mkdir(join(dir, "eva"));
    await Deno.copyFile(join(NOTEBOOKS_DIR, NB05), join(dir, "eva", "entrega.ipynb"));
    const run = (...args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["task", "grade", ...args],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      })
        .output();
    const ok = await run(dir, "--jobs", "1");
    const stdout = new TextDecoder().decode(ok.stdout);
    assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
    assert.match(stdout, /eva\s+29\/29\s+0\/6\s+0\/5\s+29\/40/);
    assert.ok(existsSync(join(dir, "_notas", "gradebook.csv")));
    assert.ok(existsSync(join(dir, "_notas", "feedback", "eva.html")));
    const bad = await run(dir, "--jobs", "0");
    assert.equal(bad.code, 1);
    assert.match(new TextDecoder().decode(bad.stderr), /--jobs debe ser un entero/);
    const none = await run(join(dir, "no-existe"));
    assert.equal(none.code, 1);
    assert.match(new TextDecoder().decode(none.stderr), /No existe la carpeta de entregas/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
