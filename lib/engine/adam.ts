/**
 * Fused Adam update for the wasm backend.
 *
 * TF.js' `AdamOptimizer` updates each variable with about fifteen small kernels (mul, add, square, div,
 * sqrt…). For LeNet-5 that is ~150 kernel calls per training step, and the engine's per-call overhead
 * costs more than the arithmetic. Here one kernel, `CourseAdamUpdate`, computes the new variable and both
 * moments in a single pass over views of the wasm heap, and `AdamOptimizer.prototype.applyGradients`
 * uses it when the active backend is wasm (any other backend runs the stock code unchanged). The
 * arithmetic is the stock one:
 * `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`, `x ← x − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)`.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { WasmBackend } from "./kernels.ts";

/** Name of the fused kernel registered on the wasm backend. */
export const ADAM_KERNEL = "CourseAdamUpdate";

type Info = tf.TensorInfo;

/** Inputs `x, g, m, v` (same shape) and the scalars `accBeta1 = β1ᵗ`, `accBeta2 = β2ᵗ`; outputs `[x', m', v']`. */
function adamUpdate(
  args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap },
): Info[] {
  const { x, g, m, v, accBeta1, accBeta2 } = args.inputs as Record<string, Info>;
  const { learningRate, beta1, beta2, epsilon } = (args.attrs ?? {}) as Record<string, number>;
  const backend = args.backend as WasmBackend;
  const outs = [x, m, v].map((t) => backend.makeOutput(t.shape, "float32"));
  const [X, G, M, V, A1, A2] = [x, g, m, v, accBeta1, accBeta2].map((t) => backend.typedArrayFromHeap(t));
  const [X2, M2, V2] = outs.map((t) => backend.typedArrayFromHeap(t)); // views after the last allocation
  const c1 = 1 - A1[0], c2 = 1 - A2[0], d1 = 1 - beta1, d2 = 1 - beta2;
  for (let i = 0; i < X.length; i++) {
    const gi = G[i];
    const mi = M[i] * beta1 + gi * d1;
    const vi = V[i] * beta2 + gi * gi * d2;
    M2[i] = mi;
    V2[i] = vi;
    X2[i] = X[i] - learningRate * (mi / c1) / (Math.sqrt(vi / c2) + epsilon);
  }
  return outs;
}

// deno-lint-ignore no-explicit-any
type AdamInternals = any;
const stockApply = tf.AdamOptimizer.prototype.applyGradients;
const PATCHED = Symbol.for("course.fusedAdam");

type Gradients = Parameters<typeof stockApply>[0];

function fusedApplyGradients(this: AdamInternals, variableGradients: Gradients): void {
  const list = Array.isArray(variableGradients);
  const names = list ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
  const grads: Array<tf.Tensor | undefined> = names.map((name, i) =>
    list ? variableGradients[i].tensor : (variableGradients as tf.NamedTensorMap)[name]
  );
  const usable = tf.getBackend() === "wasm" && tf.getKernel(ADAM_KERNEL, "wasm") &&
    grads.every((g) => g == null || g.dtype === "float32");
  if (!usable) return stockApply.call(this, variableGradients);
  tf.tidy(() => {
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      this.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      this.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const gradient = grads[i];
      if (gradient == null) return;
      const m: tf.Variable = this.accumulatedFirstMoment[i].variable;
      const v: tf.Variable = this.accumulatedSecondMoment[i].variable;
      const [x2, m2, v2] = tf.engine().runKernel(
        ADAM_KERNEL,
        { x: value, g: gradient, m, v, accBeta1: this.accBeta1, accBeta2: this.accBeta2 },
        { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon },
      ) as tf.Tensor[];
      m.assign(m2);
      v.assign(v2);
      value.assign(x2);
    });
    this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
    this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
  });
  this.incrementIterations();
}

/**
 * Registers the fused Adam kernel on wasm and routes `AdamOptimizer.applyGradients` through it while the
 * wasm backend is active. Idempotent.
 */
export function registerWasmAdam(): void {
  if (!tf.getKernel(ADAM_KERNEL, "wasm")) {
    tf.registerKernel({
      kernelName: ADAM_KERNEL,
      backendName: "wasm",
      kernelFunc: adamUpdate as unknown as tf.KernelFunc,
    });
  }
  const proto = tf.AdamOptimizer.prototype as AdamInternals;
  if (!proto[PATCHED]) { // first registration only: setFusedAdam(false) is not undone later
    proto.applyGradients = fusedApplyGradients;
    proto[PATCHED] = true;
  }
}

/**
 * Switches `AdamOptimizer.applyGradients` between the fused wasm path (`true`, the default after import)
 * and TF.js' stock code (`false`), e.g. to compare the two.
 */
export function setFusedAdam(enabled: boolean): void {
  registerWasmAdam();
  tf.AdamOptimizer.prototype.applyGradients = enabled ? fusedApplyGradients : stockApply;
}

/** True when the fused Adam kernel is registered and `AdamOptimizer` uses it on wasm. */
export function wasmAdamActive(): boolean {
  return Boolean(tf.getKernel(ADAM_KERNEL, "wasm")) &&
    tf.AdamOptimizer.prototype.applyGradients === fusedApplyGradients;
}

registerWasmAdam();
