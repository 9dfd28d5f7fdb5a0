/**
 * Exercise checks: right answers (worked out by hand here, from the lecture) pass; unanswered ones say
 * "todavía sin responder"; wrong ones get a hint and never the expected value; seeded variants are
 * reproducible and checked by the same functions.
 */
import assert from "node:assert/strict";
import {
  checkConvOutput,
  checkFits,
  checkNetwork,
  checkPadding,
  checkParams,
  checkPoolOutput,
  checkTotalParams,
  convOutput,
  convParams,
  denseParams,
  DimensionError,
  ejercicios,
  type Exercise,
  exercise,
  EXERCISE_COUNT,
  ExerciseError,
  formatCount,
  formatVolume,
  generateExercises,
  type NetworkRowAnswer,
  poolOutput,
  summarize,
  UNANSWERED_PREFIX,
  type Volume,
} from "../lib/mod.ts";

const v = (width: number, height: number, depth: number): Volume => ({ width, height, depth });
type Answer = Volume | number | boolean | NetworkRowAnswer[];

/** Hand-computed answers of the fixed exercises (lecture numbers and the formula, not the library). */
const ANSWERS: Answer[] = [
  v((7 - 3) / 1 + 1, (7 - 3) / 1 + 1, 1), // 5×5×1
  v((7 - 3) / 2 + 1, (7 - 3) / 2 + 1, 1), // 3×3×1
  false, // (7 − 3)/3 + 1 = 2.33
  5 * 5 * 3 + 1, // 76
  (5 * 5 * 3 + 1) * 10, // 760
  300 * 300 * 3, // 270.000
  v((32 - 5 + 2 * 2) / 1 + 1, 32, 10),
  v((224 - 2) / 2 + 1, 112, 64),
  0,
  v(64, 48, 16),
  v(56, 56, 64),
  1 * 1 * 256 * 64 + 64,
  (5 - 1) / 2,
  (7 - 1) / 2,
  v((127 - 3 + 2) / 2 + 1, (95 - 3 + 2) / 2 + 1, 32), // 64×48×32
  false, // (224 − 11)/4 + 1 = 54.25
  v((227 - 11) / 4 + 1, 55, 96),
  (11 * 11 * 3) * 96 + 96,
  v((55 - 3) / 2 + 1, 27, 96),
  (3 * 3 * 64) * 64 + 64,
  7 * 7 * 512 * 4096,
  [
    { output: v(28, 28, 8), params: 3 * 3 * 1 * 8 + 8 },
    { output: v(14, 14, 8), params: 0 },
    { output: v(14, 14, 16), params: 3 * 3 * 8 * 16 + 16 },
    { output: v(7, 7, 16), params: 0 },
    { output: v(1, 1, 10), params: 7 * 7 * 16 * 10 + 10 },
  ],
  (3 * 3 * 1 * 8 + 8) + (3 * 3 * 8 * 16 + 16) + (7 * 7 * 16 * 10 + 10),
  28 * 28 * 1 * (28 * 28 * 8),
];

function check(ex: Exercise, answer: unknown): void {
  switch (ex.kind) {
    case "output":
      return ex.layer?.kind === "pool" ? checkPoolOutput(ex, answer as Volume) : checkConvOutput(ex, answer as Volume);
    case "params":
      return checkParams(ex, answer as number);
    case "fits":
      return checkFits(ex, answer as boolean);
    case "padding":
      return checkPadding(ex, answer as number);
    case "network":
      return checkNetwork(ex, answer as NetworkRowAnswer[]);
    case "total":
      return checkTotalParams(ex, answer as number);
  }
}

/** Runs `f` with console.log captured. */
function quietly<T>(f: () => T): { value: T; printed: string } {
  const log = console.log;
  let printed = "";
  console.log = (...a: unknown[]) => void (printed += a.join(" ") + "\n");
  try {
    return { value: f(), printed };
  } finally {
    console.log = log;
  }
}

function assertHint(f: () => unknown, expected: Answer, pattern?: RegExp): string {
  let message = "";
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ExerciseError, String(e));
    message = e.message;
    return true;
  });
  if (pattern) assert.match(message, pattern);
  const secrets = typeof expected === "number"
    ? [String(expected), formatCount(expected)]
    : typeof expected === "object" && !Array.isArray(expected)
    ? [formatVolume(expected)]
    : [];
  for (const s of secrets) {
    if (s.length > 1) assert.ok(!message.includes(s), `el mensaje revela la respuesta ${s}: ${message}`);
  }
  return message;
}

