/**
 * Source analysis for the grader: a small TypeScript tokenizer that finds, in one notebook cell, the
 * top-level declarations (so cells can run one by one and still share their variables, as in the Deno
 * kernel), the identifiers the cell uses (to know which earlier cells an exercise depends on), and the
 * static `import` statements (turned into `await import()` so a cell can run inside a function).
 * @module
 */

/** One token of TypeScript source. */
interface Token {
  /** Text. */
  text: string;
  /** Kind. */
  kind: "id" | "str" | "num" | "punct" | "regex" | "tpl";
  /** Offsets in the source. */
  start: number;
  end: number;
  /** Bracket depth ((, [, {, ${) before the token. */
  depth: number;
  /** True when a line break precedes the token. */
  nl: boolean;
}

const REGEX_AFTER = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
]);

/** Splits source into tokens (comments dropped); robust to unterminated strings (they end the text). */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let depth = 0;
  let nl = false;
  // Stack of open brackets; "${" marks a template substitution (its "}" resumes the template).
  const stack: string[] = [];
  let i = 0;
  const push = (kind: Token["kind"], start: number, end: number) => {
    out.push({ text: src.slice(start, end), kind, start, end, depth, nl });
    nl = false;
  };
  const templateChunk = (start: number) => {
    // from just after ` or } of a substitution, up to the closing ` or the next ${
    let j = start;
    while (j < src.length) {
      if (src[j] === "\\") j += 2;
      else if (src[j] === "`") {
        push("tpl", start, j + 1);
        return j + 1;
      } else if (src[j] === "$" && src[j + 1] === "{") {
        push("tpl", start, j + 2);
        stack.push("${");
        depth++;
        return j + 2;
      } else j++;
    }
    push("tpl", start, src.length);
    return src.length;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      nl = true;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const j = src.indexOf("*/", i + 2);
      const end = j < 0 ? src.length : j + 2;
      if (src.slice(i, end).includes("\n")) nl = true;
      i = end;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== "\n") j += src[j] === "\\" ? 2 : 1;
      push("str", i, Math.min(j + 1, src.length));
      i = j + 1;
    } else if (c === "`") {
      i = templateChunk(i + 1);
    } else if (/[A-Za-z_$\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[\w$\u0080-\uffff]/.test(src[j])) j++;
      push("id", i, j);
      i = j;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      let j = i + 1;
      while (j < src.length && /[\w.]/.test(src[j])) j++;
      push("num", i, j);
      i = j;
    } else if (c === "/") {
      const prev = out.at(-1);
      const regex = !prev || (prev.kind === "punct" && !/^[)\]}]$/.test(prev.text)) ||
        (prev.kind === "id" && REGEX_AFTER.has(prev.text));
      if (regex) {
        let j = i + 1;
        let cls = false;
        while (j < src.length && src[j] !== "\n") {
          if (src[j] === "\\") j++;
          else if (src[j] === "[") cls = true;
          else if (src[j] === "]") cls = false;
          else if (src[j] === "/" && !cls) break;
          j++;
        }
        j++;
        while (j < src.length && /\w/.test(src[j])) j++;
        push("regex", i, j);
        i = j;
      } else {
        push("punct", i, i + 1);
        i++;
      }
    } else if ("([{".includes(c)) {
      push("punct", i, i + 1);
      stack.push(c);
      depth++;
      i++;
    } else if (")]}".includes(c)) {
      const open = stack.pop();
      depth = Math.max(0, depth - 1);
      if (open === "${") i = templateChunk(i + 1);
      else {
        push("punct", i, i + 1);
        i++;
      }
    } else {
      // operators: take the longest of a few multi-character ones
      const op = ["...", "=>", "===", "!==", "==", "!=", "&&", "||", "??", "?.", "<=", ">="].find((o) =>
        src.startsWith(o, i)
      ) ?? c;
      push("punct", i, i + op.length);
      i += op.length;
    }
  }
  return out;
}

