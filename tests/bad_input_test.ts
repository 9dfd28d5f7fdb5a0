/**
 * Bad input, as a careless learner types it: every public function refuses it with the kit's Spanish error
 * (never a raw TypeError/RangeError or a TF.js internal message), the message names the field, and the failed
 * call leaves `tf.memory().numTensors` as it found it. One real call per case.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import {
  addHead,
  architectureSvg,
  assertRelError,
  augmentationPreview,
  augmentImage,
  augmentPreview,
  avgPoolNaive,
  barChart,
  buildModel,
  checkAugmentation,
  checkConvOutput,
  checkFineTune,
  checkFits,
  checkFrozenModel,
  checkNetwork,
  checkPadding,
  checkParams,
  checkTotalParams,
  classicFilters,
  colorRangeMask,
  confusionMatrixFigure,
  conv2dNaive,
  convAt,
  convOutput,
  convParams,
  dataTable,
  defineArchitecture,
  denseParams,
  DimensionError,
  disposeModel,
  evaluate,
  exercise,
  EXERCISE_COUNT,
  ExerciseError,
  extractFeatures,
  filterSvg,
  generateExercises,
  imageGrid,
  InputError,
  lenet5,
  loadFashionMnist,
  loadImage,
  loadImageFolder,
  loadMnist,
  lossAndAccuracy,
  makeOptimizer,
  maxPoolNaive,
  nearestNeighbours,
  paramsPerLayer,
  poolOutput,
  predictionGrid,
  predictProbabilities,
  randomAugment,
  saveCheckpoint,
  saveModel,
  setLearningRate,
  setTrainable,
  smallVgg,
  splitDataset,
  splitValidation,
  subset,
  summarize,
  summaryTable,
  tf,
  timelineFigure,
  toPng,
  train,
  trainingCurves,
  transferExperiment,
  wrongExamplesFigure,
} from "../lib/mod.ts";

// ---- fixtures (created once, disposed at the end) ----------------------------------------------------------
const CLASSES = 3;
function smallModel(seed = 1): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [8, 8, 1] }),
      tf.layers.dense({
        units: CLASSES,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
    ],
  });
}
const model = smallModel();
const images = tf.tidy(() => tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 7)) as tf.Tensor4D;
const labels = tf.tensor1d([0, 1, 2, 0, 1, 2], "int32");
const data = { images, labels, classNames: ["a", "b", "c"] };
const bad = {
  labels7: tf.tensor1d([7, 0, 1, 2, 0, 1], "int32"),
  labelsNeg: tf.tensor1d([0, -1, 1, 2, 0, 1], "int32"),
  labelsFloat: tf.tensor1d([0, 0.5, 1, 2, 0, 1], "float32"),
  labelsNaN: tf.tensor1d([0, NaN, 1, 2, 0, 1], "float32"),
  labels4: tf.tensor1d([0, 1, 2, 0], "int32"),
  labels2d: tf.zeros([6, 1]),
  images16: tf.zeros([6, 16, 16, 1]) as tf.Tensor4D,
  imagesRgb: tf.zeros([6, 8, 8, 3]) as tf.Tensor4D,
  images3d: tf.zeros([8, 8, 1]),
  disposed: tf.zeros([6, 8, 8, 1]) as tf.Tensor4D,
};
bad.disposed.dispose();
const nanImages = tf.fill([6, 8, 8, 1], NaN) as tf.Tensor4D;
const oneImage = images.slice(0, 1);
const sgd = tf.train.sgd(0.1);
const disposedModel = smallModel(9);
disposedModel.dispose();
const vol = { width: 32, height: 32, depth: 3 };
const tmp = await Deno.makeTempDir({ prefix: "bad_input_" });
const aFile = join(tmp, "un_fichero.txt");
await Deno.writeTextFile(aFile, "no soy una carpeta");
const jsonDir = join(tmp, "ckpt_json_dir");
await Deno.mkdir(join(jsonDir, "model.json"), { recursive: true });
const photos = join(tmp, "fotos");
for (const cls of ["gato", "perro"]) {
  await Deno.mkdir(join(photos, cls), { recursive: true });
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: "#808080" } }).png().toBuffer();
  await Deno.writeFile(join(photos, cls, "1.png"), png);
}
const png = await Deno.readFile(join(photos, "gato", "1.png"));
const exerciseOf = (kind: string) =>
  Array.from({ length: EXERCISE_COUNT }, (_, i) => exercise(i + 1)).find((e) => e.kind === kind)!;
const history = { epochs: [{ epoch: 1, loss: 1, acc: 0.5, lr: 1e-3 }] };
const quiet = { progress: false as const };

function nanModel(): tf.LayersModel {
  const m = smallModel(2);
  const w = m.getWeights();
  const nan = tf.fill(w[0].shape, NaN);
  m.setWeights([nan, w[1]]);
  nan.dispose();
  return m;
}

/** Runs `train` on a model created for the call and disposed after it (with its optimizer). */
async function trainFresh(make: () => tf.LayersModel, d: unknown, options: Record<string, unknown>) {
  const m = make();
  try {
    await train(m, d as typeof data, options);
  } finally {
    disposeModel(m);
  }
}

