/**
 * Notebooks stay in step with the library: each notebook's code cells, concatenated in order, pass
 * `deno check` and `deno lint` (the Deno kernel does no type checking); notebooks are committed with the
 * Deno kernelspec and without outputs.
 */
import assert from "node:assert/strict";
import { basename, dirname, join } from "node:path";
import { cellSource, isStudentNotebook, listNotebooks, notebookCode, readNotebook } from "../tools/notebooks.ts";

const decoder = new TextDecoder();

async function deno(args: string[]): Promise<{ ok: boolean; text: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return { ok: out.success, text: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

/** Writes the notebook's code next to it (so `../lib/mod.ts` resolves), runs `fn`, removes the file. */
async function withCodeFile<T>(path: string, fn: (file: string) => Promise<T>): Promise<T> {
  const file = join(dirname(path), `.check_${basename(path, ".ipynb")}_${Deno.pid}.ts`);
  await Deno.writeTextFile(file, notebookCode(readNotebook(path)));
  try {
    return await fn(file);
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}

const notebooks = listNotebooks({ student: true });

Deno.test("there is at least the environment notebook", () => {
  assert.ok(notebooks.some((p) => basename(p) === "00_entorno.ipynb"), "falta notebooks/00_entorno.ipynb");
});

for (const path of notebooks) {
  const name = path.slice(path.lastIndexOf("notebooks/"));
  Deno.test(`${name}: Deno kernelspec, no stored outputs`, () => {
    const nb = readNotebook(path);
    assert.equal(nb.nbformat, 4);
    const spec = nb.metadata.kernelspec as { name?: string; language?: string } | undefined;
    assert.equal(spec?.name, "deno", `${name}: el kernelspec debe ser "deno"`);
    assert.equal(spec?.language, "typescript");
    nb.cells.forEach((cell, i) => {
      if (cell.cell_type !== "code") return;
      assert.deepEqual(cell.outputs, [], `${name}, celda ${i}: guarda salidas (bórralas antes de hacer commit)`);
      assert.equal(cell.execution_count, null, `${name}, celda ${i}: execution_count debe ser null`);
    });
    const code = nb.cells.filter((c) => c.cell_type === "code");
    assert.ok(code.length > 0, `${name}: no tiene celdas de código`);
    assert.match(cellSource(code[0]), /from "(\.\.\/)+lib\/mod\.ts"/, `${name}: la primera celda importa lib/mod.ts`);
  });

  Deno.test(`${name}: code cells pass deno check and deno lint`, async () => {
    await withCodeFile(path, async (file) => {
      const check = await deno(["check", "--quiet", file]);
      assert.ok(check.ok, `${name}: deno check falló:\n${check.text}`);
      // In a student version the answer variables are declared with `let` and assigned by the student (until
      // then `prefer-const` would flag them), and the first cell imports what the answers need (`addHead`,
      // `freeze`…), unused until the student writes them (`no-unused-vars`).
      const studentRules = ["--rules-exclude=prefer-const,no-unused-vars"];
      const lint = await deno(["lint", ...(isStudentNotebook(path) ? studentRules : []), file]);
      assert.ok(lint.ok, `${name}: deno lint falló:\n${lint.text}`);
    });
  });
}
