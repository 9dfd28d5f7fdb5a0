/** The bench protocol: median of the timed repeats, min/max around it, nothing left allocated. */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initRuntime } from "../lib/engine/runtime.ts";
import { benchModel, median } from "../bench/bench.ts";
import { lenet5 } from "../bench/models.ts";

Deno.test("median: odd and even counts, input left unsorted", () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.throws(() => median([]), /vacía/);
});

Deno.test("benchModel: repeats, median inside min/max, no tensor left behind", async () => {
  const runtime = await initRuntime({ quiet: true });
  const before = tf.memory().numTensors;
  const r = await benchModel({ name: "lenet5", inputShape: [28, 28, 1], n: 128, build: lenet5 }, runtime, {
    repeats: 3,
  });
  assert.equal(r.repeats, 3);
  const pairs: Array<[number, number[]]> = [
    [r.train_samples_per_s, r.train_min_max],
    [r.infer_samples_per_s, r.infer_min_max],
  ];
  for (const [med, [lo, hi]] of pairs) assert.ok(lo > 0 && lo <= med && med <= hi, `${lo} ≤ ${med} ≤ ${hi}`);
  assert.equal(r.numTensors_after, r.numTensors_before);
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(() =>
    benchModel({ name: "lenet5", inputShape: [28, 28, 1], n: 64, build: lenet5 }, runtime, {
      repeats: 0,
    }), /repeats/);
});
