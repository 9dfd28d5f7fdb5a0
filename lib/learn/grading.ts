/**
 * The grading budget: when `deno task grade` runs a submission it switches this on, and {@link train}
 * then trains on a small subset for few epochs (enough to check that the code runs and the model is
 * right, not to reach the accuracy of a full training). Off in notebooks and tests.
 * @module
 */

/** How much training a graded submission gets. */
export interface GradingBudget {
  /** Epochs each `train` call may add (default 1). */
  epochs: number;
  /** Training examples used at most (the first ones of the dataset; default 512). */
  samples: number;
  /** Validation examples used at most (default 512). */
  validationSamples: number;
}

const KEY = Symbol.for("cnn-course.gradingBudget");

/** Switches the grading budget on (grader only); `undefined` switches it off. */
export function setGradingBudget(budget: Partial<GradingBudget> | undefined): void {
  const g = globalThis as Record<symbol, unknown>;
  if (budget === undefined) delete g[KEY];
  else g[KEY] = Object.freeze({ epochs: 1, samples: 512, validationSamples: 512, ...budget });
}

/** The active grading budget, or `undefined` outside the grader. */
export function gradingBudget(): GradingBudget | undefined {
  return (globalThis as Record<symbol, unknown>)[KEY] as GradingBudget | undefined;
}

/** The last epoch a run may reach: `epochs` or, under a grading budget, `done` + the budget's epochs. */
export function budgetedEpochs(epochs: number, done: number): number {
  const b = gradingBudget();
  return b ? Math.min(epochs, done + b.epochs) : epochs;
}
