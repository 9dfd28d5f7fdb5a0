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
