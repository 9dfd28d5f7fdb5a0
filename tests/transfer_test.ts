import assert from "node:assert/strict";
import { join } from "node:path";
import { tf } from "../lib/mod.ts";
import {
  addHead,
  countTrainableParams,
  cutAt,
  freeze,
  loadPretrained,
  setTrainable,
  unfreezeTop,
} from "../lib/learn/transfer.ts";
import { checkAugmentation, checkFineTune, checkFrozenModel } from "../lib/course/lab_checks.ts";
import { smallVgg } from "../lib/cnn/catalogue.ts";
import { transferExperiment, transferMarkdown } from "../lib/course/transfer_experiment.ts";
import { saveModel } from "../lib/learn/checkpoint.ts";
import { disposeModel } from "../lib/learn/optimizer.ts";
import { train } from "../lib/learn/train.ts";

const tiny = {
  inputShape: [8, 8, 1] as [number, number, number],
  filters: [2, 3, 4] as [number, number, number],
  hidden: 8,
  batchNorm: true,
};

function toy(n: number, seed: number) {
  const images = tf.randomUniform([n, 8, 8, 1], 0, 1, "float32", seed) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 2), "int32");
  return { images, labels, classNames: ["a", "b"] };
}

async function values(weights: tf.LayerVariable[]): Promise<number[][]> {
  return await Promise.all(weights.map(async (w) => Array.from(await w.read().data())));
}

async function savedBase(): Promise<string> {
  const dir = join(await Deno.makeTempDir(), "base");
  const m = smallVgg({ ...tiny, classes: 3, seed: 1 });
  await saveModel(m, dir);
  disposeModel(m);
  return dir;
}

Deno.test("smallVgg: named VGG-style blocks, BatchNorm optional", () => {
  const m = smallVgg({ seed: 0 });
  assert.deepEqual(m.outputs[0].shape, [null, 5]);
  assert.deepEqual(m.getLayer("block3_pool").outputShape, [null, 3, 3, 64]);
  assert.equal(m.countParams(), 160 + 2320 + 4640 + 9248 + 18496 + (576 * 64 + 64) + (64 * 5 + 5));
  assert.ok(!m.layers.some((l) => l.getClassName() === "BatchNormalization"));
  const bn = smallVgg({ batchNorm: true });
  assert.equal(bn.layers.filter((l) => l.getClassName() === "BatchNormalization").length, 5);
  disposeModel(m);
  disposeModel(bn);
});

Deno.test("cut + freeze + new head: fewer trainable weights, frozen weights and BN statistics unchanged", async () => {
  const dir = await savedBase();
  const full = await loadPretrained(dir);
  const allParams = full.countParams();
  const base = cutAt(full, "block3_pool");
  assert.deepEqual(base.outputs[0].shape, [null, 1, 1, 4]);
  freeze(base);
  const model = addHead(base, { classes: 2, hidden: 6, seed: 2 });
  assert.ok(countTrainableParams(model) < model.countParams());
  assert.equal(countTrainableParams(model), (4 * 6 + 6) + (6 * 2 + 2)); // only the head
  assert.ok(model.countParams() < allParams + 100);
  const frozen = base.weights; // includes BN moving mean/variance
  const before = await values(frozen);
  const headBefore = await values(model.getLayer("head_fc").weights);
  const data = toy(32, 3);
  await train(model, data, { epochs: 2, batchSize: 8, progress: false, lr: 1e-2 });
  assert.deepEqual(await values(frozen), before);
  assert.notDeepEqual(await values(model.getLayer("head_fc").weights), headBefore);
  // Unfreezing the top block makes it train again (BatchNorm too).
  setTrainable(model, true, { match: "block3" });
  const block3 = model.getLayer("block3_conv1").weights;
  const b3 = await values(block3);
  await train(model, data, { epochs: 1, batchSize: 8, progress: false, optimizer: "adam", lr: 1e-2 });
  assert.notDeepEqual(await values(block3), b3);
  assert.deepEqual(await values(model.getLayer("block1_conv1").weights), before.slice(0, 1));
  // Reusing a stateful optimizer after changing what is trainable is refused with a hint.
  freeze(model);
  setTrainable(model, true, { match: "head" });
  await assert.rejects(() => train(model, data, { epochs: 1, progress: false }), /pasa un optimizador nuevo/);
  disposeModel(model);
  tf.dispose([data.images, data.labels]);
});

Deno.test("unfreezeTop unfreezes the last n layers with weights (BatchNorm goes with its conv)", () => {
  const m = smallVgg({ ...tiny, seed: 4 });
  freeze(m);
  assert.equal(countTrainableParams(m), 0);
  assert.deepEqual(unfreezeTop(m, 3), ["block3_conv1", "block3_conv1_bn", "fc1", "predictions"]);
  assert.ok(countTrainableParams(m) > 0);
  assert.throws(() => unfreezeTop(m, -1), /n debe ser un entero ≥ 0/);
  assert.throws(() => cutAt(m, "nope"), /No hay ninguna capa "nope"/);
  disposeModel(m);
});