/** Tokens after which a line break does not end a statement. */
const CONTINUES = new Set([
  "=",
  ",",
  "(",
  "[",
  "{",
  "+",
  "-",
  "*",
  "/",
  "%",
  "?",
  ":",
  "&&",
  "||",
  "??",
  "=>",
  ".",
  "?.",
  "<",
  ">",
  "|",
  "&",
  "!",
  "==",
  "===",
  "!=",
  "!==",
  "<=",
  ">=",
]);
/** Tokens that, starting a line, continue the previous statement. */
const CONTINUED_BY = new Set([
  ".",
  "?.",
  ",",
  ")",
  "]",
  "}",
  "+",
  "-",
  "*",
  "/",
  "?",
  ":",
  "&&",
  "||",
  "??",
  "=",
  "=>",
]);

function statementStart(toks: Token[], i: number): boolean {
  if (toks[i].depth !== 0) return false;
  const prev = toks[i - 1];
  if (!prev) return true;
  if (prev.text === ";" || prev.text === "}") return true;
  return toks[i].nl && !CONTINUES.has(prev.text);
}

function statementEnd(toks: Token[], from: number): number {
  for (let j = from; j < toks.length; j++) {
    const t = toks[j];
    if (t.depth !== 0) continue;
    if (t.text === ";") return j;
    if (j > from && t.nl && !CONTINUES.has(toks[j - 1].text) && !CONTINUED_BY.has(t.text)) return j - 1;
  }
  return toks.length - 1;
}

/** Names bound by a destructuring pattern starting at `open` ({ or [); returns the index after it. */
function patternNames(toks: Token[], open: number, names: string[]): number {
  const base = toks[open].depth;
  let j = open + 1;
  for (; j < toks.length && toks[j].depth > base; j++) {
    const t = toks[j];
    if (t.kind !== "id") continue;
    const next = toks[j + 1]?.text;
    const prev = toks[j - 1]?.text;
    if (next === ":" || prev === "=" || prev === "." || prev === "?.") continue;
    names.push(t.text);
  }
  return j + 1;
}

/** A static import turned into a dynamic one. */
export interface ImportRewrite {
  /** Offsets of the import statement in the source. */
  start: number;
  end: number;
  /** Module specifier. */
  specifier: string;
  /** Replacement code (empty for type-only imports), with `SPEC` standing for the specifier. */
  code: string;
  /** Names it binds. */
  names: string[];
}

/** What a cell declares, uses and imports. */
export interface CellAnalysis {
  /** Top-level names the cell declares (let/const/var/function/class/import). */
  declares: string[];
  /** Every identifier the cell mentions. */
  uses: Set<string>;
  /** Static imports, in order. */
  imports: ImportRewrite[];
}

function parseImport(toks: Token[], i: number): { rewrite: ImportRewrite; next: number } | undefined {
  const end = statementEnd(toks, i);
  const specTok = toks.slice(i, end + 1).find((t) => t.kind === "str");
  if (!specTok) return undefined;
  const specifier = specTok.text.slice(1, -1);
  const parts = toks.slice(i + 1, toks.indexOf(specTok, i));
  const names: string[] = [];
  const props: string[] = [];
  let typeOnly = parts[0]?.text === "type";
  let k = typeOnly ? 1 : 0;
  let namespace: string | undefined;
  let defaultName: string | undefined;
  while (k < parts.length) {
    const t = parts[k];
    if (t.text === "*" && parts[k + 1]?.text === "as") {
      namespace = parts[k + 2]?.text;
      k += 3;
    } else if (t.text === "{") {
      k++;
      while (k < parts.length && parts[k].text !== "}") {
        let isType = false;
        if (parts[k].text === "type" && parts[k + 1]?.kind === "id" && parts[k + 1].text !== "as") {
          isType = true;
          k++;
        }
        const name = parts[k]?.text;
        let alias = name;
        if (parts[k + 1]?.text === "as") {
          alias = parts[k + 2]?.text;
          k += 2;
        }
        k++;
        if (parts[k]?.text === ",") k++;
        if (!isType && name && alias) {
          names.push(alias);
          props.push(name === alias ? name : `${name}: ${alias}`);
        }
      }
      k++;
    } else if (t.kind === "id" && t.text !== "from") {
      defaultName = t.text;
      k++;
    } else k++;
  }
  if (typeOnly) typeOnly = true;
  const stmts: string[] = [];
  if (!typeOnly) {
    if (namespace) {
      names.push(namespace);
      stmts.push(`const ${namespace} = await import(SPEC);`);
    }
    if (defaultName) {
      names.push(defaultName);
      props.unshift(`default: ${defaultName}`);
    }
    if (props.length) stmts.push(`const { ${props.join(", ")} } = await import(SPEC);`);
    if (!namespace && !defaultName && !props.length && !parts.some((p) => p.text === "{")) {
      stmts.push("await import(SPEC);"); // side-effect import
    }
  }
  const endTok = toks[end];
  return {
    rewrite: { start: toks[i].start, end: endTok.end, specifier, code: stmts.join(" "), names },
    next: end + 1,
  };
}

