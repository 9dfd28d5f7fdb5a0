import assert from "node:assert/strict";
import { tf } from "../lib/mod.ts";
import { disposeModel } from "../lib/learn/optimizer.ts";
import { epochPermutation, lossAndAccuracy, train } from "../lib/learn/train.ts";
import { type History, loadHistory, saveHistory } from "../lib/learn/history.ts";
import { loadCheckpoint } from "../lib/learn/checkpoint.ts";

/** Images 8×8 of noise; class 1 has a brighter left half, class 0 a brighter right half. */
function toyData(n: number, seed = 1) {
  const labels = tf.tidy(() => tf.randomUniform([n], 0, 1, "float32", seed + 100).greater(0.5).toInt()) as tf.Tensor1D;
  const images = tf.tidy(() => {
    const noise = tf.randomUniform([n, 8, 8, 1], 0, 0.7, "float32", seed);
    const leftMask = tf.concat([tf.ones([8, 4, 1]), tf.zeros([8, 4, 1])], 1);
    const lab = labels.toFloat().reshape([n, 1, 1, 1]);
    const bright = lab.mul(leftMask).add(tf.scalar(1).sub(lab).mul(tf.scalar(1).sub(leftMask)));
    return noise.add(bright.mul(0.3));
  }) as tf.Tensor4D;
  return { images, labels, classNames: ["derecha", "izquierda"] };
}

function toyModel(seed = 3) {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 2,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

const quiet = { progress: false as const };

Deno.test("train learns a separable toy problem and reports per-epoch metrics", async () => {
  const data = toyData(256);
  const model = toyModel();
  const h = await train(model, data, { ...quiet, epochs: 8, batchSize: 16, lr: 1e-2, validationSplit: 0.25 });
  assert.equal(h.epochs.length, 8);
  assert.equal(h.trainSize, 192);
  const last = h.epochs[7];
  assert.ok(last.acc > 0.85, `train acc ${last.acc}`);
  assert.ok(last.valAcc! > 0.8, `val acc ${last.valAcc}`);
  assert.ok(h.epochs[7].loss < h.epochs[0].loss);
  assert.deepEqual(h.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5, 6, 7, 8]);
  // Validation metrics equal an independent evaluation with tfjs' own model.evaluate (same final weights).
  const vx = data.images.slice(192), vy = tf.oneHot(data.labels.slice(192), 2);
  const [l, a] = model.evaluate(vx, vy, { batchSize: 64 }) as tf.Scalar[];
  assert.ok(Math.abs((await l.data())[0] - last.valLoss!) < 1e-4);
  assert.ok(Math.abs((await a.data())[0] - last.valAcc!) < 1e-6);
  tf.dispose([vx, vy, l, a]);
  disposeModel(model);
  tf.dispose([data.images, data.labels]);
});