// ---- the cases ----------------------------------------------------------------------------------------------
type ErrorClass = new (...args: never[]) => Error;
interface Case {
  /** Public function called. */
  fn: string;
  /** Category of the mistake. */
  kind:
    | "opción desconocida"
    | "no es un objeto"
    | "valor no válido"
    | "número"
    | "datos"
    | "modelo"
    | "fichero"
    | "respuesta"
    | "nombre"
    | "divergencia";
  /** What is wrong. */
  what: string;
  /** The call (a real one). */
  call: () => unknown;
  /** The error class it must throw. */
  error: ErrorClass;
  /** Text the message must contain (the field, and for unknown keys the suggestion). */
  names: string[];
}

const cases: Case[] = [];
const add = (
  fn: string,
  kind: Case["kind"],
  what: string,
  call: () => unknown,
  names: string[],
  error: ErrorClass = InputError,
) => cases.push({ fn, kind, what, call, error, names });

// Unknown (misspelt) option keys: refused, naming the key and the closest valid one.
const typo = (fn: string, call: () => unknown, key: string, near: string, error: ErrorClass = InputError) =>
  add(fn, "opción desconocida", `\`${key}\``, call, [`\`${key}\``, `¿quisiste decir \`${near}\`?`], error);
typo("randomAugment", () => randomAugment(images, { seed: 1, rotatoin: 10 } as never), "rotatoin", "rotation");
typo("randomAugment", () => randomAugment(images, { seed: 1, flipp: true } as never), "flipp", "flip");
typo("randomAugment", () => randomAugment(images, { seed: 1, Zoom: 0.1 } as never), "Zoom", "zoom");
typo("train", () => train(model, data, { ...quiet, epoch: 2 } as never), "epoch", "epochs");
typo("train", () => train(model, data, { ...quiet, batch_size: 2 } as never), "batch_size", "batchSize");
typo("train", () => train(model, data, { ...quiet, learningRate: 0.1 } as never), "learningRate", "lr");
typo("train", () => train(model, data, { ...quiet, valData: data } as never), "valData", "validationData");
typo("train", () => train(model, data, { ...quiet, augment: { rotatoin: 10 } } as never), "rotatoin", "rotation");
typo("train", () => train(model, data, { ...quiet, augment: { transalte: 0.1 } } as never), "transalte", "translate");
typo(
  "train",
  () => train(model, data, { ...quiet, earlyStopping: { patiance: 2 } } as never),
  "patiance",
  "patience",
);
typo(
  "train",
  () => train(model, data, { ...quiet, reduceLrOnPlateau: { factr: 0.5 } } as never),
  "factr",
  "factor",
);
typo(
  "train",
  () => train(model, data, { ...quiet, callbacks: { onEpochEnded: () => {} } } as never),
  "onEpochEnded",
  "onEpochEnd",
);
typo(
  "convOutput",
  () => convOutput(vol, { filters: 8, size: 3, strides: 2 } as never),
  "strides",
  "stride",
  DimensionError,
);
typo("convOutput", () => convOutput(vol, { filters: 8, size: 3, pad: 1 } as never), "pad", "padding", DimensionError);
typo("poolOutput", () => poolOutput(vol, { size: 2, strides: 2 } as never), "strides", "stride", DimensionError);
typo("evaluate", () => evaluate(model, data, { topwrong: 3 } as never), "topwrong", "topWrong");
typo(
  "predictProbabilities",
  () => predictProbabilities(model, images, { batchsize: 2 } as never),
  "batchsize",
  "batchSize",
);
typo(
  "saveModel",
  () => saveModel(model, join(tmp, "m1"), { includeOptimiser: true } as never),
  "includeOptimiser",
  "includeOptimizer",
);
typo(
  "saveCheckpoint",
  () => saveCheckpoint(model, join(tmp, "m2"), { histroy: history } as never),
  "histroy",
  "history",
);
typo(
  "loadImageFolder",
  () => loadImageFolder(photos, { size: 4, classnames: ["gato"] } as never),
  "classnames",
  "classNames",
);
typo("loadImage", () => loadImage(png, { sizes: 4 } as never), "sizes", "size");
typo("loadMnist", () => loadMnist({ limt: 10 } as never), "limt", "limit");
typo("loadFashionMnist", () => loadFashionMnist({ spilt: "test" } as never), "spilt", "split");
typo("augmentImage", () => augmentImage(png, { rotatoin: 10 } as never), "rotatoin", "rotation");
typo("augmentPreview", () => augmentPreview(png, 2, { colls: 2 } as never), "colls", "cols");
typo("buildModel", () => buildModel(lenet5, { clases: 3 } as never), "clases", "classes");
typo("trainingCurves", () => trainingCurves(history as never, { metric: "loss" } as never), "metric", "metrics");
typo(
  "augmentationPreview",
  () => augmentationPreview(oneImage, { zooom: 0.1 } as never),
  "zooom",
  "zoom",
);
typo("checkAugmentation", () => checkAugmentation({ rotatoin: 10 } as never), "rotatoin", "rotation", ExerciseError);

