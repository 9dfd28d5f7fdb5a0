import assert from "node:assert/strict";
import { join } from "node:path";
import { LearnerError } from "../lib/engine/learner_error.ts";
import { checkConvOutput, exercise, ExerciseError } from "../lib/course/exercises.ts";
import { convOutput, DimensionError } from "../lib/cnn/dimensions.ts";
import { readIdx } from "../lib/data/idx.ts";

/** What the Deno kernel shows as the traceback of a thrown error: `error.stack`, split in lines. */
function traceback(e: unknown): string[] {
  return String((e as Error).stack).split("\n");
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("no error thrown");
}

Deno.test("a wrong exercise answer is one line: 'ExerciseError: <Spanish message>', no library frames", () => {
  const e = thrown(() => checkConvOutput(exercise(1), "1x1x1"));
  assert.ok(e instanceof ExerciseError && e instanceof LearnerError && e instanceof Error);
  assert.match(e.message, /^Ejercicio 1: .* no es correcto/);
  assert.deepEqual(traceback(e), [`ExerciseError: ${e.message}`]);
  const unanswered = thrown(() => checkConvOutput(exercise(1), undefined));
  assert.deepEqual(traceback(unanswered), [`ExerciseError: ${unanswered.message}`]);
  assert.equal(String(e), `ExerciseError: ${e.message}`);
});

Deno.test("a layer that does not fit is one line: 'DimensionError: …', fields kept", () => {
  const e = thrown(() =>
    convOutput({ width: 32, height: 32, depth: 3 }, { filters: 8, size: 5, stride: 2, padding: 0 })
  );
  assert.ok(e instanceof DimensionError && e instanceof LearnerError);
  assert.deepEqual(traceback(e), [`DimensionError: ${e.message}`]);
  assert.ok((e as DimensionError).suggestions.length > 0, "suggestions survive");
});

Deno.test("a data file that cannot be loaded is one line with the fix; unexpected errors keep their stack", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "bad-images-idx3-ubyte");
    await Deno.writeFile(path, new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2])); // 8 bytes short
    const e = await readIdx(path).then(() => undefined, (err) => err as Error);
    assert.ok(e instanceof LearnerError, String(e));
    assert.match(e.message, /truncado.*Bórralo y vuelve a descargarlo/);
    assert.deepEqual(traceback(e), [`LearnerError: ${e.message}`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // Anything else (a bug, an internal failure) still shows where it came from.
  const bug = thrown(() => (null as unknown as { x: number }).x);
  assert.ok(!(bug instanceof LearnerError));
  assert.ok(traceback(bug).length > 1 && traceback(bug)[1].trim().startsWith("at "), String(bug.stack));
});
