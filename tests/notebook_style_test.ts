/**
 * Cells a student can read, and the method every ML course teaches: no code cell over 15 lines in the
 * lessons 01–08 (plotting and bookkeeping live in lib/), and no notebook validates on its test split.
 */
import assert from "node:assert/strict";
import { basename, relative } from "node:path";
import { codeLines, longCodeCells, testAsValidation } from "../tools/course_checks.ts";
import { isStudentNotebook, listNotebooks, notebookCode, readNotebook, ROOT } from "../tools/notebooks.ts";

const MAX_LINES = 15;

Deno.test("codeLines counts the lines of a cell, trailing blank lines aside", () => {
  assert.equal(codeLines("a\nb\n\nc\n\n"), 4);
  assert.equal(codeLines("x"), 1);
});

Deno.test("testAsValidation: test data followed through assignments, train/validation splits allowed", () => {
  const bad = `const testCompleto = await loadFashionMnist({ split: "test" });
const test = await subset(testCompleto, { classes: [0, 1] });
const train = await loadFashionMnist({ split: "train" });
await train(model, train, { epochs: 2, validationData: test });
`;
  const r = testAsValidation(bad);
  assert.deepEqual(r.testVars.sort(), ["test", "testCompleto"]);
  assert.equal(r.uses.length, 1);
  const good = `const all = await loadMnist({ split: "train" });
const { train, validation } = splitValidation(all, { size: 0.1, seed: 1 });
const test = await loadMnist({ split: "test" });
await fit(model, train, { validationData: validation });
const ev = await evaluate(model, test);
`;
  assert.deepEqual(testAsValidation(good).uses, []);
  const shorthand = `const validationData = await loadMnist({ split: "test", limit: 100 });
await fit(model, train, { epochs: 1, validationData });
`;
  assert.equal(testAsValidation(shorthand).uses.length, 1);
});

for (const path of listNotebooks({ student: true })) {
  const name = relative(ROOT, path);
  const lesson = /^0[1-8]_/.test(basename(path)) && !isStudentNotebook(path);
  if (lesson) {
    Deno.test(`${name}: no code cell over ${MAX_LINES} lines`, () => {
      const long = longCodeCells(readNotebook(path), MAX_LINES);
      assert.deepEqual(
        long,
        [],
        `${name}: celdas de código de más de ${MAX_LINES} líneas (lleva el dibujo o la contabilidad a lib/): ` +
          long.map((c) => `celda ${c.index} (${c.lines} líneas)`).join(", "),
      );
    });
  }
  Deno.test(`${name}: never validates on the test split`, () => {
    const { uses } = testAsValidation(notebookCode(readNotebook(path)));
    assert.deepEqual(
      uses,
      [],
      `${name} pasa datos de test como validationData: la validación guía el entrenamiento; el test se ` +
        `evalúa una sola vez al final. Separa una validación del conjunto de entrenamiento: ${uses.join("; ")}`,
    );
  });
}