// …and the other functions that take an options object.
typo("subset", () => subset(data, { perclass: 2 } as never), "perclass", "perClass");
typo("splitDataset", () => splitDataset(data, { validaton: 0.2 } as never), "validaton", "validation");
typo("conv2dNaive", () => conv2dNaive([[[1]]], [[[[1]]]], { strides: 1 } as never), "strides", "stride");
typo("maxPoolNaive", () => maxPoolNaive([[[1]]], { size: 1, strides: 1 } as never), "strides", "stride");
typo("avgPoolNaive", () => avgPoolNaive([[[1]]], { size: 1, pading: 0 } as never), "pading", "padding");
typo("convAt", () => convAt([[[1]]], [[[[1]]]], { row: 0, column: 0 } as never), "column", "col");
typo("filterSvg", () => filterSvg(5, { size: 3, setp: 1 } as never), "setp", "step");
typo("classicFilters", () => classicFilters({ name: ["sobel"] } as never), "name", "names");
typo("imageGrid", () => imageGrid(images, { col: 2 } as never), "col", "cols");
typo("toPng", () => toPng(oneImage as never, { scal: 2 } as never), "scal", "scale");
typo(
  "confusionMatrixFigure",
  () => confusionMatrixFigure([[1, 0], [0, 1]], { normalise: true } as never),
  "normalise",
  "normalize",
);
typo("barChart", () => barChart(["a"], [1], { ytitle: "x" } as never), "ytitle", "yTitle");
typo("paramsPerLayer", () => paramsPerLayer([], { logScale: true } as never), "logScale", "log");
typo("nearestNeighbours", () => nearestNeighbours(images as never, images as never, { kk: 3 } as never), "kk", "k");
typo("extractFeatures", () => extractFeatures(model, images, { layr: "x" } as never), "layr", "layer");
typo("smallVgg", () => smallVgg({ clases: 5 } as never), "clases", "classes");
typo("setTrainable", () => setTrainable(model, true, { matches: "block3" } as never), "matches", "match");
typo("generateExercises", () => generateExercises(1, { cout: 3 } as never), "cout", "count");
typo("architectureSvg", () => architectureSvg(lenet5, { titel: "x" } as never), "titel", "title");
typo(
  "colorRangeMask",
  () => colorRangeMask(bad.images3d as never, { mn: [0, 0, 0], max: [1, 1, 1] } as never),
  "mn",
  "min",
);
typo("summarize", () => summarize(lenet5, { inputs: "28x28x1" } as never), "inputs", "input");
typo(
  "transferExperiment",
  () => transferExperiment({ train: data, test: data }, { epoch: 1 } as never),
  "epoch",
  "epochs",
);

