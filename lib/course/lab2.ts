/**
 * The transfer-learning task of lab 2 (notebook 10), kept in the library so the notebook's check cell does not
 * show the answer: cut the pretrained base right after its last convolution (before that block's pooling) and
 * put on it a head that flattens that volume into the 5-class layer, with no hidden layer. Notebook 08 cuts elsewhere and uses
 * another head, so its code cannot be copied as the solution.
 * @module
 */
import type { FrozenModelAnswer } from "./lab_checks.ts";

/** What `checkFrozenModel` expects of lab 2's transfer model. */
export const LAB2_TRANSFER_TASK: Readonly<FrozenModelAnswer> = Object.freeze({
  classes: 5,
  cut: "block3_conv1_relu",
  pooling: "flatten",
  hidden: 0,
});