Deno.test("there are at least 15 fixed exercises, the lecture's examples included", () => {
  assert.ok(EXERCISE_COUNT >= 15);
  assert.equal(EXERCISE_COUNT, ANSWERS.length);
  const lecture = Array.from({ length: EXERCISE_COUNT }, (_, i) => exercise(i + 1)).filter((e) => e.source);
  assert.ok(lecture.length >= 8);
  assert.throws(() => exercise(0), RangeError);
  assert.throws(() => exercise(EXERCISE_COUNT + 1), RangeError);
});

Deno.test("every fixed exercise: the hand-computed answer passes and prints a confirmation", () => {
  ANSWERS.forEach((answer, i) => {
    const ex = exercise(i + 1);
    const { value, printed } = quietly(() => check(ex, answer));
    assert.equal(value, undefined); // nothing to display after the confirmation
    assert.match(printed, new RegExp(`^✔ Ejercicio ${i + 1} correcto`));
    assert.ok(ex.statement.length > 20);
    assert.match(ex.markdown, new RegExp(`^\\*\\*Ejercicio ${i + 1} · `));
    assert.ok(ex.mimeBundle()["text/markdown"].endsWith(ex.statement));
  });
  // answers may also be written as "WxHxD"
  quietly(() => checkConvOutput(exercise(7), "32x32x10"));
});

Deno.test("an unanswered placeholder says 'todavía sin responder' for every kind", () => {
  for (let n = 1; n <= EXERCISE_COUNT; n++) {
    assert.throws(() => check(exercise(n), undefined), (e: unknown) => {
      assert.ok(e instanceof ExerciseError);
      assert.ok(e.message.startsWith(UNANSWERED_PREFIX), e.message);
      assert.ok(e.message.includes(`ejercicio ${n}`));
      return true;
    });
  }
});

Deno.test("wrong volumes: a hint for the usual slip, never the expected volume", () => {
  const ex7 = exercise(7); // 32×32×3, 10 filters 5×5, s1, p2
  assertHint(() => checkConvOutput(ex7, v(32, 32, 3)), ANSWERS[6], /la profundidad de salida es el número de filtros/i);
  assertHint(() => checkConvOutput(ex7, v(28, 28, 10)), ANSWERS[6], /falta el padding/);
  assertHint(() => checkConvOutput(ex7, v(30, 30, 10)), ANSWERS[6], /suma 2P, no P/);
  assertHint(() => checkConvOutput(ex7, v(31, 31, 10)), ANSWERS[6], /\+ 1/);
  const ex2 = exercise(2); // 7×7, F3, s2
  assertHint(() => checkConvOutput(ex2, v(5, 5, 1)), ANSWERS[1], /divide entre S/);
  const ex15 = exercise(15); // rectangular 127×95 → 64×48×32
  assertHint(() => checkConvOutput(ex15, v(48, 64, 32)), ANSWERS[14], /intercambiado el ancho y el alto/i);
  assertHint(() => checkConvOutput(ex15, v(64, 47, 32)), ANSWERS[14], /el alto no es correcto/i);
  const ex8 = exercise(8); // pooling
  assertHint(() => checkPoolOutput(ex8, v(112, 112, 32)), ANSWERS[7], /el pooling no cambia la profundidad/i);
  assertHint(() => checkPoolOutput(ex8, { width: "112" } as unknown as Volume), ANSWERS[7], /volumen/);
  assertHint(() => checkPoolOutput(ex8, "112 por 112"), ANSWERS[7], /no entiendo/);
});

Deno.test("wrong parameter counts: biases, depth, one filter, image size, channels", () => {
  assertHint(() => checkParams(exercise(5), 750), 760, /faltan los biases: uno por filtro/);
  assertHint(() => checkParams(exercise(5), 5 * 5 * 10 + 10), 760, /misma profundidad que la entrada/);
  assertHint(() => checkParams(exercise(5), 76), 760, /un solo filtro/);
  assertHint(() => checkParams(exercise(5), 32 * 32 * 10), 760, /no depende del ancho ni del alto/);
  assertHint(() => checkParams(exercise(6), 300 * 300), 270000, /canales/);
  assertHint(() => checkParams(exercise(6), 270001), 270000, /solo se piden los pesos/);
  assertHint(() => checkParams(exercise(9), 64), 0, /qué tendría que aprender/);
  assertHint(() => checkTotalParams(exercise(23), 72 + 1152 + 7840), ANSWERS[22], /solo los pesos/);
  assertHint(() => checkParams(exercise(5), "750" as unknown as number), 760, /debe ser un número/);
});