typo("splitValidation", () => splitValidation(data, { sise: 2 } as never), "sise", "size");
typo("predictionGrid", () => predictionGrid(model, data, { col: 3 } as never), "col", "cols");
typo(
  "wrongExamplesFigure",
  () => wrongExamplesFigure({ wrong: [] } as never, { titel: "x" } as never),
  "titel",
  "title",
);
typo("makeOptimizer", () => makeOptimizer("sgd", { momentun: 0.9 } as never), "momentun", "momentum");
typo("assertRelError", () => assertRelError(1, 1, { tolerence: 1e-3 } as never), "tolerence", "tolerance");
typo(
  "timelineFigure",
  () => timelineFigure([{ year: 2012, text: "AlexNet" }] as never, { titel: "x" } as never),
  "titel",
  "title",
);

// Options that are not an object.
const notObject = (fn: string, call: () => unknown) => add(fn, "no es un objeto", "null", call, ["opciones", "null"]);
notObject("randomAugment", () => randomAugment(images, null as never));
notObject("train", () => train(model, data, null as never));
notObject("evaluate", () => evaluate(model, data, null as never));
notObject("loadMnist", () => loadMnist(null as never));
notObject("loadFashionMnist", () => loadFashionMnist(null as never));
notObject("saveModel", () => saveModel(model, join(tmp, "m3"), null as never));
notObject("buildModel", () => buildModel(lenet5, null as never));
add("train", "no es un objeto", "augment: 5", () => train(model, data, { ...quiet, augment: 5 } as never), ["augment"]);

// Enum values: refused with the valid ones (and a suggestion when close).
const badValue = (fn: string, call: () => unknown, field: string, value: string, error: ErrorClass = InputError) =>
  add(fn, "valor no válido", `${field}: ${value}`, call, [field, value], error);
badValue("randomAugment", () => randomAugment(images, { seed: 1, fill: "mirror" } as never), "fill", "mirror");
badValue(
  "randomAugment",
  () => randomAugment(images, { seed: 1, interpolation: "bicubic" } as never),
  "interpolation",
  "bicubic",
);
badValue("train", () => train(model, data, { ...quiet, optimizer: "rmsprop" } as never), "optimizer", "rmsprop");
badValue("train", () => train(model, data, { ...quiet, optimizer: 3 } as never), "optimizer", "3");
badValue(
  "train",
  () => train(model, data, { ...quiet, validationData: data, earlyStopping: { monitor: "val_los" } } as never),
  "monitor",
  "val_los",
);
badValue(
  "train",
  () => train(model, data, { ...quiet, validationData: data, reduceLrOnPlateau: { monitor: "precision" } } as never),
  "monitor",
  "precision",
);
badValue("loadImageFolder", () => loadImageFolder(photos, { size: 4, fit: "stretch" } as never), "fit", "stretch");
badValue(
  "loadImageFolder",
  () => loadImageFolder(photos, { size: 4, onError: "ignore" } as never),
  "onError",
  "ignore",
);
badValue("loadImage", () => loadImage(png, { fit: "zoom" } as never), "fit", "zoom");
badValue(
  "trainingCurves",
  () => trainingCurves(history as never, { metrics: "accuracy" } as never),
  "metrics",
  "accuracy",
);
badValue("checkAugmentation", () => checkAugmentation({ flip: "yes" } as never), "flip", "yes", ExerciseError);
badValue("checkAugmentation", () => checkAugmentation({ rotation: 10, flip: 1 } as never), "flip", "1", ExerciseError);

