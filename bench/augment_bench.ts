/**
 * Augmentation throughput (part of `deno task bench`): images/s of the tensor pipeline
 * (`randomAugment`) on 28×28×1 and 32×32×3 batches of 256, and of the sharp pipeline on a 512×512
 * photo resized to 224×224. Run alone: `deno run -A bench/augment_bench.ts`.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initRuntime, type RuntimeInfo } from "../lib/engine/runtime.ts";
import { augmentImageRaw, type AugmentRanges, randomAugment } from "../lib/data/augment.ts";
import { sampleImagePath } from "../lib/data/photos.ts";

/** The transforms timed: every kind at once, with the ranges a course notebook uses. */
const RANGES: AugmentRanges = {
  rotation: 10,
  translate: 0.1,
  crop: 0.9,
  zoom: 0.1,
  flip: true,
  brightness: 0.1,
  contrast: 0.2,
};

const round1 = (v: number) => Math.round(v * 10) / 10;

async function tensorPipeline(
  shape: [number, number, number, number],
  batches: number,
): Promise<{ perS: number; leaked: number }> {
  const x = tf.randomUniform(shape, 0, 1) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const run = async (seed: number) => {
    const y = randomAugment(x, { ...RANGES, seed });
    await y.data();
    y.dispose();
  };
  await run(-1); // warm-up (kernel compilation on webgpu)
  const t = performance.now();
  for (let i = 0; i < batches; i++) await run(i);
  const s = (performance.now() - t) / 1000;
  const leaked = tf.memory().numTensors - before;
  x.dispose();
  return { perS: (batches * shape[0]) / s, leaked };
}

/** Runs the augmentation benchmarks; returns one JSON-ready record per pipeline. */
export async function benchAugment(runtime: RuntimeInfo): Promise<Record<string, unknown>[]> {
  const common = { backend: runtime.backend, device: runtime.device };
  const out: Record<string, unknown>[] = [];
  for (const shape of [[256, 28, 28, 1], [256, 32, 32, 3]] as [number, number, number, number][]) {
    const { perS, leaked } = await tensorPipeline(shape, 40);
    out.push({
      bench: "augment_tensor",
      ...common,
      image: shape.slice(1).join("x"),
      batch: shape[0],
      images_per_s: round1(perS),
      numTensors_leaked: leaked,
    });
  }
  const photo = sampleImagePath("astronaut");
  await augmentImageRaw(photo, { ...RANGES, seed: 0, size: 224 });
  const n = 30;
  const t = performance.now();
  for (let i = 0; i < n; i++) await augmentImageRaw(photo, { ...RANGES, seed: i, size: 224 });
  out.push({
    bench: "augment_sharp",
    backend: "sharp (libvips)",
    image: "512x512x3 -> 224x224x3",
    images_per_s: round1(n / ((performance.now() - t) / 1000)),
  });
  return out;
}

if (import.meta.main) {
  const runtime = await initRuntime({ quiet: true });
  for (const r of await benchAugment(runtime)) console.log(JSON.stringify(r));
}
