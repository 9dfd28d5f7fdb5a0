import assert from "node:assert/strict";
import {
  addHead,
  checkFrozenModel,
  cutAt,
  disposeModel,
  freeze,
  LAB2_TRANSFER_TASK,
  loadPretrained,
  PRETRAINED_BASE,
} from "../lib/mod.ts";

async function frozenBase(cut: string) {
  const base = cutAt(await loadPretrained(PRETRAINED_BASE), cut);
  freeze(base);
  return base;
}

Deno.test("lab 2's task: its solution passes, notebook 08's recipe (block3_pool, FC-64 head) does not", async () => {
  const base = await frozenBase("block3_conv1_relu");
  const baseParams = base.countParams();
  const solution = addHead(base, { classes: 5, hidden: 0, seed: 0 });
  assert.doesNotThrow(() => checkFrozenModel(solution, LAB2_TRANSFER_TASK));
  // Head of the lab: flatten 7×7×64 → FC-5, the parameter count of exercise L2-1.
  assert.equal(solution.countParams() - baseParams, 7 * 7 * 64 * 5 + 5);
  const copiedFrom08 = addHead(await frozenBase("block3_pool"), { classes: 5, seed: 0 });
  assert.throws(() => checkFrozenModel(copiedFrom08, LAB2_TRANSFER_TASK), /no está cortada/);
  const rightCutWrongHead = addHead(await frozenBase("block3_conv1_relu"), { classes: 5, seed: 0 });
  assert.throws(() => checkFrozenModel(rightCutWrongHead, LAB2_TRANSFER_TASK), /capa\(s\) densa\(s\) oculta/);
  for (const m of [solution, copiedFrom08, rightCutWrongHead]) disposeModel(m);
});