// Numbers: NaN, Infinity, strings, BigInt, out of range, not an integer.
const badNumber = (fn: string, call: () => unknown, field: string, what: string) =>
  add(fn, "número", `${field} = ${what}`, call, [field]);
badNumber("train", () => train(model, data, { ...quiet, lr: Infinity }), "lr", "Infinity");
badNumber("train", () => train(model, data, { ...quiet, lr: NaN }), "lr", "NaN");
badNumber("train", () => train(model, data, { ...quiet, lr: -0.1 }), "lr", "−0,1");
badNumber("train", () => train(model, data, { ...quiet, lr: 0 }), "lr", "0");
badNumber("train", () => train(model, data, { ...quiet, lr: "0.01" } as never), "lr", '"0.01"');
badNumber("train", () => train(model, data, { ...quiet, lr: 10n } as never), "lr", "10n");
badNumber("train", () => train(model, data, { ...quiet, momentum: 1 }), "momentum", "1");
badNumber("train", () => train(model, data, { ...quiet, weightDecay: -1 }), "weightDecay", "−1");
badNumber("train", () => train(model, data, { ...quiet, weightDecay: Infinity }), "weightDecay", "Infinity");
badNumber("train", () => train(model, data, { ...quiet, seed: NaN }), "seed", "NaN");
badNumber("train", () => train(model, data, { ...quiet, epochs: 0 }), "epochs", "0");
badNumber("train", () => train(model, data, { ...quiet, epochs: 1.5 }), "epochs", "1,5");
badNumber("train", () => train(model, data, { ...quiet, batchSize: "32" } as never), "batchSize", '"32"');
badNumber("train", () => train(model, data, { ...quiet, validationSplit: 1 }), "validationSplit", "1");
badNumber("train", () => train(model, data, { ...quiet, earlyStopping: { patience: 0 } }), "patience", "0");
badNumber(
  "train",
  () => train(model, data, { ...quiet, validationSplit: 0.25, validationFreq: 0 }),
  "validationFreq",
  "0",
);
badNumber(
  "train",
  () => train(model, data, { ...quiet, validationSplit: 0.25, validationFreq: [2, 0.5] }),
  "validationFreq[1]",
  "0,5",
);
add(
  "train",
  "valor no válido",
  "validationFreq lista vacía",
  () => train(model, data, { ...quiet, validationSplit: 0.25, validationFreq: [] }),
  ["validationFreq", "lista vacía", "[5, 10, 15]"],
);
add(
  "train",
  "valor no válido",
  "validationFreq sin validación",
  () => train(model, data, { ...quiet, validationFreq: 2 }),
  [
    "validationFreq",
    "splitValidation",
  ],
);
badNumber("randomAugment", () => randomAugment(images, { seed: Infinity }), "seed", "Infinity");
badNumber("randomAugment", () => randomAugment(images, {} as never), "seed", "undefined");
badNumber("randomAugment", () => randomAugment(images, { seed: 1, rotation: 200 }), "rotation", "200");
badNumber("makeOptimizer", () => makeOptimizer("adam", { lr: Infinity }), "lr", "Infinity");
badNumber("setLearningRate", () => setLearningRate(sgd, Infinity), "lr", "Infinity");
badNumber("augmentPreview", () => augmentPreview(png, 0), "n", "0");
badNumber("loadImageFolder", () => loadImageFolder(photos, { size: 4, concurrency: 0 }), "concurrency", "0");
badNumber("loadFashionMnist", () => loadFashionMnist({ seed: NaN }), "seed", "NaN");

