/**
 * Student versions (`deno task student`): committed files are exactly what the generator writes today,
 * and hold no solution marker or solution line. The generator itself is tested on a small notebook,
 * including executing its student version through the kernel up to the friendly "todavía sin responder".
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { cellSource, listNotebooks, type Notebook, readNotebook, runNotebook, UNANSWERED } from "../tools/notebooks.ts";
import {
  findLeaks,
  generateStudentNotebooks,
  hasSolutions,
  serializeNotebook,
  studentVersion,
  TODO_CODE,
  TODO_MARKDOWN,
} from "../tools/student.ts";

const META = {
  kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
  language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/x.typescript" },
};

function notebook(cells: Array<[string, string]>): Notebook {
  return {
    cells: cells.map(([type, text], i) => ({
      cell_type: type,
      id: `c${i}`,
      metadata: {},
      source: text,
      ...(type === "code" ? { outputs: [], execution_count: null } : {}),
    })),
    metadata: META,
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** A tiny instructor notebook following the convention: declaration, solution block, check. */
const CHECK = `function comprobar(valor: number | undefined, esperado: number): void {
  if (valor === undefined) throw new Error("todavía sin responder: escribe tu respuesta en la celda de arriba");
  if (valor !== esperado) throw new Error("no es correcto; repasa la fórmula (N − F + 2P)/S + 1");
  console.log("¡correcto!");
}`;
const tiny = notebook([
  ["markdown", "# Ejercicios\n¿Cuánto vale (7 − 3)/1 + 1?"],
  ["code", CHECK],
  [
    "code",
    "let salida: number | undefined = undefined;\n// BEGIN SOLUTION\nsalida = (7 - 3) / 1 + 1;\n// END SOLUTION\ncomprobar(salida, 5);",
  ],
  ["markdown", "¿Por qué?\n<!-- BEGIN SOLUTION -->\nPorque el filtro cabe cinco veces.\n<!-- END SOLUTION -->"],
  [
    "code",
    "let doble: number | undefined = undefined;\nif (true) {\n  // BEGIN SOLUTION\n  doble = 2 * 5;\n  // END SOLUTION\n}\ncomprobar(doble, 10);",
  ],
]);

Deno.test("studentVersion replaces solution blocks by a TODO and keeps declarations and checks", () => {
  const s = studentVersion(tiny);
  const code = s.cells.map(cellSource);
  assert.equal(
    code[2],
    `let salida: number | undefined = undefined;\n${TODO_CODE}\ncomprobar(salida, 5);`,
  );
  assert.equal(code[3], `¿Por qué?\n${TODO_MARKDOWN}`);
  assert.equal(
    code[4],
    `let doble: number | undefined = undefined;\nif (true) {\n  ${TODO_CODE}\n}\ncomprobar(doble, 10);`,
  );
  assert.equal(code[1], CHECK);
  assert.deepEqual(findLeaks(tiny, s), []);
  assert.ok(hasSolutions(tiny));
  assert.ok(!hasSolutions(s));
});

Deno.test("studentVersion moves relative paths one folder deeper and drops outputs", () => {
  const nb = notebook([[
    "code",
    'import { tf } from "../lib/mod.ts";\nconst p = "../data/x";\n// BEGIN SOLUTION\n// END SOLUTION',
  ]]);
  nb.cells[0].outputs = [{ output_type: "stream", name: "stdout", text: "hola" }];
  nb.cells[0].execution_count = 3;
  const s = studentVersion(nb);
  assert.equal(
    cellSource(s.cells[0]),
    `import { tf } from "../../lib/mod.ts";\nconst p = "../../data/x";\n${TODO_CODE}`,
  );
  assert.deepEqual(s.cells[0].outputs, []);
  assert.equal(s.cells[0].execution_count, null);
});

