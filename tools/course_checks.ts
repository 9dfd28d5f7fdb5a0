/**
 * Checks that keep the course in one voice and teachable (used by `tests/glossary_test.ts`,
 * `tests/notebook_style_test.ts` and `tests/number_format_test.ts`):
 *
 * - the glossary `notebooks/GLOSARIO.md`: rejected terms, and English terms outside a parenthesised gloss;
 * - the learner-facing text of notebooks (markdown without code) and of the library (string literals);
 * - code cells' length and test splits passed as `validationData`;
 * - Spanish number format in executed notebooks' outputs.
 * @module
 */
import { join } from "node:path";
import { cellSource, type Notebook, NOTEBOOKS_DIR } from "./notebooks.ts";

/** One concept of the glossary. */
export interface GlossaryEntry {
  /** The term(s) to write (first column). */
  terms: string[];
  /** English equivalents: allowed only inside parentheses, unless the term itself is English (`—`). */
  english: string[];
  /** Rejected alternatives: never in learner-facing text. */
  rejected: string[];
}

/** The glossary file. */
export const GLOSSARY_PATH: string = join(NOTEBOOKS_DIR, "GLOSARIO.md");

const cells = (row: string) => row.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
const items = (cell: string) =>
  cell === "—" || cell === "-" || cell === "" ? [] : cell.split(";").map((t) => t.trim()).filter(Boolean);

/** Parses the glossary table (`| término | en inglés | no usar |`). */
export function parseGlossary(markdown: string): GlossaryEntry[] {
  const lines = markdown.split("\n");
  const head = lines.findIndex((l) => /^\|\s*término\s*\|\s*en inglés\s*\|\s*no usar\s*\|/.test(l));
  if (head < 0) throw new Error("GLOSARIO.md no tiene la tabla «| término | en inglés | no usar |».");
  const entries: GlossaryEntry[] = [];
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith("|")) break;
    const [term, english, rejected] = cells(line);
    entries.push({
      // "entrenamiento (conjunto de entrenamiento)": the term is the part before the parenthesis.
      terms: items(term).map((t) => t.replace(/\s*\(.*\)\s*$/, "")),
      english: items(english),
      rejected: items(rejected),
    });
  }
  return entries;
}

/** Reads and parses `notebooks/GLOSARIO.md`. */
export function readGlossary(path: string = GLOSSARY_PATH): GlossaryEntry[] {
  return parseGlossary(Deno.readTextFileSync(path));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A case-insensitive whole-word pattern for a term (letters with accents count as word characters). */
export function termPattern(term: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_.-])${escapeRe(term)}(?![\\p{L}\\p{N}_-])`, "giu");
}

/** Removes text inside parentheses (one level, repeated for nesting): where English glosses may appear. */
export function withoutParentheses(text: string): string {
  let prev: string;
  let out = text;
  do {
    prev = out;
    out = out.replace(/\([^()]*\)/g, " ");
  } while (out !== prev);
  return out;
}

/** One use of a term the glossary rejects. */
export interface GlossaryViolation {
  /** The offending term as found. */
  found: string;
  /** What to write instead. */
  use: string;
  /** `rejected` (never) or `english` (English outside a parenthesised gloss). */
  kind: "rejected" | "english";
  /** A few words around it. */
  context: string;
}

/** Uses of rejected terms, and of English glosses outside parentheses, in a learner-facing text. */
export function glossaryViolations(text: string, glossary: GlossaryEntry[]): GlossaryViolation[] {
  const out: GlossaryViolation[] = [];
  const outside = withoutParentheses(text);
  const find = (source: string, term: string, entry: GlossaryEntry, kind: GlossaryViolation["kind"]) => {
    for (const m of source.matchAll(termPattern(term))) {
      const i = m.index ?? 0;
      const context = source.slice(Math.max(0, i - 30), i + term.length + 30).replace(/\s+/g, " ").trim();
      out.push({ found: m[0], use: entry.terms[0], kind, context });
    }
  };
  for (const entry of glossary) {
    for (const r of entry.rejected) find(text, r, entry, "rejected");
    const englishIsTerm = entry.terms.some((t) => entry.english.some((e) => e.toLowerCase() === t.toLowerCase()));
    if (!englishIsTerm) { for (const e of entry.english) find(outside, e, entry, "english"); }
  }
  return out;
}

/**
 * The prose of a markdown text: fenced code blocks, inline code, `$…$` formulas, HTML tags, link targets
 * and bare URLs removed.
 */
export function markdownProse(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, " ")
    .replace(/`[^`\n]*`/g, " ")
    .replace(/\$\$[\s\S]*?\$\$/g, " ")
    .replace(/\$[^$\n]*\$/g, " ")
    .replace(/<[^>\n]*>/g, " ")
    .replace(/\]\([^)\s]*\)/g, "]")
    .replace(/https?:\/\/\S+/g, " ");
}