// Data: labels, counts, shapes, disposed tensors; checked before any work starts.
const badData = (fn: string, what: string, call: () => unknown, field: string) => add(fn, "datos", what, call, [field]);
for (
  const [fn, run] of [
    ["train", (d: unknown) => train(model, d as typeof data, quiet)],
    ["evaluate", (d: unknown) => evaluate(model, d as typeof data)],
    ["lossAndAccuracy", (d: unknown) => lossAndAccuracy(model, d as typeof data)],
  ] as const
) {
  badData(fn, "etiqueta 7 con 3 clases", () => run({ images, labels: bad.labels7 }), "data.labels[0] = 7");
  badData(fn, "etiqueta −1", () => run({ images, labels: bad.labelsNeg }), "data.labels[1] = -1");
  badData(fn, "etiqueta 0,5", () => run({ images, labels: bad.labelsFloat }), "data.labels[1] = 0.5");
  badData(fn, "etiqueta NaN", () => run({ images, labels: bad.labelsNaN }), "data.labels[1] = NaN");
  badData(fn, "4 etiquetas para 6 imágenes", () => run({ images, labels: bad.labels4 }), "data.labels");
  badData(fn, "etiquetas de rango 2", () => run({ images, labels: bad.labels2d }), "data.labels");
  badData(fn, "imágenes 16×16 para un modelo 8×8", () => run({ images: bad.images16, labels }), "data.images");
  badData(fn, "imágenes RGB para un modelo gris", () => run({ images: bad.imagesRgb, labels }), "data.images");
  badData(fn, "imágenes de rango 3", () => run({ images: bad.images3d, labels }), "data.images");
  badData(fn, "imágenes liberadas", () => run({ images: bad.disposed, labels }), "data.images");
  badData(fn, "etiquetas como array", () => run({ images, labels: [0, 1, 2, 0, 1, 2] }), "data.labels");
  badData(fn, "data null", () => run(null), "data");
}
badData(
  "train",
  "validationData con etiqueta 7",
  () => train(model, data, { ...quiet, validationData: { images, labels: bad.labels7, classNames: [] } }),
  "validationData.labels[0] = 7",
);
badData(
  "train",
  "validationData 16×16",
  () => train(model, data, { ...quiet, validationData: { images: bad.images16, labels, classNames: [] } }),
  "validationData.images",
);
badData("predictProbabilities", "imágenes liberadas", () => predictProbabilities(model, bad.disposed), "images");
badData(
  "predictProbabilities",
  "imágenes de rango 3",
  () => predictProbabilities(model, bad.images3d as never),
  "images",
);
badData("randomAugment", "tensor liberado", () => randomAugment(bad.disposed, { seed: 1 }), "images");
badData("randomAugment", "tensor de rango 3", () => randomAugment(bad.images3d as never, { seed: 1 }), "images");
badData("randomAugment", "un array", () => randomAugment([[0]] as never, { seed: 1 }), "images");
badData(
  "loadImageFolder",
  "classNames repetidos",
  () => loadImageFolder(photos, { size: 4, classNames: ["gato", "gato"] }),
  'classNames repite "gato"',
);
badData(
  "loadImageFolder",
  "classNames no es un array",
  () => loadImageFolder(photos, { size: 4, classNames: "gato" as never }),
  "classNames",
);

// The model argument.
const badModel = (fn: string, what: string, call: () => unknown, error: ErrorClass = InputError) =>
  add(fn, "modelo", what, call, ["model"], error);
badModel("train", "null", () => train(null as never, data, quiet));
badModel("train", "un string", () => train("modelo" as never, data, quiet));
badModel("evaluate", "undefined", () => evaluate(undefined as never, data));
badModel("train", "modelo liberado", () => train(disposedModel, data, quiet));
badModel("evaluate", "modelo liberado", () => evaluate(disposedModel, data));
badModel("lossAndAccuracy", "un objeto", () => lossAndAccuracy({} as never, data));
badModel("predictProbabilities", "null", () => predictProbabilities(null as never, images));
badModel("saveModel", "un objeto", () => saveModel({} as never, join(tmp, "m4")));
badModel("saveCheckpoint", "null", () => saveCheckpoint(null as never, join(tmp, "m5")));
add("checkFineTune", "modelo", "modelo null", () => checkFineTune(null as never, { lr: 1e-4, frozenLr: 1e-3 }), [
  "modelo",
  "null",
], ExerciseError);
add(
  "checkFineTune",
  "modelo",
  "opciones null",
  () => checkFineTune(model, null as never),
  ["lr", "frozenLr"],
  ExerciseError,
);
add(
  "checkFineTune",
  "modelo",
  "sin frozenLr",
  () => checkFineTune(model, { lr: 1e-4 } as never),
  ["frozenLr"],
  ExerciseError,
);
add("checkFineTune", "modelo", "lr BigInt", () => checkFineTune(model, { lr: 1n, frozenLr: 1e-3 } as never), [
  "BigInt",
], ExerciseError);
add("checkFrozenModel", "modelo", "un string", () => checkFrozenModel("modelo" as never), ["modelo"], ExerciseError);