Deno.test("train is reproducible: same seed, same history; another seed, another order", async () => {
  const data = toyData(96);
  const run = async (seed: number) => {
    const m = toyModel();
    const h = await train(m, data, { ...quiet, epochs: 2, batchSize: 16, seed, optimizer: "sgd", lr: 0.05 });
    disposeModel(m);
    return h.epochs.map((e) => e.loss);
  };
  const a = await run(7), b = await run(7), c = await run(8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.notDeepEqual(Array.from(epochPermutation(50, 7, 1)), Array.from(epochPermutation(50, 7, 2)));
  assert.deepEqual(Array.from(epochPermutation(10, 7, 1)).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  tf.dispose([data.images, data.labels]);
});

Deno.test("weightDecay adds lr·wd·w to the kernels' update and leaves biases alone", async () => {
  const data = toyData(16);
  const step = async (wd: number) => {
    const m = toyModel();
    await train(m, data, {
      ...quiet,
      epochs: 1,
      batchSize: 16,
      optimizer: "sgd",
      momentum: 0,
      lr: 0.1,
      weightDecay: wd,
    });
    const w = await Promise.all(m.getWeights().map((t) => t.data()));
    disposeModel(m);
    return w;
  };
  const w0 = await Promise.all(toyModel().getWeights().map((t) => t.data()));
  const plain = await step(0), decayed = await step(0.5);
  // Weights: [conv kernel, conv bias, dense kernel, dense bias].
  for (const i of [0, 2]) {
    for (let j = 0; j < w0[i].length; j++) {
      assert.ok(Math.abs(plain[i][j] - decayed[i][j] - 0.1 * 0.5 * w0[i][j]) < 1e-5, `kernel ${i}[${j}]`);
    }
  }
  for (const i of [1, 3]) assert.deepEqual(Array.from(plain[i]), Array.from(decayed[i]));
  tf.dispose([data.images, data.labels]);
});

Deno.test("reduceLrOnPlateau divides the lr and earlyStopping stops when the metric stalls", async () => {
  const data = toyData(32);
  const m = toyModel();
  // With a negligible learning rate the loss cannot improve: a plateau from epoch 2 on.
  const h = await train(m, data, {
    ...quiet,
    epochs: 10,
    batchSize: 32,
    optimizer: "sgd",
    lr: 1e-12,
    reduceLrOnPlateau: { patience: 1, factor: 0.1, minLr: 0, monitor: "loss" },
    earlyStopping: { patience: 4, monitor: "loss" },
  });
  assert.equal(h.stopReason, "earlyStopping");
  assert.equal(h.epochs.length, 5);
  assert.equal(h.bestEpoch, 1);
  const lrs = h.epochs.map((e) => e.lr);
  for (const [i, want] of [1e-12, 1e-12, 1e-13, 1e-14, 1e-15].entries()) {
    assert.ok(Math.abs(lrs[i] - want) / want < 1e-6, `lr[${i}] = ${lrs[i]}`);
  }
  disposeModel(m);
  tf.dispose([data.images, data.labels]);
});

Deno.test("validationFreq validates every k epochs and after the last; the validated values are unchanged", async () => {
  const data = toyData(128);
  const opts = { ...quiet, epochs: 5, batchSize: 16, lr: 1e-2, validationSplit: 0.25, seed: 2 };
  const every = toyModel(), sparse = toyModel(), listed = toyModel();
  const h1 = await train(every, data, opts);
  const h2 = await train(sparse, data, { ...opts, validationFreq: 2 });
  const h3 = await train(listed, data, { ...opts, validationFreq: [1, 3] }); // Keras' list form
  const validated = (h: typeof h1) => h.epochs.filter((e) => e.valAcc !== undefined).map((e) => e.epoch);
  assert.deepEqual(validated(h2), [2, 4, 5]);
  assert.deepEqual(validated(h3), [1, 3, 5]);
  for (const h of [h2, h3]) {
    assert.ok(h.epochs.every((e) => (e.valAcc === undefined) === (e.valLoss === undefined)));
    // Validation runs in inference mode and draws no random numbers: skipping it changes nothing else.
    for (const e of h.epochs) {
      const ref = h1.epochs[e.epoch - 1];
      assert.equal(e.loss, ref.loss, `epoch ${e.epoch}: training loss`);
      if (e.valLoss !== undefined) assert.equal(e.valLoss, ref.valLoss, `epoch ${e.epoch}: validation loss`);
    }
  }
  for (const m of [every, sparse, listed]) disposeModel(m);
  tf.dispose([data.images, data.labels]);
});

Deno.test("with validationFreq, early stopping decides on validated epochs and its patience counts epochs", async () => {
  const data = toyData(64);
  const run = async (validationFreq: number) => {
    const m = toyModel();
    // A negligible learning rate: the validation loss never improves after its first measurement.
    const h = await train(m, data, {
      ...quiet,
      epochs: 20,
      batchSize: 32,
      optimizer: "sgd",
      lr: 1e-12,
      validationSplit: 0.5,
      validationFreq,
      earlyStopping: { patience: 4, monitor: "valLoss" },
    });
    disposeModel(m);
    return h;
  };
  const daily = await run(1), every3 = await run(3);
  assert.equal(daily.bestEpoch, 1);
  assert.equal(daily.epochs.length, 5); // 5 − 1 ≥ 4
  assert.equal(every3.bestEpoch, 3); // the first validated epoch
  assert.equal(every3.epochs.length, 9); // validated 3, 6, 9: 9 − 3 ≥ 4 (not after 4 more validations)
  assert.equal(every3.stopReason, "earlyStopping");
  tf.dispose([data.images, data.labels]);
});

Deno.test("train does not leak: numTensors constant across epochs and repeated calls; disposeModel frees all", async () => {
  const data = toyData(64);
  const before = tf.memory().numTensors;
  const m = toyModel();
  const perEpoch: number[] = [];
  const seeds = new Set<number>();
  const opts = {
    ...quiet,
    epochs: 3,
    batchSize: 16,
    validationSplit: 0.25,
    reduceLrOnPlateau: true,
    earlyStopping: { patience: 5 },
    weightDecay: 5e-4,
    augment: (x: tf.Tensor4D, seed: number) => {
      seeds.add(seed);
      return tf.tidy(() => x.reverse(2));
    },
    callbacks: { onEpochEnd: () => void perEpoch.push(tf.memory().numTensors) },
  };
  await train(m, data, { ...opts, optimizer: "sgd" });
  const after1 = tf.memory().numTensors;
  await train(m, data, opts);
  await train(m, data, opts);
  assert.equal(tf.memory().numTensors, after1);
  // Epoch 1 of each call runs before early stopping keeps its copy of the best weights; later epochs are equal.
  assert.equal(new Set(perEpoch.filter((_, i) => i % 3 === 0)).size, 1, `numTensors per epoch: ${perEpoch}`);
  assert.equal(new Set(perEpoch.filter((_, i) => i % 3 !== 0)).size, 1, `numTensors per epoch: ${perEpoch}`);
  assert.equal(seeds.size, 3 * 3, "one augmentation seed per batch and epoch");
  disposeModel(m);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([data.images, data.labels]);
});

Deno.test("augment accepts randomAugment options: a different batch each epoch, same run for same seed", async () => {
  const data = toyData(32);
  const run = async () => {
    const m = toyModel();
    const h = await train(m, data, {
      ...quiet,
      epochs: 2,
      batchSize: 32,
      shuffle: false,
      augment: { translate: 0.25 },
    });
    disposeModel(m);
    return h.epochs.map((e) => e.loss);
  };
  const plain = toyModel();
  const h0 = await train(plain, data, { ...quiet, epochs: 1, batchSize: 32, shuffle: false });
  disposeModel(plain);
  const a = await run(), b = await run();
  assert.deepEqual(a, b);
  assert.notEqual(a[0], h0.epochs[0].loss); // the first batch was really augmented
  tf.dispose([data.images, data.labels]);
});

Deno.test("checkpointDir + loadCheckpoint resume training exactly where it stopped", async () => {
  const data = toyData(64);
  const dir = await Deno.makeTempDir();
  const opts = { ...quiet, batchSize: 16, optimizer: "sgd" as const, lr: 0.05, seed: 3 };
  const straight = toyModel();
  const hStraight = await train(straight, data, { ...opts, epochs: 4 });
  const first = toyModel();
  await train(first, data, { ...opts, epochs: 2, checkpointDir: dir });
  const { model, history } = await loadCheckpoint(dir);
  assert.equal(history?.epochs.length, 2);
  const hResumed = await train(model, data, { ...quiet, batchSize: 16, seed: 3, epochs: 4, history });
  assert.deepEqual(hResumed.epochs.map((e) => e.epoch), [1, 2, 3, 4]);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(hResumed.epochs[i].loss - hStraight.epochs[i].loss) < 1e-5, `epoch ${i + 1}`);
  }
  for (const m of [straight, first, model]) disposeModel(m);
  tf.dispose([data.images, data.labels]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("saveHistory/loadHistory round-trip; lossAndAccuracy matches model.evaluate", async () => {
  const data = toyData(40);
  const m = toyModel();
  const h: History = await train(m, data, { ...quiet, epochs: 1 });
  const path = await Deno.makeTempFile({ suffix: ".json" });
  await saveHistory(h, path);
  assert.deepEqual(await loadHistory(path), JSON.parse(JSON.stringify(h)));
  const la = await lossAndAccuracy(m, data, { batchSize: 7 });
  const oh = tf.oneHot(data.labels, 2);
  const [l, a] = m.evaluate(data.images, oh) as tf.Scalar[];
  assert.ok(Math.abs((await l.data())[0] - la.loss) < 1e-5);
  assert.ok(Math.abs((await a.data())[0] - la.acc) < 1e-6);
  tf.dispose([oh, l, a, data.images, data.labels]);
  disposeModel(m);
  await Deno.remove(path);
});

Deno.test("train checks its arguments with messages naming the field", async () => {
  const data = toyData(8);
  const m = toyModel();
  await assert.rejects(() => train(m, data, { epochs: 0 }), /epochs debe ser un entero ≥ 1; se recibió 0/);
  await assert.rejects(() => train(m, data, { validationSplit: 1.5 }), /validationSplit .* 1.5/);
  await assert.rejects(
    () => train(m, data, { optimizer: "rmsprop" as "sgd" }),
    /optimizer debe ser "adam" o "sgd"; se recibió "rmsprop"/,
  );
  await assert.rejects(
    () => train(m, { ...data, labels: data.labels.slice(0, 4) }, {}),
    /data\.labels tiene 4 etiquetas y data\.images tiene 8 imágenes/,
  );
  await assert.rejects(() => train(m, data, { earlyStopping: { monitor: "valLoss" } }), /necesita validationData/);
  disposeModel(m);
  tf.dispose([data.images, data.labels]);
});

Deno.test("dropout gets a new, reproducible mask every batch (tfjs repeats the mask of a fixed seed)", async () => {
  const data = toyData(64);
  const make = () =>
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [8, 8, 1] }),
        tf.layers.dropout({ rate: 0.5, seed: 5 }),
        tf.layers.dense({
          units: 2,
          activation: "softmax",
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
      ],
    });
  const seen: number[] = [];
  const run = async () => {
    const m = make();
    const drop = m.layers[1] as unknown as { seed?: number };
    const h = await train(m, data, {
      ...quiet,
      epochs: 2,
      batchSize: 16,
      callbacks: { onBatchEnd: () => void seen.push(drop.seed!) },
    });
    assert.equal(drop.seed, 5, "the layer's own seed is restored");
    disposeModel(m);
    return h.epochs.map((e) => e.loss);
  };
  const a = await run();
  assert.equal(new Set(seen).size, 8, "one seed per batch");
  assert.deepEqual(await run(), a);
  tf.dispose([data.images, data.labels]);
});

Deno.test("earlyStopping.restoreBestWeights: the best epoch's weights come back even when all epochs ran", async () => {
  const data = toyData(64, 5);
  const val = toyData(64, 9);
  const m = toyModel();
  // A learning rate far too high: validation loss jumps around, so the last epoch is not the best one.
  const h = await train(m, data, {
    ...quiet,
    epochs: 8,
    batchSize: 16,
    optimizer: "sgd",
    lr: 3,
    validationData: val,
    earlyStopping: { patience: 100, monitor: "valLoss", restoreBestWeights: true },
  });
  assert.equal(h.stopReason, "epochs");
  assert.ok(h.bestEpoch !== undefined && h.bestEpoch < 8, `best epoch ${h.bestEpoch}`);
  const best = h.epochs[h.bestEpoch - 1].valLoss!;
  const now = await lossAndAccuracy(m, val);
  assert.ok(Math.abs(now.loss - best) < 1e-5, `val loss now ${now.loss}, at the best epoch ${best}`);
  assert.ok(Math.abs(now.loss - h.epochs[7].valLoss!) > 1e-4, "the last epoch's weights were replaced");
  disposeModel(m);
  tf.dispose([data.images, data.labels, val.images, val.labels]);
});