/**
 * The prose of a library message: {@link markdownProse} without quoted values (`usa "notebook" o "none"`)
 * and `{ … }` / `[ … ]` snippets, which name code, not concepts.
 */
export function messageProse(text: string): string {
  return markdownProse(text).replace(/[\w.]+=/g, " ").replace(/"[^"\n]*"/g, " ").replace(/\{[^{}\n]*\}/g, " ").replace(
    /\[[^[\]\n]*\]/g,
    " ",
  );
}

/** One string literal of a TypeScript source, with its line. */
export interface StringLiteral {
  /** 1-based line where it starts. */
  line: number;
  /** The literal's text (template literals: their static parts joined with a space). */
  text: string;
}

/**
 * The string literals of a TypeScript source (comments skipped; a template literal's static parts joined
 * with ` … `, the literals nested in its `${…}` listed before it). A small scanner, enough for the library's own style.
 */
export function stringLiterals(source: string): StringLiteral[] {
  const out: StringLiteral[] = [];
  let i = 0, line = 1;
  const n = source.length;
  // deno-lint-ignore prefer-const
  let templateStack: number[] = []; // brace depth at which each open template's `${` started
  let braceDepth = 0;
  const readQuoted = (q: string) => {
    const start = line;
    let text = "";
    i++;
    while (i < n && source[i] !== q) {
      if (source[i] === "\\") {
        text += source[i + 1] ?? "";
        i += 2;
        continue;
      }
      if (source[i] === "\n") line++;
      text += source[i++];
    }
    i++;
    out.push({ line: start, text });
  };
  // Open templates: their text so far and start line, while an interpolation `${…}` is being read.
  const pending: Array<{ text: string; line: number }> = [];
  const readTemplate = (text = "", start = line) => {
    // From after a "`" or a "}" closing an interpolation, up to "`" (end) or "${" (interpolation).
    while (i < n) {
      const c = source[i];
      if (c === "\\") {
        text += source[i + 1] ?? "";
        i += 2;
        continue;
      }
      if (c === "`") {
        i++;
        out.push({ line: start, text });
        return;
      }
      if (c === "$" && source[i + 1] === "{") {
        i += 2;
        templateStack.push(braceDepth);
        braceDepth++;
        pending.push({ text: text + " … ", line: start });
        return;
      }
      if (c === "\n") line++;
      text += c;
      i++;
    }
    out.push({ line: start, text });
  };
  while (i < n) {
    const c = source[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      line += (source.slice(i, stop).match(/\n/g) ?? []).length;
      i = stop;
    } else if (c === '"' || c === "'") {
      readQuoted(c);
    } else if (c === "`") {
      i++;
      readTemplate();
    } else if (c === "{") {
      braceDepth++;
      i++;
    } else if (c === "}") {
      braceDepth--;
      i++;
      if (templateStack.length && templateStack[templateStack.length - 1] === braceDepth) {
        templateStack.pop();
        const open = pending.pop()!;
        readTemplate(open.text, open.line);
      }
    } else if (c === "/" && /[=(,:;!&|?{}[\n]\s*$/.test(source.slice(Math.max(0, i - 20), i))) {
      // A regular expression literal: skip it (its quotes are not strings).
      i++;
      let inClass = false;
      while (i < n && (source[i] !== "/" || inClass) && source[i] !== "\n") {
        if (source[i] === "\\") i++;
        else if (source[i] === "[") inClass = true;
        else if (source[i] === "]") inClass = false;
        i++;
      }
      i++;
    } else {
      i++;
    }
  }
  return out;
}

/** Non-empty lines of a code cell (what the 15-line limit counts; trailing blank lines ignored). */
export function codeLines(source: string): number {
  return source.replace(/\s+$/, "").split("\n").length;
}

/** Code cells longer than `max` lines: `{ index, lines }` (index among all cells). */
export function longCodeCells(nb: Notebook, max = 15): Array<{ index: number; lines: number }> {
  return nb.cells.flatMap((c, index) => {
    if (c.cell_type !== "code") return [];
    const lines = codeLines(cellSource(c));
    return lines > max ? [{ index, lines }] : [];
  });
}

/**
 * Variables holding test data in a notebook's code, and the places where one is passed as
 * `validationData`. A variable is test data when it is assigned from an expression with `split: "test"`,
 * or from an expression that uses another test variable (`subset(test, …)`, `{ …test }`).
 */
export function testAsValidation(code: string): { testVars: string[]; uses: string[] } {
  const assigns = [
    ...code.matchAll(/(?:const|let|var)\s+(\{[^}]*\}|\[[^\]]*\]|[\w$]+)\s*(?::[^=]+)?=\s*([\s\S]*?);\s*\n/g),
  ]
    .map((m) => ({ names: m[1].match(/[\w$]+/g) ?? [], expr: m[2] }));
  const test = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const a of assigns) {
      const fromTest = /split\s*:\s*["']test["']/.test(a.expr) ||
        [...test].some((v) => termPattern(v).test(a.expr.replace(/\bsplit\s*:\s*["']\w+["']/g, "")));
      if (!fromTest) continue;
      for (const name of a.names) {
        if (!test.has(name)) {
          test.add(name);
          grew = true;
        }
      }
    }
  }
  const uses: string[] = [];
  for (const m of code.matchAll(/validationData\s*:\s*([^,}\n]+)/g)) {
    const expr = m[1].trim();
    if ([...test].some((v) => new RegExp(`(?<![\\w$.])${escapeRe(v)}(?![\\w$])`).test(expr))) uses.push(m[0]);
  }
  if (test.has("validationData") && /[{,]\s*validationData\s*[,}]/.test(code)) uses.push("{ validationData }");
  return { testVars: [...test], uses };
}

/** A number written the English way in learner-facing output: `94.3 %`, `12.5 s`, `138.4 M`. */
export const ENGLISH_NUMBER = /(?<![\d.])\d+\.\d+\s?(?:%|s\b|M\b|MB\b|kB\b|GB\b)/g;

/** The learner-visible texts of an executed notebook's outputs (HTML without scripts, styles and tags). */
export function outputTexts(nb: Notebook): Array<{ cell: number; text: string }> {
  const out: Array<{ cell: number; text: string }> = [];
  const strings = (v: unknown, acc: string[] = []): string[] => {
    if (typeof v === "string") acc.push(v);
    else if (Array.isArray(v)) v.forEach((x) => strings(x, acc));
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) if (!/template|color|font|family|src/i.test(k)) strings(x, acc);
    }
    return acc;
  };
  nb.cells.forEach((c, cell) => {
    for (const o of (c.outputs ?? []) as Array<Record<string, unknown>>) {
      const join = (t: unknown) => Array.isArray(t) ? t.join("") : String(t ?? "");
      if (o.output_type === "stream") out.push({ cell, text: join(o.text) });
      const data = o.data as Record<string, unknown> | undefined;
      if (!data) continue;
      for (const mime of ["text/plain", "text/markdown"]) if (data[mime]) out.push({ cell, text: join(data[mime]) });
      if (data["text/html"]) {
        out.push({
          cell,
          text: join(data["text/html"]).replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " "),
        });
      }
      const plotly = data["application/vnd.plotly.v1+json"] as { data?: unknown; layout?: unknown } | undefined;
      if (plotly) out.push({ cell, text: strings([plotly.data, plotly.layout]).join("\n") });
      if (data["image/svg+xml"]) out.push({ cell, text: join(data["image/svg+xml"]).replace(/<[^>]*>/g, " ") });
    }
  });
  return out;
}

/** English-format numbers in an executed notebook's outputs: `{ cell, found }`. */
export function englishNumbers(nb: Notebook): Array<{ cell: number; found: string }> {
  return outputTexts(nb).flatMap(({ cell, text }) =>
    [...text.matchAll(ENGLISH_NUMBER)].map((m) => ({ cell, found: m[0] }))
  );
}