// Files and folders: refused before any work (no epoch wasted, no orphan file).
const badPath = (fn: string, what: string, call: () => unknown, field: string) =>
  add(fn, "fichero", what, call, [field]);
badPath(
  "train",
  "checkpointDir es un fichero",
  () => train(model, data, { ...quiet, checkpointDir: aFile }),
  "checkpointDir",
);
badPath(
  "train",
  "checkpointDir dentro de un fichero",
  () => train(model, data, { ...quiet, checkpointDir: join(aFile, "sub") }),
  "checkpointDir",
);
badPath(
  "train",
  "checkpointDir con model.json carpeta",
  () => train(model, data, { ...quiet, checkpointDir: jsonDir }),
  "model.json",
);
badPath("train", "checkpointDir vacío", () => train(model, data, { ...quiet, checkpointDir: "" }), "checkpointDir");
badPath("saveModel", "model.json es una carpeta", () => saveModel(model, jsonDir), "model.json");
badPath("saveModel", "la carpeta es un fichero", () => saveModel(model, aFile), "dir");
badPath("saveCheckpoint", "model.json es una carpeta", () => saveCheckpoint(model, jsonDir), "model.json");
badPath("loadImageFolder", "dir null", () => loadImageFolder(null as never, { size: 4 }), "dir");
badPath("loadImageFolder", "dir número", () => loadImageFolder(3 as never, { size: 4 }), "dir");

// Exercise answers of the wrong type (BigInt, strings…): the kit's ExerciseError, never a raw TypeError.
const badAnswer = (fn: string, what: string, call: () => unknown, names: string[]) =>
  add(fn, "respuesta", what, call, names, ExerciseError);
badAnswer("checkParams", "BigInt", () => checkParams(exerciseOf("params"), 10n as never), ["BigInt", "10n"]);
badAnswer("checkParams", "string", () => checkParams(exerciseOf("params"), "760" as never), ["la respuesta", '"760"']);
badAnswer("checkParams", "ejercicio null", () => checkParams(null as never, 3), ["checkParams", "ejercicio"]);
badAnswer("checkTotalParams", "BigInt", () => checkTotalParams(exerciseOf("total"), 5n as never), ["BigInt"]);
badAnswer("checkPadding", "BigInt", () => checkPadding(exerciseOf("padding"), 1n as never), ["el padding", "BigInt"]);
badAnswer("checkFits", "string", () => checkFits(exerciseOf("fits"), "sí" as never), ["true o false", '"sí"']);
badAnswer("checkFits", "BigInt", () => checkFits(exerciseOf("fits"), 1n as never), ["true o false", "BigInt"]);
badAnswer(
  "checkConvOutput",
  "volumen con BigInt",
  () => checkConvOutput(exerciseOf("output"), { width: 5n, height: 5, depth: 1 } as never),
  ["width", "BigInt"],
);
badAnswer(
  "checkConvOutput",
  "volumen con campos BigInt",
  () => checkConvOutput(exerciseOf("output"), 5n as never),
  ["volumen", "BigInt"],
);
badAnswer("checkNetwork", "no es una lista", () => checkNetwork(exerciseOf("network"), 5 as never), ["lista"]);

// Names TF.js cannot use: refused with the rule, not "Not a valid tensor name".
const badName = (what: string, call: () => unknown, field: string) => add("buildModel", "nombre", what, call, [field]);
badName("nombre de modelo con espacio", () => buildModel(lenet5, { name: "mi modelo" }), "options.name");
badName("nombre de modelo con tilde", () => buildModel(lenet5, { name: "señal" }), "options.name");
badName(
  "nombre de capa con espacio",
  () =>
    buildModel(
      defineArchitecture("X", { input: "8x8x1", layers: [{ kind: "conv", filters: 2, size: 3, name: "mi capa" }] }),
    ),
  "capa 1: name",
);