Deno.test("transferExperiment returns one row and history per variant, seeded and leak-free", async () => {
  const dir = await savedBase();
  const trainSet = toy(24, 5), testSet = toy(16, 6);
  const before = tf.memory().numTensors;
  const r = await transferExperiment({ train: trainSet, test: testSet }, {
    pretrained: dir,
    epochs: 1,
    fineTuneEpochs: 1,
    batchSize: 8,
    progress: false,
    variants: ["scratch", "frozen", "finetune"],
    repeats: 2,
  });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(r.rows.map((x) => x.variant), ["scratch", "frozen", "finetune"]);
  assert.deepEqual(r.rows.map((x) => x.epochs), [2, 1, 2]);
  const [scratch, frozen, ft] = r.rows;
  assert.ok(frozen.trainableParams < ft.trainableParams && ft.trainableParams < scratch.trainableParams);
  for (const row of r.rows) {
    assert.equal(row.accuracies!.length, 2);
    assert.ok(Math.abs(row.accuracy - (row.accuracies![0] + row.accuracies![1]) / 2) < 1e-12);
  }
  assert.deepEqual(r.seeds, [0, 1]);
  assert.match(transferMarkdown(r), /media de 2 repeticiones/);
  assert.equal(Object.keys(r.histories).length, 3);
  assert.match(transferMarkdown(r), /\| base congelada \+ cabeza nueva \|/);
  await assert.rejects(
    () =>
      transferExperiment({ train: trainSet, test: testSet }, {
        pretrained: dir,
        variants: ["scratch_aug"],
        progress: false,
      }),
    /necesita options.augment/,
  );
  tf.dispose([trainSet.images, trainSet.labels, testSet.images, testSet.labels]);
});

Deno.test("lab checks: unanswered, wrong and right answers for augmentation, frozen base and fine-tuning", async () => {
  assert.throws(() => checkAugmentation(undefined), /^ExerciseError: todavía sin responder/);
  assert.throws(() => checkAugmentation({ brightness: 0.1 }), /Sin transformaciones geométricas/);
  assert.throws(() => checkAugmentation({ rotation: 90 }), /rotation = 90 es demasiado/);
  assert.throws(() => checkAugmentation({ flip: "vertical" }), /volteo vertical/);
  assert.doesNotThrow(() => checkAugmentation({ rotation: 10, translate: 0.1 }));

  const dir = await savedBase();
  const base = cutAt(await loadPretrained(dir), "block3_pool");
  assert.throws(() => checkFrozenModel(undefined), /todavía sin responder/);
  const unfrozen = addHead(base, { classes: 5, hidden: 4 });
  assert.throws(() => checkFrozenModel(unfrozen), /se siguen entrenando/);
  freeze(base);
  assert.throws(() => checkFrozenModel(unfrozen, 3), /otro número de clases/);
  assert.doesNotThrow(() => checkFrozenModel(unfrozen));
  // Where the base was cut and the head's shape, when the task asks for them.
  assert.throws(() => checkFrozenModel(unfrozen, { cut: "block3_conv1_relu" }), /no está cortada.*«block3_pool»/);
  assert.throws(() => checkFrozenModel(unfrozen, { cut: "block3_pool", pooling: "gap" }), /aplana el volumen/);
  assert.throws(() => checkFrozenModel(unfrozen, { hidden: 0 }), /1 capa\(s\) densa\(s\) oculta\(s\) \(4\)/);
  assert.doesNotThrow(() =>
    checkFrozenModel(unfrozen, { classes: 5, cut: "block3_pool", pooling: "flatten", hidden: 4 })
  );
  {
    const base2 = cutAt(await loadPretrained(dir), "block3_conv1_relu");
    freeze(base2);
    const gap = addHead(base2, { classes: 5, pooling: "gap", hidden: 0 });
    assert.doesNotThrow(() => checkFrozenModel(gap, { cut: "block3_conv1_relu", pooling: "gap", hidden: 0 }));
    assert.throws(() => checkFrozenModel(gap, { pooling: "flatten" }), /promedia cada mapa/);
    assert.throws(() => checkFrozenModel(gap, { hidden: 64 }), /0 capa\(s\).*ninguna/);
    disposeModel(gap);
  }

  assert.throws(() => checkFineTune(unfrozen, { lr: undefined, frozenLr: 1e-3 }), /todavía sin responder/);
  assert.throws(() => checkFineTune(unfrozen, { lr: 1e-4, frozenLr: 1e-3 }), /sigue congelado/);
  setTrainable(unfrozen, true, { match: "block" });
  assert.throws(() => checkFineTune(unfrozen, { lr: 1e-4, frozenLr: 1e-3 }), /bloques inferiores/);
  freeze(unfrozen);
  setTrainable(unfrozen, true, { match: /^(block3|head)/ });
  assert.throws(() => checkFineTune(unfrozen, { lr: 1e-3, frozenLr: 1e-3 }), /demasiado alta/);
  assert.doesNotThrow(() => checkFineTune(unfrozen, { lr: 1e-4, frozenLr: 1e-3 }));
  disposeModel(unfrozen);
});