/** Analyses one cell's source. */
export function analyzeCell(src: string): CellAnalysis {
  const toks = tokenize(src);
  const declares: string[] = [];
  const imports: ImportRewrite[] = [];
  const uses = new Set<string>();
  for (const t of toks) if (t.kind === "id") uses.add(t.text);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== "id" || !statementStart(toks, i)) continue;
    const next = toks[i + 1];
    if (t.text === "import" && next && next.text !== "(" && next.text !== ".") {
      const parsed = parseImport(toks, i);
      if (parsed) {
        imports.push(parsed.rewrite);
        declares.push(...parsed.rewrite.names);
        i = parsed.next - 1;
      }
    } else if ((t.text === "let" || t.text === "const" || t.text === "var") && next) {
      const end = statementEnd(toks, i);
      let j = i + 1;
      while (j <= end) {
        const b = toks[j];
        if (b.kind === "id") declares.push(b.text);
        else if (b.text === "{" || b.text === "[") {
          j = patternNames(toks, j, declares) - 1;
        } else break;
        // skip to the next declarator: a comma at depth 0 followed by a binding and = , : ; or the end
        j++;
        while (j <= end) {
          if (toks[j].depth === 0 && toks[j].text === ",") {
            const after = toks[j + 2]?.text;
            if (toks[j + 1]?.kind === "id" && (j + 1 === end || ["=", ",", ":", ";"].includes(after ?? ";"))) break;
            if (toks[j + 1]?.text === "{" || toks[j + 1]?.text === "[") break;
          }
          j++;
        }
        j++;
      }
      i = end;
    } else if (t.text === "function" || (t.text === "async" && next?.text === "function")) {
      let j = t.text === "async" ? i + 2 : i + 1;
      if (toks[j]?.text === "*") j++;
      if (toks[j]?.kind === "id") declares.push(toks[j].text);
    } else if (t.text === "class" && next?.kind === "id") {
      declares.push(next.text);
    }
  }
  return { declares: [...new Set(declares)], uses, imports };
}

/**
 * A cell's code ready to run inside an async function: static imports become `await import()` (specifiers
 * mapped by `resolve`), `Deno.jupyter` becomes the grader's stand-in `jupyter` (it only exists in the kernel).
 */
export function rewriteCell(src: string, analysis: CellAnalysis, resolve: (specifier: string) => string): string {
  let out = "";
  let pos = 0;
  for (const imp of analysis.imports) {
    out += src.slice(pos, imp.start) + imp.code.replaceAll("SPEC", JSON.stringify(resolve(imp.specifier)));
    pos = imp.end;
  }
  out += src.slice(pos);
  return out.replace(/\bDeno\s*\.\s*jupyter\b/g, "__grade_jupyter");
}
