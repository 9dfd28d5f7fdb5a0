/**
 * Long library loops (training, evaluation, image previews) that behave under Jupyter's Stop.
 *
 * With the kit's kernelspec (`"interrupt_mode": "message"`, see `tools/kernelspec.ts`) a Stop makes the Deno
 * kernel terminate the JavaScript that is running at that moment (V8 `TerminateExecution`): the kernel and
 * its variables survive, but no `catch`/`finally` of the interrupted code runs, the interrupted async
 * function never resumes, and the cell would wait for its promise until V8's garbage collector happens to
 * collect it (10–20 s or more, measured). A {@link StoppableLoop} notices the interruption from a timer
 * (timers keep running once the terminated code has unwound), cleans up what the interrupted code could
 * not (TF.js scopes and gradient tape left open, the tensors of the interrupted step), lets the caller mark
 * its output as stopped, and rejects the caller's promise with a one-line {@link InterruptedError}, so the
 * cell ends at once with a message that says where the loop stopped.
 *
 * How it tells "interrupted" from "busy" or "waiting": the loop calls {@link StoppableLoop.busy} before each
 * synchronous stretch and {@link StoppableLoop.idle} before each `await`. A timer callback can only run
 * while no JavaScript is on the stack, so if it finds the loop inside a busy stretch, that stretch was
 * terminated. An interrupt that lands while the loop waits kills the code that would resume it; that is
 * noticed when the wait lasts far longer than any wait so far (at least {@link StoppableOptions.minStallMs}).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { LearnerError } from "./learner_error.ts";

/** The error a stopped loop's promise rejects with (one line, like every {@link LearnerError}). */
export class InterruptedError extends LearnerError {
  /** What the loop had done (e.g. the partial training history), when the caller attached it. */
  readonly partial?: unknown;
  /** Builds the error. */
  constructor(message: string, partial?: unknown) {
    super(message);
    this.name = "InterruptedError";
    this.partial = partial;
  }
}

/** Options of {@link runStoppable}. */
export interface StoppableOptions {
  /** How often the watchdog timer looks, ms; default 200. */
  pollMs?: number;
  /** Shortest wait taken for a dead one, ms; default 2000 (waits of the loop so far, ×4, if longer). */
  minStallMs?: number;
}

interface EngineState {
  scopeStack: unknown[];
  activeScope: unknown;
  gradientDepth: number;
  kernelDepth: number;
  activeTape: Array<{ saved?: tf.Tensor[] }> | null;
}

function engineState(): EngineState {
  return (tf.engine() as unknown as { state: EngineState }).state;
}

/** Loops started and not finished, oldest first (a new one checks them: see {@link StoppableLoop.start}). */
const active = new Set<StoppableLoop>();

/** A long loop watched for interruptions; created by {@link runStoppable}. */
export class StoppableLoop {
  /** What runs, for messages ("Entrenamiento", "Evaluación"…). */
  readonly label: string;
  /** True once an interruption was detected. */
  interrupted = false;
  /**
   * Set by the loop once it has something to clean up: called once when an interruption is detected, after
   * TF.js state was repaired (update displays, restore settings); returns the {@link InterruptedError}'s
   * message (default: "`label` detenido.").
   */
  onStop?: () => string | void | Promise<string | void>;
  /** Set by the loop: attached to the {@link InterruptedError} as `partial` (e.g. the history so far). */
  partial?: unknown;
  /** An error thrown while repairing TF.js state after an interruption (diagnostics; normally undefined). */
  repairError?: unknown;
  private running = false;
  private since = performance.now();
  private longestWait = 0;
  private timer?: ReturnType<typeof setInterval>;
  private readonly scopeDepth: number;
  private readonly gradientDepth: number;
  private pending: tf.Tensor[] = [];
  private readonly minStall: number;
  /** @internal Set by {@link runStoppable}. */
  fail?: () => void;

  /** Records the TF.js engine state the loop starts from (it is restored after an interruption). */
  constructor(label: string, options: { minStallMs?: number } = {}) {
    this.label = label;
    const s = engineState();
    this.scopeDepth = s.scopeStack.length;
    this.gradientDepth = s.gradientDepth;
    this.minStall = options.minStallMs ?? 2000;
  }

  /** Entering a synchronous stretch (right after an `await` resumed, or at the start). */
  busy(): void {
    if (this.interrupted) throw new InterruptedError(`${this.label} detenido.`);
    if (!this.running) this.longestWait = Math.max(this.longestWait, performance.now() - this.since);
    this.running = true;
    this.since = performance.now();
  }

