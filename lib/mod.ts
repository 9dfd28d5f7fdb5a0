/**
 * The course kit's single public entry point: `import { tf, ... } from "../lib/mod.ts"`.
 *
 * Importing it selects and initialises the TF.js backend (see `engine/runtime.ts`), so `tf` is ready to use.
 * The library lives in six wings, each importing only from the wings below it (checked by
 * `tests/architecture_test.ts`):
 *
 * | wing          | what it holds                                                                    |
 * | ------------- | -------------------------------------------------------------------------------- |
 * | `course/`     | exercises and their checks, lab checks, the experiments of blocks 7, 8 and 10    |
 * | `learn/`      | training, history, evaluation, checkpoints, transfer surgery, retrieval          |
 * | `show/`       | the display base, tables, SVG drawings, plotly figures, image grids, progress    |
 * | `cnn/`        | the lecture's arithmetic, notation → summary → TF.js model, the catalogue        |
 * | `data/`       | datasets, decoding, downloads, augmentation, the seeded PRNG                     |
 * | `engine/`     | backend choice, gradient kernels for wasm/cpu, fused Adam, threads, atomic files |
 *
 * This file re-exports each wing's public names explicitly; test hooks and internal helpers stay
 * importable from their own modules only.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initRuntime } from "./engine/runtime.ts";

export { tf };

// Engine: backend choice (GPU/CPU), threads, the gradient kernels the wasm/cpu backends lack
export {
  type BackendName,
  defaultThreads,
  envThreads,
  initRuntime,
  MAX_DEFAULT_THREADS,
  type RuntimeInfo,
  runtimeInfo,
  type RuntimeOptions,
  useBackend,
  webgpuAdapter,
} from "./engine/runtime.ts";
export {
  CPU_FAST_KERNELS,
  type FastKernelBackend,
  fastKernelsActive,
  type RegisterKernelsOptions,
  WASM_FAST_KERNELS,
  type WasmBackend,
  type WasmFastKernelName,
} from "./engine/kernels.ts";
export { ADAM_KERNEL, wasmAdamActive } from "./engine/adam.ts";
export { writeFileAtomic } from "./engine/files.ts";
export {
  formatCompact,
  formatCount,
  formatNumber,
  type FormatNumberOptions,
  formatPercent,
  type FormatPercentOptions,
  formatScientific,
  formatSeconds,
  PLOTLY_SEPARATORS,
} from "./engine/format.ts";
export { isLearnerError, LearnerError } from "./engine/learner_error.ts";
export { closestName, describeValue, InputError, type OptionKeys } from "./engine/validate.ts";
export { InterruptedError, runStoppable, StoppableLoop, type StoppableOptions } from "./engine/interrupt.ts";

// The lecture's arithmetic: volumes, stride, padding, parameters; architectures in its notation; TF.js models; naive conv/pool
export {
  checkInteger,
  checkVolume,
  type ConvOptions,
  convOutput,
  convParams,
  denseParams,
  DimensionError,
  dimensionErrorOf,
  type DimensionErrorOptions,
  type FitSuggestion,
  formatVolume,
  type Padding,
  type ParamCount,
  parseVolume,
  type PoolOptions,
  poolOutput,
  type Rounding,
  samePadding,
  type Volume,
  volumeSize,
} from "./cnn/dimensions.ts";
export {
  type Activation,
  type ActivationLayerSpec,
  ACTIVATIONS,
  type Architecture,
  type ArchitectureDefinition,
  type BatchNormLayerSpec,
  type ConvLayerSpec,
  type DenseLayerSpec,
  type DropoutLayerSpec,
  type FlattenLayerSpec,
  type GlobalPoolLayerSpec,
  type LayerInput,
  type LayerKind,
  type LayerSpec,
  type NormLayerSpec,
  type PoolLayerSpec,
} from "./cnn/spec.ts";
export { layerNotation, parseLayer } from "./cnn/notation.ts";
export {
  defineArchitecture,
  type LayerRow,
  summarize,
  type SummarizeOptions,
  type SummaryTotals,
  summaryTotals,
} from "./cnn/architecture.ts";
export { alexnet, lenet5, smallVgg, type SmallVggOptions, smallVggSpec, vgg16 } from "./cnn/catalogue.ts";
export { LocalResponseNormalization, type LrnArgs } from "./cnn/lrn.ts";
export { buildModel, type BuildModelOptions } from "./cnn/build.ts";
export { type FormulaCase, type FormulaRow, formulaVsTfjs } from "./cnn/formula_check.ts";
export {
  assertRelError,
  type AssertRelErrorOptions,
  avgPoolNaive,
  CLASSIC_FILTERS,
  classicFilters,
  type ClassicFiltersOptions,
  conv2dNaive,
  convAt,
  type ConvAtOptions,
  type ConvStep,
  type FilterPosition,
  filterPositions,
  type Filters4D,
  type Image3D,
  maxPoolNaive,
  type NaiveConvOptions,
  type NaivePoolOptions,
  relError,
  type SlideOptions,
} from "./cnn/naive.ts";

// Data: Fashion-MNIST, MNIST, image folders, sample photos, datasets, augmentation
export {
  balancedIndices,
  type BalancedIndicesOptions,
  classCounts,
  type Dataset,
  datasetFromBytes,
  type DatasetFromBytesOptions,
  type DatasetSplit,
  disposeDataset,
  splitDataset,
  type SplitDatasets,
  type SplitOptions,
  subset,
  type SubsetOptions,
} from "./data/dataset.ts";
export { decodeImage, type DecodeOptions, type ImageInput, loadImage, type RawImage } from "./data/decode.ts";
export { type DownloadDigests, downloadFile, type DownloadOptions } from "./data/download.ts";
export {
  FASHION_MNIST_CACHE_DIR,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_SYSTEM_DIR,
  FASHION_MNIST_URL,
  type FashionMnistOptions,
  loadFashionMnist,
  type LoadMnistOptions,
  type LocatedFiles,
  locateFashionMnist,
  type LocateOptions,
  type Split,
} from "./data/fashion_mnist.ts";
export { type IdxArray, type IdxPair, parseIdx, type ParseIdxOptions, readIdx, readIdxPair } from "./data/idx.ts";
export { IMAGE_EXTENSIONS, type ImageFolderOptions, loadImageFolder } from "./data/image_folder.ts";
export { loadMnist, MNIST_CLASSES, mnistDataDir } from "./data/mnist.ts";
export {
  loadSampleImage,
  PHOTOS_DIR,
  SAMPLE_IMAGES,
  type SampleImage,
  type SampleImageName,
  sampleImagePath,
} from "./data/photos.ts";
export {
  type AugmentedImage,
  augmentImage,
  augmentImageRaw,
  augmentMatrix,
  type AugmentParams,
  type AugmentRanges,
  drawAugmentParams,
  type FlipMode,
  IMAGE_AUGMENT_KEYS,
  type ImageAugmentOptions,
  RANDOM_AUGMENT_KEYS,
  randomAugment,
  type RandomAugmentOptions,
} from "./data/augment.ts";

// Showing things in a notebook: tables, SVG drawings, plotly figures, image grids, live progress
export { Displayable, escapeMarkdown, escapeXml, type MimeBundle, withDisplay } from "./show/display.ts";
export { base64, figureText, plainText, svgImgHtml, svgText, textTable, type TextTableOptions } from "./show/mime.ts";
export {
  annotationColor,
  colorAt,
  type ColorScale,
  CONFUSION_COLORSCALE,
  contrastRatio,
  luminance,
} from "./show/colors.ts";
export {
  DataTable,
  dataTable,
  formatBytes,
  type SummaryColumn,
  summaryTable,
  type SummaryTableOptions,
  type TableOptions,
} from "./show/tables.ts";
export { filterSvg, type FilterSvgOptions, SvgFigure } from "./show/svg.ts";
export { architectureSvg, type ArchitectureSvgOptions } from "./show/diagrams.ts";
export { imageGrid, type ImageGridOptions, type ImageLike, toPng, type ToPngOptions } from "./show/images.ts";
export {
  activationMapsFigure,
  type ActivationMapsOptions,
  barChart,
  type BarChartOptions,
  confusionMatrixFigure,
  type ConfusionOptions,
  type Figure,
  figure,
  FIGURE_CONFIG,
  figureBundle,
  figureHtml,
  type FigureHtmlOptions,
  filtersFigure,
  type FiltersOptions,
  imageGridFigure,
  imageGridFigureFromArrays,
  type ImageGridFigureOptions,
  paramsPerLayer,
  type ParamsPerLayerOptions,
  type ParamsRow,
  plotlyJs,
  show,
  type Trace,
  trainingCurves,
  type TrainingCurvesOptions,
  wrongExamplesFigure,
} from "./show/plots.ts";
export {
  augmentationPreview,
  type AugmentationPreviewOptions,
  augmentPreview,
  type AugmentPreviewOptions,
  describeParams,
} from "./show/augment_preview.ts";
export {
  formatDuration,
  inNotebook,
  type ProgressEpoch,
  type ProgressMode,
  type ProgressOptions,
  type ProgressPlan,
  type ProgressStep,
  svgLineChart,
  type SvgSeries,
  TrainingProgress,
} from "./show/progress.ts";
export {
  colorRangeMask,
  type ColorRangeOptions,
  drawBoxes,
  type DrawBoxesOptions,
  overlayMask,
  type OverlayMaskOptions,
  type SketchBox,
} from "./show/detection_sketch.ts";

// Learning: training, history, evaluation, checkpoints, transfer learning, image retrieval
export {
  type AugmentFn,
  type EarlyStoppingOptions,
  epochPermutation,
  lossAndAccuracy,
  type MonitorName,
  outputClasses,
  type ReduceLrOptions,
  train,
  type TrainCallbacks,
  type TrainOptions,
} from "./learn/train.ts";
export {
  compileModel,
  disposeModel,
  disposeOptimizer,
  getLearningRate,
  makeOptimizer,
  optimizerName,
  setLearningRate,
} from "./learn/optimizer.ts";
export { budgetedEpochs, type GradingBudget, gradingBudget, setGradingBudget } from "./learn/grading.ts";
export { type EpochLogs, type History, loadHistory, saveHistory } from "./learn/history.ts";
export {
  type ClassReport,
  evaluate,
  type EvaluateOptions,
  type Evaluation,
  evaluationMarkdown,
  predictBatches,
  type PredictedBatch,
  predictProbabilities,
  type WrongExample,
} from "./learn/evaluate.ts";
export {
  type Checkpoint,
  type CheckpointOptions,
  type FileSaveOptions,
  fileSystemIO,
  loadCheckpoint,
  loadModel,
  registerFileScheme,
  saveCheckpoint,
  saveModel,
  type SaveModelOptions,
} from "./learn/checkpoint.ts";
export {
  addHead,
  countTrainableParams,
  cutAt,
  freeze,
  type HeadOptions,
  loadPretrained,
  PRETRAINED_BASE,
  setTrainable,
  type SetTrainableOptions,
  unfreezeTop,
} from "./learn/transfer.ts";
export {
  extractFeatures,
  featureModel,
  type FeatureOptions,
  nearestNeighbours,
  type Neighbour,
  type NeighboursOptions,
} from "./learn/retrieval.ts";
export {
  type Prediction,
  predictionGrid,
  type PredictionGridOptions,
  predictionLabel,
  predictions,
} from "./learn/prediction_grid.ts";
export {
  splitValidation,
  type SplitValidationOptions,
  TEST_AS_VALIDATION_WARNING,
  warnIfTestAsValidation,
} from "./learn/validation.ts";
export { formatSpread, type Spread, spread } from "./learn/spread.ts";
export { type SeedRecipe, type SeedRun, type SeedRunsResult, seedRunsRows, trainOverSeeds } from "./learn/seed_runs.ts";

// The course: exercises and their checks, lab checks, the experiments of blocks 7, 8 and 10
export {
  checkConvOutput,
  checkFits,
  checkNetwork,
  checkPadding,
  checkParams,
  checkPoolOutput,
  checkTotalParams,
  ejercicios,
  Exercise,
  exercise,
  EXERCISE_COUNT,
  type ExerciseData,
  ExerciseError,
  type ExerciseErrorOptions,
  type ExerciseKind,
  generateExercises,
  type GenerateExercisesOptions,
  type NetworkRowAnswer,
  UNANSWERED_PREFIX,
} from "./course/exercises.ts";
export {
  checkAugmentation,
  checkFineTune,
  checkFrozenModel,
  type FineTuneAnswer,
  type FrozenModelAnswer,
} from "./course/lab_checks.ts";
export {
  type AugmentationCondition,
  augmentationExperiment,
  type AugmentationExperimentData,
  type AugmentationExperimentOptions,
  type AugmentationExperimentResult,
  augmentationExperimentRows,
  type AugmentationRun,
} from "./course/augmentation_experiment.ts";
export {
  type TransferData,
  transferExperiment,
  type TransferExperimentOptions,
  transferMarkdown,
  type TransferResults,
  type TransferRow,
  type TransferVariant,
} from "./course/transfer_experiment.ts";
export {
  type Milestone,
  type OrientationTuningOptions,
  orientationTuningSvg,
  timelineFigure,
  type TimelineOptions,
} from "./course/intro_figures.ts";
export {
  precisionAtK,
  type PrecisionAtKInput,
  precisionFromLabels,
  retrievalGrid,
  type RetrievalGridInput,
} from "./course/retrieval_demo.ts";
export { type AccuracyGoal, checkAccuracyGoal } from "./course/goals.ts";
export { LAB2_TRANSFER_TASK } from "./course/lab2.ts";

await initRuntime();
