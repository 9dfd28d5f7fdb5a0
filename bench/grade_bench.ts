/**
 * `deno run -A bench/grade_bench.ts [--students 30] [--jobs N] [--keep DIR]`: generates a class of students
 * (each hands in 05, 09 and 10, under varied file names: a mix of full solutions, untouched student
 * versions and partly wrong answers), grades it with `deno task grade`, and prints one JSON line with the
 * wall-clock seconds. Not a test: the figure goes to the README.
 * @module
 */
import { join } from "node:path";
import { cellSource, type Notebook, NOTEBOOKS_DIR, readNotebook, ROOT, STUDENT_DIR } from "../tools/notebooks.ts";
import { serializeNotebook } from "../tools/student.ts";

const FILES = ["05_ejercicios_dimensiones.ipynb", "09_laboratorio_1.ipynb", "10_laboratorio_2.ipynb"];

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 && Deno.args[i + 1] ? Deno.args[i + 1] : fallback;
}

/** Student `s`'s version of a notebook: full solution, as handed out, or some answers wrong. */
function variant(file: string, s: number): Notebook {
  const kind = s % 3;
  if (kind === 0) return readNotebook(join(NOTEBOOKS_DIR, file));
  const nb = readNotebook(join(STUDENT_DIR, file));
  if (kind === 1) return nb;
  // kind 2: the instructor's answers, with every third exercise answered wrong (a number off by one)
  const instructor = readNotebook(join(NOTEBOOKS_DIR, file));
  let n = 0;
  for (const cell of instructor.cells) {
    if (!/BEGIN SOLUTION/.test(cellSource(cell)) || cell.cell_type !== "code") continue;
    if (n++ % 3 === 0) cell.source = cellSource(cell).replace(/= (\d+)/, (_, d) => `= ${Number(d) + 1}`);
  }
  return instructor;
}

if (import.meta.main) {
  const students = Number(arg("--students", "30"));
  const jobs = arg("--jobs", String(navigator.hardwareConcurrency ?? 2));
  const dir = Deno.args.includes("--keep") ? arg("--keep", "") : await Deno.makeTempDir({ prefix: "grade-bench-" });
  try {
    for (let s = 0; s < students; s++) {
      const name = `alumno${String(s + 1).padStart(2, "0")}`;
      await Deno.mkdir(join(dir, name), { recursive: true });
      for (const file of FILES) {
        const target = s % 2 ? `${name}_${file}` : file;
        await Deno.writeTextFile(join(dir, name, target), serializeNotebook(variant(file, s)));
      }
    }
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "grade", dir, "--jobs", jobs],
      cwd: ROOT,
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const seconds = (performance.now() - t0) / 1000;
    const table = new TextDecoder().decode(out.stdout);
    console.error(table);
    console.log(JSON.stringify({
      bench: "grade",
      students,
      notebooks: students * FILES.length,
      jobs: Number(jobs),
      seconds: Math.round(seconds),
      secondsPerStudent: Math.round(seconds / students * 10) / 10,
      ok: out.success,
    }));
  } finally {
    if (!Deno.args.includes("--keep")) await Deno.remove(dir, { recursive: true });
  }
}
