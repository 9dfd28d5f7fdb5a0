/**
 * The typed form of the lecture's notation: one interface per kind of layer, the architecture that holds
 * them, and what `defineArchitecture` takes. Types only (plus the list of activations); the behaviour of each
 * kind lives in `layer_kinds.ts`.
 * @module
 */
import type { Padding, Rounding, Volume } from "./dimensions.ts";

/** Activation functions accepted by CONV, FC and activation layers. */
export type Activation = "relu" | "linear" | "softmax" | "sigmoid" | "tanh";
/** Every {@link Activation}, in the order error messages list them. */
export const ACTIVATIONS: readonly Activation[] = ["relu", "linear", "softmax", "sigmoid", "tanh"];

/** A convolution layer: K filters F×F, stride S, zero padding P. */
export interface ConvLayerSpec {
  kind: "conv";
  /** Number of filters K. */
  filters: number;
  /** Filter side F. */
  size: number;
  /** Default 1. */
  stride?: number;
  /** Default 0. */
  padding?: Padding;
  /** Default `"relu"`. */
  activation?: Activation;
  /** One bias per filter; default true (`/nobias` turns it off, as before a BatchNorm that has its own β). */
  bias?: boolean;
  /** Layer name (default `convN`). */
  name?: string;
}

/** A max or average pooling layer. */
export interface PoolLayerSpec {
  kind: "pool";
  /** Window side F. */
  size: number;
  /** Default: the window size. */
  stride?: number;
  /** Default `"max"`. */
  mode?: "max" | "avg";
  /** Default `"valid"`. */
  padding?: "valid" | "same";
  /** Layer name (default `poolN`). */
  name?: string;
}

/** A fully connected layer. */
export interface DenseLayerSpec {
  kind: "dense";
  /** Number of neurons. */
  units: number;
  /** Default `"relu"`, `"softmax"` when it is the architecture's last layer. */
  activation?: Activation;
  /** Layer name (default `fcN`). */
  name?: string;
}

/** Local response normalisation (AlexNet's NORM): same volume, no parameters. */
export interface NormLayerSpec {
  kind: "norm";
  /** Layer name (default `normN`). */
  name?: string;
}

/**
 * Batch normalisation (`BN`): normalises each activation map with the batch's mean and variance, then scales
 * by γ and shifts by β. Same volume; 4·D parameters in TF.js's count: γ and β (trained) and the moving
 * mean and variance (statistics kept for inference).
 */
export interface BatchNormLayerSpec {
  kind: "batchnorm";
  /** Layer name (default `bnN`). */
  name?: string;
}

/** Dropout: zeroes a fraction `rate` of the activations while training. */
export interface DropoutLayerSpec {
  kind: "dropout";
  /** Fraction dropped, in [0, 1). */
  rate: number;
  /** Layer name (default `dropoutN`). */
  name?: string;
}

/** Flattens a W×H×D volume into a vector of W·H·D values. */
export interface FlattenLayerSpec {
  kind: "flatten";
  /** Layer name (default `flattenN`). */
  name?: string;
}

/** Global average pooling: one value (the mean) per activation map, W×H×D → 1×1×D. */
export interface GlobalPoolLayerSpec {
  kind: "gap";
  /** Layer name (default `gapN`). */
  name?: string;
}

/** A separate activation function. */
export interface ActivationLayerSpec {
  kind: "activation";
  /** The function applied element-wise. */
  activation: Activation;
  /** Layer name (default `actN`). */
  name?: string;
}

/** One layer of an architecture (typed form of the notation). */
export type LayerSpec =
  | ConvLayerSpec
  | PoolLayerSpec
  | DenseLayerSpec
  | NormLayerSpec
  | BatchNormLayerSpec
  | DropoutLayerSpec
  | FlattenLayerSpec
  | GlobalPoolLayerSpec
  | ActivationLayerSpec;

/** The kinds of layer, plus `"input"` for the first row of a summary. */
export type LayerKind = LayerSpec["kind"] | "input";

/** A layer as written by a user: notation text or a typed object. */
export type LayerInput = string | LayerSpec;

/** A complete, validated architecture: input volume and named layers with their defaults filled in. */
export interface Architecture {
  /** Display name, e.g. `"VGG-16"`. */
  readonly name: string;
  /** Input volume (width × height × depth). */
  readonly input: Volume;
  /** Layers with `name` always set. */
  readonly layers: readonly LayerSpec[];
  /** How non-integer sizes are treated (default `"exact"`, as in the lecture). */
  readonly rounding: Rounding;
  /** One line about where it comes from. */
  readonly description?: string;
}

/** What {@link defineArchitecture} needs. */
export interface ArchitectureDefinition {
  /** Input volume, as an object or as text (`"224x224x3"`). */
  input: Volume | string;
  /** Layers in notation or typed form. */
  layers: LayerInput[];
  /** Default `"exact"`. */
  rounding?: Rounding;
  /** One line about the architecture. */
  description?: string;
}