// Tables, heads and parameter counts.
typo("dataTable", () => dataTable([{ a: 1 }], { titel: "x" } as never), "titel", "title");
typo("summaryTable", () => summaryTable(lenet5, { colums: ["name"] } as never), "colums", "columns");
typo("addHead", () => addHead(model, { clases: 5 } as never), "clases", "classes");
typo("addHead", () => addHead(model, { numClasses: 5 } as never), "numClasses", "classes");
add("dataTable", "datos", "null", () => dataTable(null as never), ["dataTable", "null"]);
add("dataTable", "datos", "lista vacía", () => dataTable([]), ["dataTable", "[]"]);
add("addHead", "modelo", "base null", () => addHead(null as never, { classes: 2 }), ["base"]);
add("convParams", "número", "filters BigInt", () => convParams(3, { filters: 2n as never, size: 3 }), [
  "filters",
  "BigInt",
], DimensionError);
add("denseParams", "número", "inputs BigInt", () => denseParams(10n as never, 3), ["inputs", "BigInt"], DimensionError);

// trainingCurves with no history.
add("trainingCurves", "datos", "null", () => trainingCurves(null as never), ["trainingCurves", "null"]);
add("trainingCurves", "datos", "un número", () => trainingCurves(42 as never), ["trainingCurves", "42"]);

// A training that turns NaN stops with a message (and no leak) instead of reporting a finite loss.
add("train", "divergencia", "pesos NaN", () => trainFresh(nanModel, data, { ...quiet, epochs: 2 }), ["lr", "NaN"]);
add(
  "train",
  "divergencia",
  "imágenes NaN",
  () => trainFresh(() => smallModel(4), { images: nanImages, labels }, { ...quiet, epochs: 1 }),
  ["divergido"],
);

// A failing augmentation or callback inside train leaves no tensor behind.
add("train", "datos", "augment que falla", () =>
  trainFresh(() => smallModel(5), data, {
    ...quiet,
    augment: () => {
      throw new InputError("augment de prueba falla", { field: "augment" });
    },
  }), ["augment"]);
add("augmentationPreview", "datos", "augment que falla", () =>
  augmentationPreview(oneImage, () => {
    throw new InputError("augment de prueba falla", { field: "augment" });
  }), ["augment"]);

// ---- runner ----------------------------------------------------------------------------------------------------
Deno.test(`bad input: ${cases.length} real calls refused with the kit's error, the field named, no tensor leaked`, async (t) => {
  assert.ok(cases.length >= 100, `at least 100 cases (there are ${cases.length})`);
  for (const c of cases) {
    await t.step(`${c.fn} · ${c.kind} · ${c.what}`, async () => {
      const before = tf.memory().numTensors;
      let error: unknown;
      try {
        await c.call();
      } catch (e) {
        error = e;
      }
      assert.ok(error !== undefined, `${c.fn} (${c.what}) should have thrown`);
      const e = error as Error;
      assert.ok(
        e instanceof c.error && !(e instanceof TypeError) && !(e instanceof RangeError),
        `${c.fn} (${c.what}): expected ${c.error.name}, got ${e?.name}: ${e?.message}`,
      );
      for (const n of c.names) assert.ok(e.message.includes(n), `message should name ${n}: ${e.message}`);
      assert.doesNotMatch(e.message, /Cannot read|undefined is not|is not a function|Not a valid tensor name/);
      assert.equal(tf.memory().numTensors, before, `${c.fn} (${c.what}) leaked tensors`);
    });
  }
  // Refusing a data set reads nothing into a wrong state: the fixture model still has no optimizer.
  assert.equal(model.optimizer, undefined);
});

Deno.test("bad input: categories covered", () => {
  const kinds = new Set(cases.map((c) => c.kind));
  assert.equal(kinds.size, 10);
  assert.ok(new Set(cases.map((c) => c.fn)).size >= 30);
});

Deno.test({
  name: "bad input: fixtures disposed",
  fn: async () => {
    disposeModel(model);
    tf.dispose([images, labels, nanImages, oneImage, ...Object.values(bad)]);
    sgd.dispose();
    await Deno.remove(tmp, { recursive: true });
  },
});
