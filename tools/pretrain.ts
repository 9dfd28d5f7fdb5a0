/**
 * `deno task pretrain`: trains the project's own pretrained base for transfer learning — the small
 * VGG-style network of `lib/cnn/catalogue.ts` on Fashion-MNIST classes 0–4 (camiseta, pantalón, jersey,
 * vestido, abrigo), with a fixed seed — and saves it under `data/models/<name>/` (model.json + weights)
 * with a README saying how it was made and its test accuracy.
 *
 * Options: `--epochs N` (default 8), `--batchnorm` (BatchNorm after each conv), `--out DIR`
 * (default `data/models/fashion_vgg_0_4`), `--seed N` (default 42), `--limit N` (training images, for a
 * quick try; default all), `--classes 0,1,2,3,4` (the source classes; default 0–4).
 * @module
 */
import { join, resolve } from "node:path";
import {
  disposeDataset,
  disposeModel,
  evaluate,
  loadFashionMnist,
  runtimeInfo,
  saveModel,
  smallVgg,
  subset,
  train,
  writeFileAtomic,
} from "../lib/mod.ts";

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

function intArg(name: string, fallback: number): number {
  const v = arg(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} debe ser un entero ≥ 1 y es "${v}".`);
  return n;
}

const root = resolve(import.meta.dirname ?? ".", "..");
const out = resolve(root, arg("out") ?? "data/models/fashion_vgg_0_4");
const epochs = intArg("epochs", 8);
const seed = intArg("seed", 42);
const batchNorm = Deno.args.includes("--batchnorm");
const limitArg = arg("limit");
const classesArg = arg("classes");
const classes = classesArg ? classesArg.split(",").map(Number) : [0, 1, 2, 3, 4];
if (classes.some((c) => !Number.isInteger(c) || c < 0 || c > 9) || new Set(classes).size !== classes.length) {
  throw new Error(
    `--classes debe ser una lista de clases distintas de 0 a 9 separadas por comas; se recibió "${classesArg}".`,
  );
}
const classesText = classes.join(", ");

const t0 = performance.now();
const fullTrain = await loadFashionMnist({ split: "train" });
const fullTest = await loadFashionMnist({ split: "test" });
const trainSet = await subset(fullTrain, {
  classes,
  seed,
  ...(limitArg ? { limit: intArg("limit", 30000) } : {}),
});
const testSet = await subset(fullTest, { classes, seed });
disposeDataset(fullTrain, fullTest);
console.log(
  `Fashion-MNIST clases ${classesText}: ${trainSet.images.shape[0]} para entrenar, ${testSet.images.shape[0]} de test.`,
);

const model = smallVgg({ classes: classes.length, seed, batchNorm });
const history = await train(model, trainSet, {
  epochs,
  batchSize: 64,
  optimizer: "adam",
  lr: 1e-3,
  seed,
  validationData: testSet,
  title: `Preentrenamiento de la base VGG (Fashion-MNIST ${classesText})`,
});
const ev = await evaluate(model, testSet, { topWrong: 0 });
const seconds = (performance.now() - t0) / 1000;
const info = runtimeInfo();
const meta = {
  name: out.split("/").pop()!,
  task: `Fashion-MNIST, clases ${classesText}`,
  classes,
  classNames: trainSet.classNames,
  testAccuracy: ev.accuracy,
  trainImages: trainSet.images.shape[0],
  testImages: testSet.images.shape[0],
  epochs: history.epochs.length,
  batchSize: 64,
  optimizer: "adam 1e-3",
  seed,
  batchNorm,
  params: model.countParams(),
  backend: info?.backend,
  seconds: Math.round(seconds),
  command: `deno task pretrain ${Deno.args.join(" ")}`.trim(),
  history: history.epochs.map((e) => ({
    epoch: e.epoch,
    loss: +e.loss.toFixed(4),
    acc: +e.acc.toFixed(4),
    valAcc: +(e.valAcc ?? 0).toFixed(4),
  })),
};
await saveModel(model, out, { metadata: meta });
const layers = model.layers.map((l) => `| ${l.name} | ${JSON.stringify(l.outputShape)} | ${l.countParams()} |`);
const readme = `# ${meta.name}: base preentrenada para transfer learning

Red VGG pequeña (\`smallVgg\` de \`lib/transfer.ts\`: convoluciones 3×3, max pooling 2×2, la profundidad crece
mientras el tamaño baja) entrenada por este proyecto, sin red ni pesos externos, sobre **${meta.task}**
(${meta.classNames.join(", ")}).

- **Accuracy en test (clases ${classesText}, ${meta.testImages} imágenes): ${(100 * ev.accuracy).toFixed(2)} %**
- Entrenamiento: ${meta.trainImages} imágenes, ${meta.epochs} épocas, batch ${meta.batchSize}, Adam lr 1e-3,
  semilla ${seed}, BatchNorm: ${batchNorm ? "sí" : "no"}; ${meta.params.toLocaleString("es-ES")} parámetros.
- Hecho con \`${meta.command}\` en el backend \`${meta.backend}\` en ${meta.seconds} s.
- Ficheros: \`model.json\` (arquitectura + metadatos en \`userDefinedMetadata\`) y \`weights.<hash>.bin\`.

Se carga con \`loadPretrained("data/models/${meta.name}")\` y se corta en \`block3_pool\` para transfer learning
a las otras clases de Fashion-MNIST, que la red no ha visto nunca.

| capa | salida | parámetros |
|---|---|---:|
${layers.join("\n")}

| época | loss | acc (train) | acc (test) |
|---:|---:|---:|---:|
${meta.history.map((e) => `| ${e.epoch} | ${e.loss} | ${e.acc} | ${e.valAcc} |`).join("\n")}
`;
await writeFileAtomic(join(out, "README.md"), readme);
console.log(`Guardado en ${out}: accuracy de test ${(100 * ev.accuracy).toFixed(2)} % en ${seconds.toFixed(0)} s.`);
disposeModel(model);
disposeDataset(trainSet, testSet);
