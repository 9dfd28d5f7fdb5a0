/**
 * Errors meant for the learner: a wrong answer, a layer that does not fit, data that cannot be loaded and
 * how to fix it. Their Spanish message is the whole story, so they show as ONE line — in a live Jupyter
 * page and in executed notebooks — without the library's stack frames (the Deno kernel prints `error.stack`
 * as the traceback). Every other error (a bug, an unexpected failure) keeps its stack.
 *
 * `ExerciseError` and `DimensionError` extend {@link LearnerError}; data loaders throw it directly.
 * @module
 */

/** An error whose message tells the learner what was wrong and what to do; its `stack` is that one line. */
export class LearnerError extends Error {
  /** Builds the error; `message` is shown to the learner as is. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LearnerError";
    // `stack` is what Jupyter's Deno kernel shows as the traceback: only "Name: message" (name read when
    // shown, so subclasses that set their own name after super() are reported by it).
    Object.defineProperty(this, "stack", {
      configurable: true,
      enumerable: false,
      get: () => `${this.name}: ${this.message}`,
    });
  }
}

/** True for an error meant for the learner (one-line message, no stack frames). */
export function isLearnerError(e: unknown): e is LearnerError {
  return e instanceof LearnerError;
}
