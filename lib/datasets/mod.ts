/**
 * Real data for the course: Fashion-MNIST, MNIST, image folders, the sample photos, and the
 * `Dataset` operations (subset, split, dispose). Re-exported by `lib/mod.ts`.
 * @module
 */
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
} from "./dataset.ts";
export { decodeImage, type DecodeOptions, type ImageInput, loadImage, type RawImage } from "./decode.ts";
export { type DownloadDigests, downloadFile, type DownloadOptions } from "./download.ts";
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
} from "./fashion_mnist.ts";
export { type IdxArray, type IdxPair, parseIdx, type ParseIdxOptions, readIdx, readIdxPair } from "./idx.ts";
export { IMAGE_EXTENSIONS, type ImageFolderOptions, loadImageFolder } from "./image_folder.ts";
export { loadMnist, MNIST_CLASSES, mnistDataDir } from "./mnist.ts";
export {
  loadSampleImage,
  PHOTOS_DIR,
  SAMPLE_IMAGES,
  type SampleImage,
  type SampleImageName,
  sampleImagePath,
} from "./photos.ts";