  /** Leaving a synchronous stretch: call right before an `await`. */
  idle(): void {
    this.running = false;
    this.since = performance.now();
  }

  /** `await p` between {@link idle} and {@link busy}. */
  async wait<T>(p: Promise<T>): Promise<T> {
    this.idle();
    const v = await p;
    this.busy();
    return v;
  }

  /**
   * Opens a TF.js scope for one step: every tensor made until {@link endStep} is disposed then (except
   * `keep`), and also if the step is interrupted. Call between {@link busy} and {@link idle}.
   */
  startStep(): void {
    tf.engine().startScope("stoppable-step");
  }

  /** Closes the step's scope, keeping `keep` (tensors still needed after the step's `await`s). */
  endStep(keep: tf.Tensor[] = []): void {
    tf.engine().endScope(keep);
    this.hold(keep);
  }

  /** Tensors the loop will dispose after an `await`: disposed by {@link repair} if it never resumes. */
  hold(tensors: tf.Tensor[]): void {
    this.pending = tensors;
  }

  /** Tensors held ({@link endStep}, {@link hold}) were disposed by the loop: forget them. */
  released(): void {
    this.pending = [];
  }

  /** True when the watchdog should call this loop interrupted now. */
  private dead(now: number): boolean {
    if (this.running) return true; // a timer runs only when no JavaScript is on the stack
    return now - this.since > Math.max(this.minStall, 4 * this.longestWait);
  }

  /** Starts watching: a timer checks every `pollMs`; loops left over from an interrupted cell are stopped. */
  start(pollMs: number): void {
    for (const other of [...active]) if (other.running) other.fail?.(); // we run, so it cannot
    active.add(this);
    this.busy();
    this.timer = setInterval(() => {
      if (!this.interrupted && this.dead(performance.now())) this.fail?.();
    }, pollMs);
  }

  /** Stops watching (the loop ended normally or failed with an ordinary error). */
  finish(): void {
    clearInterval(this.timer);
    active.delete(this);
  }

  /** Repairs what the terminated code left: open TF.js scopes, gradient tape, the step's tensors. */
  repair(): void {
    const s = engineState();
    while (s.scopeStack.length > this.scopeDepth) tf.engine().endScope();
    s.gradientDepth = Math.min(s.gradientDepth, this.gradientDepth);
    if (this.gradientDepth === 0 && s.activeTape) {
      // Cut inside tf.grad/variableGrads (forward or backward pass): the tape's saved tensors are kept ones.
      for (const node of s.activeTape) for (const t of node.saved ?? []) t.dispose();
      s.activeTape = null;
    }
    s.kernelDepth = 0;
    tf.dispose(this.pending);
    this.pending = [];
  }
}

/** Defaults of every {@link runStoppable} (tests shorten them). */
export const stoppableDefaults = { pollMs: 200, minStallMs: 2000 };

/** Loops of this kernel session not finished yet (for tests and diagnostics). */
export function activeLoops(): readonly StoppableLoop[] {
  return [...active];
}

/**
 * Runs `body(loop)` watched by a {@link StoppableLoop}; resolves with its result, or rejects with an
 * {@link InterruptedError} as soon as an interruption (Jupyter's Stop) is noticed — after
 * `options.onInterrupt` ran. `body` must call `loop.busy()`/`loop.idle()` (or `loop.wait(p)`) around
 * every `await`.
 */
export function runStoppable<T>(
  label: string,
  body: (loop: StoppableLoop) => Promise<T>,
  options: StoppableOptions = {},
): Promise<T> {
  const loop = new StoppableLoop(label, { minStallMs: options.minStallMs ?? stoppableDefaults.minStallMs });
  return new Promise<T>((resolve, reject) => {
    loop.fail = () => {
      if (loop.interrupted) return;
      loop.interrupted = true;
      loop.finish();
      try {
        loop.repair();
      } catch (e) {
        // Whatever the cut code left, the cell must still end with the message: record it for diagnosis.
        loop.repairError = e;
      }
      Promise.resolve()
        .then(() => loop.onStop?.())
        .then(
          (msg) => reject(new InterruptedError(msg || `${label} detenido.`, loop.partial)),
          (e) => reject(e),
        );
    };
    loop.start(options.pollMs ?? stoppableDefaults.pollMs);
    body(loop).then(
      (v) => {
        loop.finish();
        if (!loop.interrupted) resolve(v);
      },
      (e) => {
        loop.finish();
        if (!loop.interrupted) reject(e);
      },
    );
  });
}