Deno.test("fits, padding and network tables: wrong answers get hints", () => {
  assertHint(() => checkFits(exercise(3), true), false, /las dos divisiones son exactas/);
  assertHint(() => checkFits(exercise(3), "sí" as unknown as boolean), false, /true o false/);
  assertHint(() => checkPadding(exercise(13), 1), 2, /\(N − F \+ 2P\)\/S \+ 1 = N/);
  assertHint(() => checkPadding(exercise(13), 2.5), 2, /entero/);
  const table = ANSWERS[21] as NetworkRowAnswer[];
  const wrongDepth = table.map((r, i) => (i === 0 ? { ...r, output: v(28, 28, 1) } : r));
  assertHint(() => checkNetwork(exercise(22), wrongDepth), table, /capa 1 \(CONV3-8\/p1\).*número de filtros/);
  const wrongFc = table.map((r, i) => (i === 4 ? { ...r, params: 16 * 10 + 10 } : r));
  assertHint(() => checkNetwork(exercise(22), wrongFc), table, /capa 5 \(FC-10\).*W·H·D/);
  assertHint(() => checkNetwork(exercise(22), table.slice(0, 4)), table, /5 capas.*4 filas/);
  assert.throws(() => checkParams(exercise(1), 5), /checkConvOutput o checkPoolOutput/);
});

Deno.test("generateExercises / ejercicios: reproducible, varied, solvable and checked by the same functions", () => {
  assert.equal(ejercicios, generateExercises);
  const a = generateExercises(42).map((e) => e.markdown);
  assert.deepEqual(generateExercises(42).map((e) => e.markdown), a);
  assert.notDeepEqual(generateExercises(43).map((e) => e.markdown), a);
  const kinds = new Set<string>();
  let fits = 0;
  let notFits = 0;
  for (let seed = 1; seed <= 30; seed++) {
    for (const ex of generateExercises(seed, { count: 12 })) {
      kinds.add(ex.kind);
      // the answer, from the lecture's formulas (independently of the check function's code path)
      let answer: Answer;
      const l = ex.layer;
      if (ex.kind === "output") {
        answer = l!.kind === "conv"
          ? convOutput(ex.input!, l!)
          : poolOutput(ex.input!, l as { size: number; stride: number });
      } else if (ex.kind === "params") {
        answer = convParams(ex.input!.depth, l as { filters: number; size: number }).total;
      } else if (ex.kind === "padding") answer = ((l as { size: number }).size - 1) / 2;
      else if (ex.kind === "fits") {
        const { size: f, stride: s, padding: p } = l as { size: number; stride: number; padding: number };
        answer = (ex.input!.width - f + 2 * p) % s === 0 && f <= ex.input!.width + 2 * p;
        answer ? fits++ : notFits++;
      } else if (ex.kind === "network") {
        answer = summarize(ex.arch!).slice(1).map((r) => ({ output: r.output, params: r.params }));
      } else answer = summarize(ex.arch!).reduce((s, r) => s + r.params, 0);
      quietly(() => check(ex, answer));
      assert.throws(() => check(ex, undefined), (e: Error) => e.message.startsWith(UNANSWERED_PREFIX));
    }
  }
  assert.deepEqual([...kinds].sort(), ["fits", "network", "output", "padding", "params", "total"]);
  assert.ok(fits > 0 && notFits > 0, `encajan ${fits}, no encajan ${notFits}`);
  assert.throws(() => generateExercises(1.5), RangeError);
  // the MLP comparison of exercise 24 uses the same arithmetic as denseParams
  assert.equal(denseParams(v(28, 28, 1), 6272).weights, ANSWERS[23]);
  assert.ok(new DimensionError("x") instanceof Error);
});

Deno.test("checkNetwork gives partial credit: the fraction of rows fully right", () => {
  const ex = exercise(22);
  const rows = [
    { output: "28x28x8", params: 80 },
    { output: "14x14x8", params: 0 },
    { output: "14x14x16", params: 1168 },
    { output: "7x7x16", params: 0 },
    { output: "1x1x10", params: 7850 },
  ];
  checkNetwork(ex, rows); // reference: all right
  const credit = (answer: typeof rows) => {
    try {
      checkNetwork(ex, answer);
      return 1;
    } catch (e) {
      assert.ok(e instanceof ExerciseError);
      return e.credit;
    }
  };
  assert.equal(credit(rows.map((r, i) => (i === 4 ? { ...r, params: 7840 } : r))), 4 / 5);
  assert.equal(credit(rows.map((r, i) => (i < 2 ? { ...r, output: "1x1x1" } : r))), 3 / 5);
  assert.equal(new ExerciseError("x").credit, 0);
});
