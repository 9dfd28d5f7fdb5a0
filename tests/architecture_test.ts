/**
 * The house rule of `lib/`: six wings, imports only going down (course → learn → show → cnn → data → engine),
 * no import cycles, and `lib/mod.ts` on top. Reads every import of every file under `lib/` (static `import`
 * and `export … from`, type-only ones included: a type import still ties the code together).
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";

const LIB = join(import.meta.dirname!, "..", "lib");
/** The wings from the ground up; a file may import from its own wing or a lower one. */
const WINGS = ["engine", "data", "cnn", "show", "learn", "course"] as const;

type Graph = Map<string, string[]>;

function listTs(dir: string, out: string[] = []): string[] {
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) listTs(p, out);
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** file (relative to lib/) → the lib files it imports (relative to lib/). */
function readGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of listTs(LIB)) {
    const rel = relative(LIB, file);
    const src = Deno.readTextFileSync(file);
    const targets: string[] = [];
    for (
      const m of src.matchAll(
        /^\s*(?:import|export)\b[^"';]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm,
      )
    ) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith(".")) continue;
      targets.push(normalize(join(dirname(rel), spec)));
    }
    graph.set(rel, targets);
  }
  return graph;
}

function rank(file: string): number {
  if (file === "mod.ts") return WINGS.length;
  const wing = file.split("/")[0];
  const r = (WINGS as readonly string[]).indexOf(wing);
  return r < 0 ? -1 : r;
}

/** Every violation of the house rule in `graph`, as readable lines (empty when the house is clean). */
export function houseViolations(graph: Graph): string[] {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    if (rank(file) < 0) bad.push(`${file}: not in a wing (${WINGS.join(", ")}) nor lib/mod.ts`);
    for (const t of targets) {
      if (t.startsWith("..")) bad.push(`${file} imports ${t}, outside lib/`);
      else if (!graph.has(t)) bad.push(`${file} imports ${t}, which does not exist`);
      else if (rank(t) > rank(file)) {
        bad.push(`${file} imports ${t}: upward (${t.split("/")[0]} is above ${file.split("/")[0]})`);
      }
    }
  }
  // Cycles: depth-first search with colours.
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 1);
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (!graph.has(t)) continue;
      if (state.get(t) === 1) bad.push(`cycle: ${[...stack.slice(stack.indexOf(t)), t].join(" → ")}`);
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return bad;
}

Deno.test("lib/: every file is in a wing, imports only go down, no cycles", () => {
  const graph = readGraph();
  assert.ok(graph.size > 30, `expected the whole library, read ${graph.size} files`);
  for (const wing of WINGS) assert.ok([...graph.keys()].some((f) => f.startsWith(wing + "/")), `wing ${wing} is empty`);
  assert.deepEqual(houseViolations(graph), []);
});

Deno.test("the house check catches an upward import, a cycle, a file outside the wings and a missing target", () => {
  const graph = readGraph();
  const withEdge = (from: string, to: string): Graph => {
    const g = new Map([...graph].map(([k, v]) => [k, [...v]]));
    g.get(from)!.push(to);
    return g;
  };
  // engine/files.ts importing from learn/ is upward.
  const up = houseViolations(withEdge("engine/files.ts", "learn/train.ts"));
  assert.ok(up.some((l) => l.includes("upward") && l.startsWith("engine/files.ts")), up.join("\n"));
  // Two files of one wing importing each other form a cycle (the checkpoint ⇄ train cycle of old).
  const cyc = houseViolations(withEdge("learn/history.ts", "learn/checkpoint.ts"));
  assert.ok(cyc.some((l) => l.startsWith("cycle:") && l.includes("learn/history.ts")), cyc.join("\n"));
  const g = new Map(graph);
  g.set("helpers.ts", []);
  assert.ok(houseViolations(g).some((l) => l.startsWith("helpers.ts: not in a wing")));
  assert.ok(houseViolations(withEdge("cnn/naive.ts", "cnn/nope.ts")).some((l) => l.includes("does not exist")));
});

Deno.test("lib/mod.ts re-exports names explicitly (no export *) and keeps test hooks out", () => {
  const mod = Deno.readTextFileSync(join(LIB, "mod.ts"));
  assert.doesNotMatch(mod, /export \*/);
  for (const hook of ["fastKernelFuncs", "restoreStockKernels", "setFusedAdam", "resetPlotlyEmbedding"]) {
    assert.doesNotMatch(mod, new RegExp(`\\b${hook}\\b`), `${hook} is a test hook`);
  }
});
