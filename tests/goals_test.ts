import assert from "node:assert/strict";
import { checkAccuracyGoal } from "../lib/course/goals.ts";

Deno.test("checkAccuracyGoal: prints a Spanish line when met, throws with both numbers when not", () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    checkAccuracyGoal(0.98734, { min: 0.985, label: "LeNet-5 en test" });
    checkAccuracyGoal({ accuracy: 0.9 }, { min: 0.9, label: "MiCNN en test" });
  } finally {
    console.log = original;
  }
  assert.deepEqual(lines, [
    "✔ LeNet-5 en test: 98,73 % (objetivo ≥ 98,5 %)",
    "✔ MiCNN en test: 90,00 % (objetivo ≥ 90,0 %)",
  ]);
  assert.throws(
    () => checkAccuracyGoal(0.8912, { min: 0.9, label: "MiCNN en test" }),
    /MiCNN en test: 89,12 %, por debajo del objetivo \(≥ 90,0 %\)/,
  );
  assert.throws(() => checkAccuracyGoal(1.5, { min: 0.9, label: "x" }), /exactitud entre 0 y 1.*1\.5/);
  assert.throws(() => checkAccuracyGoal(0.5, { min: 98.5, label: "x" }), /goal\.min debe estar entre 0 y 1.*98\.5/);
});
