/**
 * Executes every notebook through the real Deno Jupyter kernel (`tools/notebooks.ts`, as `deno task course`
 * does): instructor notebooks must run end to end; student versions must stop at their first exercise
 * check with the friendly "todavía sin responder" message; their outputs use the Spanish number format
 * (`tests/number_format_test.ts`). Two notebooks run at a time: each test starts
 * the next notebook before awaiting its own.
 */
import assert from "node:assert/strict";
import {
  isStudentNotebook,
  listNotebooks,
  type NotebookResult,
  readNotebook,
  runNotebook,
  UNANSWERED,
} from "../tools/notebooks.ts";
import { englishNumbers } from "../tools/course_checks.ts";
import { TEST_AS_VALIDATION_WARNING } from "../lib/learn/validation.ts";

const notebooks = listNotebooks({ student: true });
/** An ASCII-only piece of train()'s warning, found in the executed notebook's JSON however it escapes text. */
const WARNING_ASCII = TEST_AS_VALIDATION_WARNING.match(/validationData es el conjunto de test/)![0];
const started = new Map<string, Promise<NotebookResult>>();

/** Starts a notebook once; at most two run at a time (the runner's machine-wide slots also enforce it). */
function start(path: string): Promise<NotebookResult> {
  if (!started.has(path)) started.set(path, runNotebook(path));
  return started.get(path)!;
}

/** A test's notebook, plus the next one started in the background so two run at a time. */
function resultOf(index: number): Promise<NotebookResult> {
  if (index + 1 < notebooks.length) start(notebooks[index + 1]).catch(() => {});
  return start(notebooks[index]);
}

for (const [index, path] of notebooks.entries()) {
  const name = path.slice(path.lastIndexOf("notebooks/"));
  const student = isStudentNotebook(path);
  Deno.test({
    name: student ? `${name} runs up to its first unanswered exercise` : `${name} runs top to bottom`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const r = await resultOf(index);
      assert.equal(r.status, "ok", `${name} falló:\n${r.message}`);
      if (student) {
        assert.ok(r.error, `${name}: la versión del alumno terminó sin pararse en ningún ejercicio`);
        assert.ok(
          r.error.evalue.includes(UNANSWERED),
          `${name}: se paró con "${r.error.ename}: ${r.error.evalue}" en vez de "${UNANSWERED}…"`,
        );
        // What the student sees: the Spanish message on one line, without the library's stack frames.
        const nb = JSON.parse(await Deno.readTextFile(r.executed!));
        const errors = nb.cells.flatMap((c: { outputs?: { output_type: string }[] }) => c.outputs ?? [])
          .filter((o: { output_type: string }) => o.output_type === "error");
        assert.equal(errors.length, 1, `${name}: ${errors.length} salidas de error`);
        assert.deepEqual(errors[0].traceback, [`${errors[0].ename}: ${errors[0].evalue}`]);
      } else {
        assert.equal(r.error, undefined, `${name}: error inesperado ${r.error?.evalue}`);
      }
      assert.ok(r.executed, `${name}: no se escribió el cuaderno ejecutado`);
      // train() warns when a test split is passed as validationData: no notebook may validate on test.
      assert.ok(
        !Deno.readTextFileSync(r.executed).includes(WARNING_ASCII),
        `${name}: entrena con el conjunto de test como validationData (train() avisa de ello)`,
      );
      assert.ok(r.html, `${name}: no se escribió el HTML`);
      const english = englishNumbers(readNotebook(r.executed));
      assert.deepEqual(english, [], `${name}: números con punto decimal en las salidas (usa lib/engine/format.ts)`);
    },
  });
}
