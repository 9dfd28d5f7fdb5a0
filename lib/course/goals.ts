/**
 * Accuracy goals of the course (LeNet-5 on MNIST ≥ 98.5 %, lab 1 ≥ 90 % on Fashion-MNIST…), checked once on
 * the test set: a library check instead of an `if … throw` inside a lesson cell.
 * @module
 */
import { formatPercent } from "../engine/format.ts";

/** Options for {@link checkAccuracyGoal}. */
export interface AccuracyGoal {
  /** Minimum accuracy, in [0, 1] (e.g. 0.985). */
  min: number;
  /** What was measured, shown in the message (e.g. "LeNet-5 en test"). */
  label: string;
}

/**
 * Checks that an accuracy (a number in [0, 1] or an `evaluate()` result) reaches `goal.min`: prints one line
 * `✔ …` when it does, throws a Spanish error saying by how much it fell short when it does not.
 */
export function checkAccuracyGoal(result: number | { accuracy: number }, goal: AccuracyGoal): void {
  const acc = typeof result === "number" ? result : result?.accuracy;
  if (typeof acc !== "number" || !(acc >= 0 && acc <= 1)) {
    throw new Error(
      `checkAccuracyGoal: se esperaba una exactitud entre 0 y 1 o el resultado de evaluate(), y se recibió ${
        JSON.stringify(result)
      }.`,
    );
  }
  if (!(goal?.min >= 0 && goal.min <= 1)) {
    throw new Error(`checkAccuracyGoal: goal.min debe estar entre 0 y 1 (p. ej. 0.985) y es ${goal?.min}.`);
  }
  if (acc < goal.min) {
    throw new Error(
      `${goal.label}: ${formatPercent(acc, { decimals: 2 })}, por debajo del objetivo (≥ ${
        formatPercent(goal.min)
      }). Revisa el ` +
        "entrenamiento (épocas, tasa de aprendizaje) con la validación, no con el test.",
    );
  }
  console.log(`✔ ${goal.label}: ${formatPercent(acc, { decimals: 2 })} (objetivo ≥ ${formatPercent(goal.min)})`);
}
