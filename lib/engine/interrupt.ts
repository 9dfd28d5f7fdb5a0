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
 * noticed when the wait lasts far longer than any wait so far (at least {@link StoppableOptions.minStallMs}),
 * or at the next poll when the awaited promise has settled but the code after it never resumed.
 *
 * Where a Stop lands matters (measured with Deno 2.9 in a Notebook 6 page, `tools/stop_latency.ts`):
 * - in JavaScript run from an op's completion (the usual case once a loop has awaited something): noticed;
 * - in the task that evaluates the cell, before any real `await`: the cell ends at once without output, so
 *   {@link runStoppable} first leaves that task through one async op;
 * - in JavaScript run from a timer (when the kernel is idle, the next JavaScript is often a timer callback):
 *   every timer of the kernel stops, the watchdog's too, and the cell hangs until V8 collects its promise.
 *   So a loop should not sit idle for long: sharp runs in a worker this thread blocks on
 *   (`lib/data/sharp_jobs.ts`), folders are listed synchronously.
 *
 * Nesting: a {@link runStoppable} called from inside another one's body (e.g. `lossAndAccuracy` in a
 * training callback) gets a child loop. While a child runs, its parent counts as waiting for it (its watchdog
 * does not take the child's duration for a dead wait, and the child's time is not added to the parent's
 * waits); the child watches for the Stop. When the child is stopped, its error goes up through the parent's
 * body (whose `finally` blocks run), and the parent ends as stopped too, with its own message
 * ({@link StoppableLoop.onStop}, e.g. the training's epoch and batch).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { AsyncLocalStorage } from "node:async_hooks";
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

/**
 * What a {@link StoppableLoop.wait} knows of the work it waits for: `true` at work (not a stall), `false`
 * answered into code that was cut (a Stop), `undefined` nothing.
 */
export type WaitProbe = () => boolean | undefined;

/** A wait in progress (see {@link StoppableLoop.wait}). */
interface PendingWait {
  /** When the awaited promise settled (0: not yet). */
  settledAt: number;
  probe?: WaitProbe;
}

/** Loops started and not finished, oldest first (a new one checks them: see {@link StoppableLoop.start}). */
const active = new Set<StoppableLoop>();

/** The loop whose body is running (follows `await`s and timers), to give a nested loop its parent. */
const current = new AsyncLocalStorage<StoppableLoop>();

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
  private readonly children = new Set<StoppableLoop>();
  private readonly cleanups: Array<() => void> = [];
  private readonly waits = new Set<PendingWait>();
  /** The loop this one runs inside (see the module's notes on nesting), if any. */
  readonly parent?: StoppableLoop;
  /** @internal Set by {@link runStoppable}. */
  fail?: () => void;

  /** Records the TF.js engine state the loop starts from (it is restored after an interruption). */
  constructor(label: string, options: { minStallMs?: number; parent?: StoppableLoop } = {}) {
    this.label = label;
    const s = engineState();
    this.scopeDepth = s.scopeStack.length;
    this.gradientDepth = s.gradientDepth;
    this.minStall = options.minStallMs ?? 2000;
    this.parent = options.parent;
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

  /**
   * `await p` between {@link idle} and {@link busy}. Two things tell the watchdog more than the time waited:
   * `p` settled but the code after it never resumed (it was cut: stopped at the next poll), and `probe`, if
   * given: `true` while what `p` waits for is known to be at work (never a stall, however long), `false`
   * once it is known to have answered into code that was cut (stopped now), `undefined` to say nothing.
   */
  async wait<T>(p: Promise<T>, probe?: WaitProbe): Promise<T> {
    this.idle();
    const w: PendingWait = { settledAt: 0, probe };
    this.waits.add(w);
    const mark = () => void (w.settledAt = performance.now());
    p.then(mark, mark); // runs just before the await below resumes, in the same round of microtasks
    try {
      return await p;
    } finally {
      this.waits.delete(w);
      this.busy();
    }
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

  /**
   * Registers something to release if the loop is stopped (e.g. terminate a worker), called right after the
   * TF.js repair, before {@link onStop}. (On a normal end the loop's body releases it itself.)
   */
  addCleanup(fn: () => void): void {
    this.cleanups.push(fn);
  }

  /** Runs the cleanups registered with {@link addCleanup}, once; a failing one does not stop the others. */
  runCleanups(): void {
    for (const fn of this.cleanups.splice(0)) {
      try {
        fn();
      } catch (e) {
        this.repairError ??= e;
      }
    }
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
    if (this.children.size > 0) return false; // waiting for a nested loop, which watches for itself
    let atWork = false;
    for (const w of this.waits) {
      if (w.settledAt > 0) return true; // settled, and microtasks ran before this timer: its await was cut
      const state = w.probe?.();
      if (state === false) return true;
      if (state === true) atWork = true;
    }
    return !atWork && now - this.since > Math.max(this.minStall, 4 * this.longestWait);
  }

  /** True when `other` is this loop or one it runs inside. */
  private within(other: StoppableLoop): boolean {
    return other === this || (this.parent?.within(other) ?? false);
  }

  /** Starts watching: a timer checks every `pollMs`; loops left over from an interrupted cell are stopped. */
  start(pollMs: number): void {
    if (this.parent) {
      this.parent.idle(); // it waits for us from now on
      this.parent.children.add(this);
    }
    for (const other of [...active]) if (other.running && !this.within(other)) other.fail?.(); // we run, so it cannot
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
    if (this.parent?.children.delete(this)) this.parent.since = performance.now(); // our time is not its wait
  }

  /**
   * The loop was found dead while nested loops run (their parent was cut in a busy stretch): they are not
   * cut themselves, so they are told to stop at their next {@link busy} (their results are not wanted).
   */
  abandonChildren(): void {
    for (const child of [...this.children]) {
      child.abandonChildren();
      child.interrupted = true;
      child.runCleanups();
      child.finish();
    }
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

/**
 * Resolves after one round trip through an asynchronous Deno op (a SHA-1 of nothing: no permission, ~0,1 ms).
 *
 * Why: a loop that never yields would run entirely inside the task that evaluates the notebook cell, and a
 * Stop there ends the cell at once *without any output* (measured, Deno 2.9): the loop's "detenido" message
 * is lost. After an op round trip the loop runs in the op's completion, where a Stop is noticed by the
 * watchdog and the cell ends with the message. (Not a timer: a Stop that cuts JavaScript run from a timer
 * stops every timer of the kernel, the watchdog's too.)
 */
function leaveCellTask(): Promise<unknown> {
  return crypto.subtle.digest("SHA-1", new Uint8Array(0));
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
  const outer = current.getStore();
  const parent = outer && !outer.interrupted && active.has(outer) ? outer : undefined;
  const loop = new StoppableLoop(label, {
    minStallMs: options.minStallMs ?? stoppableDefaults.minStallMs,
    parent,
  });
  return new Promise<T>((resolve, reject) => {
    loop.fail = () => {
      if (loop.interrupted) return;
      loop.interrupted = true;
      loop.abandonChildren();
      loop.finish();
      try {
        loop.repair();
      } catch (e) {
        // Whatever the cut code left, the cell must still end with the message: record it for diagnosis.
        loop.repairError = e;
      }
      loop.runCleanups();
      Promise.resolve()
        .then(() => loop.onStop?.())
        .then(
          (msg) => reject(new InterruptedError(msg || `${label} detenido.`, loop.partial)),
          (e) => reject(e),
        );
    };
    loop.start(options.pollMs ?? stoppableDefaults.pollMs);
    let run: Promise<T>;
    try {
      run = parent ? current.run(loop, () => body(loop)) : current.run(loop, async () => {
        await loop.wait(leaveCellTask());
        return await body(loop);
      });
    } catch (e) { // a body that is not an async function threw at once
      run = Promise.reject(e);
    }
    run.then(
      (v) => {
        loop.finish();
        if (!loop.interrupted) resolve(v);
      },
      (e) => {
        loop.finish();
        if (loop.interrupted) return;
        if (!(e instanceof InterruptedError) || !loop.onStop) return reject(e);
        // A nested loop was stopped and its error came up through our body, which has unwound normally
        // (its finally blocks ran): nothing to repair, but we are stopped too and say where.
        loop.interrupted = true;
        Promise.resolve()
          .then(() => loop.onStop?.())
          .then(
            (msg) => reject(new InterruptedError(msg || e.message, loop.partial ?? e.partial)),
            (err) => reject(err),
          );
      },
    );
  });
}
