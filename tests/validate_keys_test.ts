/**
 * The key lists given to `checkOptions` at the door of each function are the keys of its options type: a new
 * option added to an interface but not to the list would be refused as "desconocida", and a key left in the
 * list after the option is removed would be accepted and ignored. Reads the sources of `lib/`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { IMAGE_AUGMENT_KEYS, RANDOM_AUGMENT_KEYS } from "../lib/data/augment.ts";

const LIB = join(import.meta.dirname!, "..", "lib");

function sources(dir: string, out: Map<string, string> = new Map()): Map<string, string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) sources(p, out);
    else if (e.name.endsWith(".ts")) out.set(p.slice(LIB.length + 1), Deno.readTextFileSync(p));
  }
  return out;
}

/** Splits at top-level commas (not inside `<>`, `{}`, `()` or `[]`). */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0, cur = "";
  for (const ch of text) {
    if ("<{([".includes(ch)) depth++;
    if (">})]".includes(ch)) depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}

const src = sources(LIB);
const interfaces = new Map<string, { keys: string[]; bases: string[] }>();
for (const text of src.values()) {
  for (const m of text.matchAll(/export interface (\w+)(?:<[^>]*>)?(?:\s+extends\s+([^{]+))?\s*\{([\s\S]*?)\n\}/g)) {
    const keys = [...m[3].matchAll(/^ {2}(?:readonly )?(\w+)\??:/gm)].map((k) => k[1]);
    interfaces.set(m[1], { keys, bases: m[2] ? splitTop(m[2]) : [] });
  }
}

/** Keys of a type expression: an interface (with its bases), `Omit<T, "a" | "b">`, or an inline object. */
function keysOf(type: string): string[] | undefined {
  type = type.trim();
  const omit = type.match(/^Omit<([\s\S]+),\s*((?:"\w+"\s*\|?\s*)+)>$/);
  if (omit) {
    const dropped = [...omit[2].matchAll(/"(\w+)"/g)].map((d) => d[1]);
    return keysOf(omit[1])?.filter((k) => !dropped.includes(k));
  }
  if (type.startsWith("{")) return [...type.matchAll(/(\w+)\??:/g)].map((k) => k[1]);
  const info = interfaces.get(type);
  if (!info) return undefined;
  const inherited = info.bases.map(keysOf);
  if (inherited.some((k) => k === undefined)) return undefined;
  return [...new Set([...inherited.flat() as string[], ...info.keys])];
}

interface Door {
  where: string;
  fn: string;
  type: string;
  listed: string[];
}

const doors: Door[] = [];
const unresolved: string[] = [];
for (const [file, text] of src) {
  for (const m of text.matchAll(/export (?:async )?function\*? (\w+)(?:<[^>]*>)?\(((?:[^;{}]|\{[^{}]*\})*?)\)(?::[^{;]*)?\{\n/g)) {
    const param = m[2].match(/\boptions\??: ([\s\S]+?)(?: = \{\})?,?\s*$/);
    if (!param) continue;
    const body = text.slice(m.index! + m[0].length, m.index! + m[0].length + 600);
    const call = body.match(/checkOptions\([^,]+,\s*options,\s*\[([^\]]*)\]/);
    if (!call) continue;
    const listed = [...call[1].matchAll(/"(\w+)"/g)].map((k) => k[1]);
    const type = param[1].replace(/\s*\|\s*undefined$/, "");
    if (keysOf(type) === undefined) unresolved.push(`${file}: ${m[1]}(options: ${type})`);
    else doors.push({ where: file, fn: m[1], type, listed });
  }
}

Deno.test("checkOptions key lists match the options types they guard", () => {
  assert.ok(doors.length >= 30, `found ${doors.length} doors`);
  const wrong = doors.flatMap((d) => {
    const want = keysOf(d.type)!;
    const missing = want.filter((k) => !d.listed.includes(k));
    const extra = d.listed.filter((k) => !want.includes(k));
    return missing.length || extra.length
      ? [`${d.where} ${d.fn}(${d.type}): falta ${JSON.stringify(missing)}, sobra ${JSON.stringify(extra)}`]
      : [];
  });
  assert.deepEqual(wrong, []);
});

Deno.test("every guarded options type could be read", () => {
  assert.deepEqual(unresolved, []);
});

Deno.test("randomAugment's and augmentImage's key lists are their options' keys", () => {
  assert.deepEqual([...RANDOM_AUGMENT_KEYS].sort(), keysOf("RandomAugmentOptions")!.sort());
  assert.deepEqual([...IMAGE_AUGMENT_KEYS].sort(), keysOf("ImageAugmentOptions")!.sort());
});
