/**
 * Executes every notebook through the real Deno Jupyter kernel (`tools/notebooks.ts`, as `deno task course`
 * does): instructor notebooks must run end to end; student versions must stop at their first exercise
 * check with the friendly "todavía sin responder" message. At most two notebooks run at a time.
 */
import assert from "node:assert/strict";
import {
  isStudentNotebook,
  listNotebooks,
  mapPool,
  type NotebookResult,
  runNotebook,
  UNANSWERED,
} from "../tools/notebooks.ts";

const notebooks = listNotebooks({ student: true });
const JOBS = 2;

let results: Map<string, Promise<NotebookResult>> | undefined;

/** Starts every notebook once (two at a time) on first use; each test awaits its own. */
function resultOf(path: string): Promise<NotebookResult> {
  if (!results) {
    const resolvers = new Map<string, (r: NotebookResult | PromiseLike<NotebookResult>) => void>();
    results = new Map(notebooks.map((p) => [p, new Promise<NotebookResult>((res) => resolvers.set(p, res))]));
    mapPool(notebooks, JOBS, async (p) => {
      try {
        resolvers.get(p)!(await runNotebook(p));
      } catch (e) {
        resolvers.get(p)!(Promise.reject(e));
      }
    });
  }
  return results.get(path)!;
}

for (const path of notebooks) {
  const name = path.slice(path.lastIndexOf("notebooks/"));
  const student = isStudentNotebook(path);
  Deno.test({
    name: student ? `${name} runs up to its first unanswered exercise` : `${name} runs top to bottom`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const r = await resultOf(path);
      assert.equal(r.status, "ok", `${name} falló:\n${r.message}`);
      if (student) {
        assert.ok(r.error, `${name}: la versión del alumno terminó sin pararse en ningún ejercicio`);
        assert.ok(
          r.error.evalue.includes(UNANSWERED),
          `${name}: se paró con "${r.error.ename}: ${r.error.evalue}" en vez de "${UNANSWERED}…"`,
        );
      } else {
        assert.equal(r.error, undefined, `${name}: error inesperado ${r.error?.evalue}`);
      }
      assert.ok(r.executed, `${name}: no se escribió el cuaderno ejecutado`);
      assert.ok(r.html, `${name}: no se escribió el HTML`);
    },
  });
}
