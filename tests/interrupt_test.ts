/**
 * Jupyter's Stop terminates the running JavaScript: the interrupted code never resumes and runs no
 * `finally`. These tests put a loop in that state without a kernel: a stretch that never comes back (an
 * `await` of a promise that never settles, without `idle()`), or a wait that never ends. The live page test
 * (tests/live_session_test.ts) does the real thing.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/mod.ts";
import { activeLoops, InterruptedError, runStoppable, stoppableDefaults } from "../lib/engine/interrupt.ts";
import { disposeModel } from "../lib/learn/optimizer.ts";
import { train } from "../lib/learn/train.ts";
import { evaluate, predictBatches } from "../lib/learn/evaluate.ts";
import { type History } from "../lib/learn/history.ts";
import { TrainingProgress } from "../lib/show/progress.ts";
import { LearnerError } from "../lib/engine/learner_error.ts";

const never = () => new Promise<never>(() => {});
// deno-lint-ignore no-explicit-any
const engineState = () => (tf.engine() as any).state;

Deno.test("a stretch cut short (as by Stop) is noticed within a poll; scopes, tape and its tensors are reclaimed", async () => {
  const before = tf.memory().numTensors;
  const depth = engineState().scopeStack.length;
  const t0 = performance.now();
  const err = await runStoppable("Prueba", async (loop) => {
    loop.onStop = () => "Prueba detenida en el paso 3.";
    loop.startStep();
    tf.ones([4, 4]).mul(2);
    tf.engine().startScope("inside-tidy"); // as if terminated inside tf.tidy(...)
    // ...inside variableGrads(...): the tape is on and records the op below (its saved tensors are kept).
    (tf.engine() as unknown as { startTape(): void }).startTape();
    tf.zeros([3]).add(1).square();
    await never(); // never resumes, and no idle(): what a terminated stretch looks like
  }, { pollMs: 50 }).then(() => undefined, (e) => e);
  const ms = performance.now() - t0;
  assert.ok(err instanceof InterruptedError && err instanceof LearnerError, String(err));
  assert.equal(err.message, "Prueba detenida en el paso 3.");
  assert.deepEqual(err.stack!.split("\n"), ["InterruptedError: Prueba detenida en el paso 3."]);
  assert.ok(ms < 1000, `noticed after ${ms.toFixed(0)} ms`);
  assert.equal(tf.memory().numTensors, before, "tensors of the cut step freed");
  assert.equal(engineState().scopeStack.length, depth);
  assert.equal(engineState().gradientDepth, 0);
  assert.equal(activeLoops().length, 0);
  // The engine works as before: a gradient against a hand-computed value, and tidy frees its tensors.
  const x = tf.tensor1d([1, -2, 3]);
  const g = tf.grad((v: tf.Tensor) => v.square().sum())(x);
  assert.deepEqual(Array.from(await g.data()), [2, -4, 6]);
  tf.dispose([g, x]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("a wait that never ends is noticed after minStallMs; ordinary waits are not taken for a Stop", async () => {
  const ok = await runStoppable("Espera", async (loop) => {
    for (let i = 0; i < 3; i++) await loop.wait(new Promise((r) => setTimeout(r, 150))); // waits ≫ pollMs
    return "terminado";
  }, { pollMs: 20, minStallMs: 400 });
  assert.equal(ok, "terminado");
  const t0 = performance.now();
  const err = await runStoppable("Espera", async (loop) => {
    await loop.wait(new Promise((r) => setTimeout(r, 100)));
    await loop.wait(never()); // the code that would resume it was terminated
  }, { pollMs: 20, minStallMs: 400 }).then(() => undefined, (e) => e);
  const ms = performance.now() - t0;
  assert.ok(err instanceof InterruptedError);
  assert.equal(err.message, "Espera detenido.");
  assert.ok(ms >= 500 && ms < 1500, `${ms.toFixed(0)} ms`);
});

Deno.test("an ordinary error in the loop is passed on unchanged and the watchdog stops", async () => {
  const err = await runStoppable("Bucle", (loop) => {
    loop.busy();
    return Promise.reject(new RangeError("fallo interno"));
  }).then(() => undefined, (e) => e);
  assert.ok(err instanceof RangeError && !(err instanceof InterruptedError));
  assert.equal(activeLoops().length, 0);
});

function toyData(n: number) {
  const images = tf.randomUniform([n, 8, 8, 1], 0, 1, "float32", 1) as tf.Tensor4D;
  const labels = tf.tidy(() => tf.randomUniform([n], 0, 2, "float32", 2).floor().toInt()) as tf.Tensor1D;
  return { images, labels, classNames: ["a", "b"] };
}

function toyModel() {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: "relu" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: "softmax" }),
    ],
  });
}

Deno.test("train stopped at a batch: one-line error with epoch/batch, weights of that batch kept, memory back", async () => {
  const data = toyData(64);
  const model = toyModel();
  await train(model, data, { progress: false, epochs: 1, batchSize: 16 }); // optimizer state exists now
  const before = tf.memory().numTensors;
  let snapshot: Float32Array[] = [];
  const saved = { ...stoppableDefaults };
  stoppableDefaults.minStallMs = 300;
  stoppableDefaults.pollMs = 20;
  let err: unknown;
  try {
    err = await train(model, data, {
      progress: false,
      epochs: 3,
      batchSize: 16,
      callbacks: {
        onBatchEnd: async (batch) => {
          if (batch < 2) return;
          snapshot = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
          await never(); // Stop while the loop waits here: it never resumes
        },
      },
    }).then(() => undefined, (e) => e);
  } finally {
    Object.assign(stoppableDefaults, saved);
  }
  assert.ok(err instanceof InterruptedError, String(err));
  assert.match(err.message, /^Entrenamiento detenido en la época 1\/3, lote 2\/4: el modelo conserva los pesos/);
  assert.equal(err.stack, `InterruptedError: ${err.message}`);
  assert.equal((err.partial as History).epochs.length, 0);
  const now = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
  assert.deepEqual(now, snapshot, "weights are those after batch 2");
  assert.equal(tf.memory().numTensors, before, "no tensor left from the stopped training");
  // The library is usable right after: another training runs and frees what it made.
  const h = await train(model, data, { progress: false, epochs: 1, batchSize: 16 });
  assert.equal(h.epochs.length, 1);
  assert.equal(tf.memory().numTensors, before);
  disposeModel(model);
  tf.dispose([data.images, data.labels]);
});

Deno.test("TrainingProgress.stopped marks the same notebook output as stopped (red bar, 'detenido')", async () => {
  const shown: Array<{ bundle: Record<string, string>; options: Deno.jupyter.DisplayOptions }> = [];
  const p = new TrainingProgress({
    mode: "notebook",
    title: "Entrenamiento",
    minIntervalMs: 0,
    display: (bundle, options) => {
      shown.push({ bundle, options });
      return Promise.resolve();
    },
  });
  await p.start({ epochs: 5, batchesPerEpoch: 10, samplesPerEpoch: 100 });
  await p.batch({ epoch: 1, batch: 3, loss: 0.7, acc: 0.5, samplesDone: 30 });
  await p.stopped("detenido en la época 1/5, lote 3/10");
  const last = shown[shown.length - 1];
  assert.equal(last.options.display_id, shown[0].options.display_id);
  assert.equal(last.options.update, true);
  assert.match(last.bundle["text/plain"], /^Entrenamiento: detenido en la época 1\/5, lote 3\/10 · 0:0\d$/);
  assert.match(last.bundle["text/html"], /background:#d9534f;height:12px;width:6\.0%/);
  assert.ok(!shown[1].bundle["text/html"].includes("#d9534f"));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("nested loops: a child longer than minStallMs does not stop its parent, waited or not", async () => {
  const fast = { pollMs: 20, minStallMs: 150 };
  const child = () =>
    runStoppable("Hijo", async (l) => {
      for (let i = 0; i < 4; i++) await l.wait(sleep(100)); // 400 ms ≫ minStallMs
      return 7;
    }, fast);
  const waited = await runStoppable("Padre", async (loop) => 1 + await loop.wait(child()), fast);
  assert.equal(waited, 8);
  // Called from the parent's busy stretch with a plain await (as a library function calling another).
  const plain = await runStoppable("Padre", async () => 1 + await child(), fast);
  assert.equal(plain, 8);
  assert.equal(activeLoops().length, 0);
});

Deno.test("nested loops: Stop inside the child unwinds the parent (finally runs) and ends it with its own message", async () => {
  let cleaned = false;
  const err = await runStoppable("Padre", async (loop) => {
    loop.onStop = () => "Padre detenido en la vuelta 2.";
    loop.partial = { vueltas: 1 };
    try {
      await loop.wait(runStoppable("Hijo", async () => await never(), { pollMs: 20 })); // the child's stretch is cut
    } finally {
      cleaned = true;
    }
  }, { pollMs: 20 }).then(() => undefined, (e) => e);
  assert.ok(err instanceof InterruptedError, String(err));
  assert.equal(err.message, "Padre detenido en la vuelta 2.");
  assert.deepEqual(err.partial, { vueltas: 1 });
  assert.ok(cleaned);
  assert.equal(activeLoops().length, 0);
});

Deno.test("wait probes: 'at work' keeps a long wait alive past minStallMs; 'answered into cut code' stops at once", async () => {
  const ok = await runStoppable("Sonda", async (loop) => {
    await loop.wait(sleep(400), () => true);
    return "fin";
  }, { pollMs: 20, minStallMs: 100 });
  assert.equal(ok, "fin");
  const t0 = performance.now();
  const err = await runStoppable("Sonda", async (loop) => {
    await loop.wait(never(), () => performance.now() - t0 < 100); // at work 100 ms, then "answered, not taken"
  }, { pollMs: 20, minStallMs: 60_000 }).then(() => undefined, (e) => e);
  const ms = performance.now() - t0;
  assert.ok(err instanceof InterruptedError, String(err));
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});

Deno.test("train: a slow read of the labels in the door checks is a wait, not a Stop", async () => {
  const data = toyData(32);
  const model = toyModel();
  const read = data.labels.data.bind(data.labels);
  // deno-lint-ignore no-explicit-any
  (data.labels as any).data = () => sleep(300).then(read); // longer than a poll: the old busy await was taken for a Stop
  const saved = { ...stoppableDefaults };
  Object.assign(stoppableDefaults, { pollMs: 20, minStallMs: 2000 });
  try {
    const h = await train(model, data, { progress: false, epochs: 1, batchSize: 16 });
    assert.equal(h.epochs.length, 1);
  } finally {
    Object.assign(stoppableDefaults, saved);
    disposeModel(model);
    tf.dispose([data.images, data.labels]);
  }
});

Deno.test("evaluate: Stop while it checks the data (labels read cut) ends it with one line, nothing left", async () => {
  const data = toyData(40);
  const model = toyModel();
  const before = tf.memory().numTensors;
  // deno-lint-ignore no-explicit-any
  (data.labels as any).data = () => never(); // the read never resumes: what a Stop during the door checks leaves
  const saved = { ...stoppableDefaults };
  Object.assign(stoppableDefaults, { pollMs: 20, minStallMs: 300 });
  const t0 = performance.now();
  try {
    const err = await evaluate(model, data).then(() => undefined, (e) => e);
    const ms = performance.now() - t0;
    assert.ok(err instanceof InterruptedError, String(err));
    assert.equal(
      err.message,
      "Evaluación detenida al comprobar los datos: vuelve a ejecutar la celda para calcularla entera.",
    );
    assert.equal(err.stack, `InterruptedError: ${err.message}`);
    assert.ok(ms < 1500, `${ms.toFixed(0)} ms`);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(activeLoops().length, 0);
  } finally {
    Object.assign(stoppableDefaults, saved);
    disposeModel(model);
    tf.dispose([data.images, data.labels]);
  }
});

Deno.test("predictBatches with a loop: a Stop just after a batch is yielded (before the consumer reads it) frees it", async () => {
  const model = toyModel();
  const x = tf.randomUniform([40, 8, 8, 1]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  try {
    const err = await runStoppable("Predicción", async (loop) => {
      loop.onStop = () => "Predicción detenida.";
      for await (const _ of predictBatches(model, x, { batchSize: 16, loop })) {
        await never(); // terminated as the consumer resumes: nothing after the yield ever runs
      }
    }, { pollMs: 50 }).then(() => undefined, (e) => e);
    assert.ok(err instanceof InterruptedError, String(err));
    assert.equal(tf.memory().numTensors, before, "the yielded output is freed by the loop's repair");
  } finally {
    disposeModel(model);
    x.dispose();
  }
});

Deno.test("evaluate: Stop in the middle of the prediction names the batch and frees it", async () => {
  const data = toyData(64);
  const model = toyModel();
  const before = tf.memory().numTensors;
  const predict = model.predict.bind(model);
  let calls = 0;
  // deno-lint-ignore no-explicit-any
  (model as any).predict = (x: tf.Tensor) => {
    if (++calls === 3) { // the third batch's output is read, and that read never resumes
      const out = predict(x) as tf.Tensor;
      out.data = () => never();
      return out;
    }
    return predict(x);
  };
  const saved = { ...stoppableDefaults };
  Object.assign(stoppableDefaults, { pollMs: 20, minStallMs: 300 });
  try {
    const err = await evaluate(model, data, { batchSize: 16 }).then(() => undefined, (e) => e);
    assert.ok(err instanceof InterruptedError, String(err));
    assert.match(err.message, /^Evaluación detenida en el lote 3\/4: /);
    assert.equal(tf.memory().numTensors, before, "the cut batch's output is freed");
  } finally {
    Object.assign(stoppableDefaults, saved);
    disposeModel(model);
    tf.dispose([data.images, data.labels]);
  }
});
