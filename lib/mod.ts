/**
 * The course kit's single public entry point: `import { tf, ... } from "../lib/mod.ts"`.
 *
 * Importing it selects and initialises the TF.js backend (see `runtime.ts`), so `tf` is ready to use.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initRuntime } from "./runtime.ts";

export { tf };
export * from "./runtime.ts";
export * from "./kernels_wasm.ts";
export * from "./kernels_adam.ts";
export * from "./learner_error.ts";
export * from "./dimensions.ts";
export * from "./architectures.ts";
export * from "./tables.ts";
export * from "./mime.ts";
export * from "./naive.ts";
export * from "./exercises.ts";
export * from "./datasets/mod.ts";
export * from "./images.ts";
export * from "./augment.ts";
export * from "./augmentation_experiment.ts";
export * from "./interrupt.ts";
export * from "./progress.ts";
export * from "./train.ts";
export * from "./evaluate.ts";
export * from "./checkpoint.ts";
export * from "./plots.ts";
export * from "./transfer.ts";
export * from "./retrieval.ts";
export * from "./detection_sketch.ts";
export * from "./diagrams.ts";

await initRuntime();
