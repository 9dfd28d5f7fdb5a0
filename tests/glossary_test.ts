/**
 * One voice: the notebooks' markdown, the strings of their code cells and the library's learner-facing
 * strings use the terms of `notebooks/GLOSARIO.md`, never the alternatives it rejects, and English terms
 * only as a gloss in parentheses.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import {
  glossaryViolations,
  markdownProse,
  messageProse,
  parseGlossary,
  readGlossary,
  stringLiterals,
  withoutParentheses,
} from "../tools/course_checks.ts";
import { cellSource, listNotebooks, readNotebook, ROOT } from "../tools/notebooks.ts";

const glossary = readGlossary();

Deno.test("the glossary parses: one row per concept, terms and rejected alternatives", () => {
  assert.ok(glossary.length >= 30, `solo ${glossary.length} conceptos`);
  const accuracy = glossary.find((e) => e.english.includes("accuracy"));
  assert.deepEqual(accuracy?.terms, ["exactitud"]);
  assert.ok(accuracy?.rejected.includes("precisión"));
  const maps = glossary.find((e) => e.terms.includes("mapa de activación"));
  assert.ok(maps?.rejected.includes("mapa de características"));
  assert.deepEqual(glossary.find((e) => e.terms.includes("stride"))?.english, []);
  // A term never rejects itself.
  for (const e of glossary) {
    for (const t of e.terms) assert.ok(!e.rejected.map((r) => r.toLowerCase()).includes(t.toLowerCase()), t);
  }
});

Deno.test("glossaryViolations: rejected terms anywhere, English only inside parentheses, code ignored", () => {
  const g = parseGlossary(
    "| término | en inglés | no usar |\n| --- | --- | --- |\n| exactitud | accuracy | precisión |\n| stride | — | zancada |\n",
  );
  const md = "La exactitud (accuracy) sube. La accuracy baja. Con `accuracy` en código. Precisión del 90 %. " +
    "Un stride de 2, no una zancada. La exactitud-media no es «accuracy».";
  const found = glossaryViolations(markdownProse(md), g).map((v) => `${v.kind}:${v.found}`);
  assert.deepEqual(found.sort(), ["english:accuracy", "english:accuracy", "rejected:Precisión", "rejected:zancada"]);
  assert.equal(withoutParentheses("a (b (c) d) e"), "a   e");
  assert.deepEqual(glossaryViolations("metrics accuracyValue stride", g), []);
});

Deno.test("stringLiterals: quotes, templates with interpolations, comments and regexes skipped", () => {
  const src = [
    '// "comentario"',
    'const a = "uno dos"; /* \'no\' */ const r = /"[a-z]"/g;',
    'const t = `hola ${f("dentro")} mundo`;',
    "const u = 'tres';",
  ].join("\n");
  assert.deepEqual(stringLiterals(src).map((s) => [s.line, s.text]), [
    [2, "uno dos"],
    [3, "dentro"],
    [3, "hola  …  mundo"],
    [4, "tres"],
  ]);
});

function report(v: Array<{ where: string; found: string; use: string; context: string }>): string {
  return v.map((x) => `  ${x.where}: «${x.found}» → ${x.use}   (…${x.context}…)`).join("\n");
}

for (const path of listNotebooks({ student: true })) {
  const name = relative(ROOT, path);
  Deno.test(`${name}: markdown and code strings follow GLOSARIO.md`, () => {
    const nb = readNotebook(path);
    const found = nb.cells.flatMap((c, i) => {
      const texts = c.cell_type === "markdown"
        ? [markdownProse(cellSource(c))]
        : c.cell_type === "code"
        ? stringLiterals(cellSource(c)).map((s) => s.text).filter((t) => /\s/.test(t.trim())).map(markdownProse)
        : [];
      return texts.flatMap((t) => glossaryViolations(t, glossary).map((v) => ({ ...v, where: `celda ${i}` })));
    });
    assert.equal(found.length, 0, `${name} usa términos que GLOSARIO.md rechaza:\n${report(found)}`);
  });
}

function libFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((e) =>
    e.isDirectory ? libFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []
  );
}

Deno.test("lib/: learner-facing strings (titles, labels, messages) follow GLOSARIO.md", () => {
  const found = libFiles(join(ROOT, "lib")).sort().flatMap((file) =>
    stringLiterals(Deno.readTextFileSync(file))
      // Sentences and labels, not identifiers, file names or metric names.
      .filter((s) => /\s/.test(s.text.replaceAll(" … ", "").trim()))
      .flatMap((s) =>
        glossaryViolations(messageProse(s.text), glossary).map((v) => ({
          ...v,
          where: `${relative(ROOT, file)}:${s.line}`,
        }))
      )
  );
  assert.equal(found.length, 0, `textos de lib/ con términos que GLOSARIO.md rechaza:\n${report(found)}`);
});
