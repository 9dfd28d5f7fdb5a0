/**
 * Optimizers for the course's trainings: SGD with momentum or Adam by name, their learning rate read and
 * changed in place (reduce-LR-on-plateau), compiling a model with one, and disposing a model with its
 * optimizer (TF.js leaves the optimizer's tensors behind otherwise).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { checkNumber, checkOptionalNumber, checkOptions } from "../engine/validate.ts";

/** Builds the optimizer named in the options (see {@link TrainOptions.optimizer}). */
export function makeOptimizer(
  name: "sgd" | "adam",
  options: { lr?: number; momentum?: number } = {},
): tf.Optimizer {
  checkOptions("makeOptimizer", options, { lr: true, momentum: true });
  checkOptionalNumber("lr", options.lr, { above: 0, example: "1e-3" });
  if (name === "adam") return tf.train.adam(options.lr ?? 1e-3);
  if (name === "sgd") {
    const momentum = options.momentum ?? 0.9;
    if (!(momentum >= 0 && momentum < 1)) throw new Error(`momentum debe estar en [0, 1) y es ${momentum}.`);
    return momentum === 0 ? tf.train.sgd(options.lr ?? 1e-2) : tf.train.momentum(options.lr ?? 1e-2, momentum);
  }
  throw new Error(`optimizer="${name}" no es válido: usa "sgd", "adam" o una instancia de tf.Optimizer.`);
}

/** The short name of an optimizer (`sgd`, `adam`, or its class name), as histories record it. */
export function optimizerName(opt: tf.Optimizer): string {
  const cls = opt.getClassName();
  return cls === "Momentum" || cls === "SGD" ? "sgd" : cls === "Adam" ? "adam" : cls;
}

/** Current learning rate of an optimizer. */
export function getLearningRate(opt: tf.Optimizer): number {
  // deno-lint-ignore no-explicit-any
  return Number((opt as any).learningRate);
}

/** Changes the learning rate of an optimizer in place (its state — momentum, moments — is kept). */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  checkNumber("lr", lr, { above: 0, example: "1e-3" });
  // deno-lint-ignore no-explicit-any
  const o = opt as any;
  if (typeof o.setLearningRate === "function") o.setLearningRate(lr); // SGD/Momentum cache a scalar
  else o.learningRate = lr;
}

/**
 * Compiles `model` with `optimizer` (categorical cross-entropy, accuracy), disposing the optimizer it had
 * before, so `model.optimizer` is the one to dispose with the model (see {@link disposeModel}).
 */
export function compileModel(model: tf.LayersModel, optimizer: tf.Optimizer): void {
  const old = model.optimizer;
  model.compile({ optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  if (old && old !== optimizer) disposeOptimizer(old);
}

/** Disposes a model and its optimizer (`model.dispose()` alone leaves the optimizer's tensors). */
export function disposeModel(model: tf.LayersModel | undefined): void {
  if (!model) return;
  const opt = model.optimizer;
  model.dispose();
  disposeOptimizer(opt);
}

/** Disposes an optimizer, including the learning-rate scalar that tfjs' Momentum optimizer forgets. */
export function disposeOptimizer(opt: tf.Optimizer | undefined): void {
  if (!opt) return;
  opt.dispose();
  // deno-lint-ignore no-explicit-any
  const c = (opt as any).c as tf.Tensor | undefined;
  if (c instanceof tf.Tensor && !c.isDisposed) c.dispose();
}
