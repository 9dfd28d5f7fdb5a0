/**
 * Spanish number format in what the learner reads: the outputs of the executed notebooks (text, markdown,
 * HTML without scripts, plotly titles/labels/texts) contain no `94.3 %`, `12.5 s` or `138.4 M`.
 *
 * `tests/notebooks_test.ts` applies the same check to each notebook right after executing it; here it runs
 * on the executed notebooks already in `build/notebooks/` (from `deno task nb` or `deno task course`) —
 * each is checked if present, and skipped (ignored, shown as such) if not built yet.
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { existsSync } from "node:fs";
import { ENGLISH_NUMBER, englishNumbers } from "../tools/course_checks.ts";
import { listNotebooks, type Notebook, readNotebook, ROOT } from "../tools/notebooks.ts";

function nbWith(outputs: unknown[]): Notebook {
  return {
    cells: [{ cell_type: "code", source: "x", metadata: {}, outputs, execution_count: 1 }],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
}

Deno.test("ENGLISH_NUMBER: English decimals with a unit are found, Spanish ones and versions are not", () => {
  const find = (s: string) => [...s.matchAll(ENGLISH_NUMBER)].map((m) => m[0]);
  assert.deepEqual(find("exactitud 94.3 % en 12.5 s; 138.4 M parámetros"), ["94.3 %", "12.5 s", "138.4 M"]);
  assert.deepEqual(find("exactitud 94,3 % en 12,5 s; 138,4 M; 2.359.296 pesos; tfjs 4.22.0; 50.0%"), ["50.0%"]);
  assert.deepEqual(find("deno 2.9.6 s"), []); // a version, not a decimal
});

Deno.test("englishNumbers looks at streams, markdown, visible HTML and plotly texts, not at scripts or CSS", () => {
  const nb = nbWith([
    { output_type: "stream", name: "stdout", text: ["ok 12,5 s\n", "mal 12.5 s\n"] },
    {
      output_type: "display_data",
      data: {
        "text/markdown": "exactitud **91.7 %**",
        "text/html": '<div style="width:50.0%">hecho</div><script>var a = "33.3 %";</script>',
        "application/vnd.plotly.v1+json": { data: [{ text: ["88.1 %"] }], layout: { title: { text: "t" } } },
      },
    },
  ]);
  assert.deepEqual(englishNumbers(nb).map((v) => v.found), ["12.5 s", "91.7 %", "88.1 %"]);
});

const BUILD = join(ROOT, "build", "notebooks");
for (const path of listNotebooks({ student: true })) {
  const rel = path.slice(path.lastIndexOf("notebooks/") + "notebooks/".length);
  const executed = join(BUILD, rel);
  Deno.test({
    name: `build/notebooks/${rel}: numbers in Spanish format`,
    ignore: !existsSync(executed),
    fn: () => {
      const found = englishNumbers(readNotebook(executed));
      assert.deepEqual(
        found,
        [],
        `${basename(executed)}: números con punto decimal en las salidas (usa formatNumber/formatPercent de ` +
          `lib/engine/format.ts): ${found.map((f) => `celda ${f.cell}: «${f.found}»`).join(", ")}`,
      );
    },
  });
}