Deno.test("unbalanced or inline markers are rejected with the cell named", () => {
  for (
    const text of [
      "// BEGIN SOLUTION\nx = 1;",
      "x = 1;\n// END SOLUTION",
      "// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION",
      "x = 1; // BEGIN SOLUTION",
    ]
  ) {
    assert.throws(() => studentVersion(notebook([["code", text]]), { name: "t.ipynb" }), /t\.ipynb, celda 0/);
  }
});

Deno.test("findLeaks reports solution lines and markers left in a student version", () => {
  const s = studentVersion(tiny);
  const leaked: Notebook = JSON.parse(JSON.stringify(s));
  leaked.cells[2].source = cellSource(leaked.cells[2]) + "\n  salida = (7 - 3) / 1 + 1;";
  leaked.cells[3].source = cellSource(leaked.cells[3]) + "\n<!-- END SOLUTION -->";
  assert.deepEqual(findLeaks(tiny, leaked), ["salida = (7 - 3) / 1 + 1;", "<!-- END SOLUTION -->"]);
  // A solution line that also appears outside the blocks is not a leak.
  const shared = notebook([["code", "let a = 1;\n// BEGIN SOLUTION\nlet a = 1;\n// END SOLUTION"]]);
  assert.deepEqual(findLeaks(shared, studentVersion(shared)), []);
});

Deno.test("serializeNotebook is deterministic (sorted keys, one-space indent, final newline)", () => {
  const a = serializeNotebook(tiny);
  const reordered = { nbformat_minor: 5, nbformat: 4, metadata: META, cells: tiny.cells } as Notebook;
  assert.equal(serializeNotebook(reordered), a);
  assert.ok(a.startsWith('{\n "cells": [\n'));
  assert.ok(a.endsWith("}\n"));
});

Deno.test({
  name: "a generated student notebook runs up to the first unanswered check (real kernel)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "student_test_" });
    try {
      await Deno.writeTextFile(join(dir, "05_mini.ipynb"), serializeNotebook(tiny));
      const generated = await generateStudentNotebooks({ dir });
      assert.equal(generated.length, 1);
      assert.ok(generated[0].changed);
      assert.deepEqual((await generateStudentNotebooks({ dir, check: true })).map((g) => g.changed), [false]);
      const out = join(dir, "build");
      const instructor = await runNotebook(join(dir, "05_mini.ipynb"), { outDir: out, htmlDir: false });
      assert.equal(instructor.status, "ok", instructor.message);
      assert.equal(instructor.error, undefined);
      const student = await runNotebook(generated[0].student, { outDir: out, htmlDir: false });
      assert.equal(student.status, "ok", student.message);
      assert.equal(student.error?.cellIndex, 2, "se para en la primera comprobación");
      assert.match(student.error!.evalue, new RegExp(`^${UNANSWERED}`));
      assert.ok(!student.error!.evalue.includes("5"), "el mensaje no revela la respuesta");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// The committed student versions.
const instructors = listNotebooks().filter((p) => hasSolutions(readNotebook(p)));
const committed = listNotebooks({ student: true }).filter((p) => p.includes("/student/"));

Deno.test("every student notebook has an instructor notebook with solutions, and vice versa", () => {
  const names = (ps: string[]) => ps.map((p) => basename(p)).sort();
  assert.deepEqual(names(committed), names(instructors), "ejecuta `deno task student` y haz commit");
});

for (const path of instructors) {
  const name = basename(path);
  Deno.test(`notebooks/student/${name} is up to date and holds no solution text`, async () => {
    const [g] = (await generateStudentNotebooks({ check: true })).filter((x) => x.instructor === path);
    assert.ok(existsSync(g.student), `falta ${g.student}: ejecuta \`deno task student\``);
    assert.equal(
      await Deno.readTextFile(g.student),
      g.content,
      `${name}: desactualizado; ejecuta \`deno task student\``,
    );
    assert.deepEqual(findLeaks(readNotebook(path), readNotebook(g.student)), [], `${name}: la solución se filtra`);
  });
}
