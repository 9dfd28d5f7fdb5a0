/**
 * Finding a layer of a TF.js model and seeing the model up to it: the one lookup (by name or index, with a
 * Spanish error listing the layers) and the one sub-model used by activation maps, feature extraction
 * (retrieval) and transfer learning's cut.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Which layer: its name, its index in `model.layers`, or `undefined` for the default of {@link findLayer}. */
export type LayerRef = string | number | undefined;

/** Options of {@link findLayer}. */
export interface FindLayerOptions {
  /** Layer when `layer` is `undefined`: the first `Conv2D`, or the one before the output. Default `"penultimate"`. */
  fallback?: "firstConv" | "penultimate";
  /** Field name used in error messages; default `layer`. */
  field?: string;
}

/** The model's layer named or indexed by `layer`; throws a Spanish error naming the model's layers when absent. */
export function findLayer(model: tf.LayersModel, layer: LayerRef, options: FindLayerOptions = {}): tf.layers.Layer {
  if (!(model instanceof tf.LayersModel)) {
    throw new Error(`model debe ser un tf.LayersModel (recibido: ${typeof model}).`);
  }
  const field = options.field ?? "layer";
  const names = model.layers.map((l) => l.name).join(", ");
  if (layer === undefined) {
    if ((options.fallback ?? "penultimate") === "firstConv") {
      const conv = model.layers.find((l) => l.getClassName() === "Conv2D");
      if (!conv) throw new Error("El modelo no tiene ninguna capa Conv2D.");
      return conv;
    }
    if (model.layers.length < 2) throw new Error(`El modelo tiene una sola capa: indica ${field}.`);
    return model.layers[model.layers.length - 2];
  }
  if (typeof layer === "number") {
    const l = model.layers[layer];
    if (!Number.isInteger(layer) || !l) {
      throw new Error(
        `${field}=${layer} no existe: el modelo tiene ${model.layers.length} capas (0..${model.layers.length - 1}).`,
      );
    }
    return l;
  }
  if (typeof layer !== "string") {
    throw new Error(`${field} debe ser el nombre o el índice de una capa; se recibió ${typeof layer}.`);
  }
  try {
    return model.getLayer(layer);
  } catch {
    throw new Error(`No hay ninguna capa "${layer}" (${field}). Capas del modelo: ${names}.`);
  }
}

/**
 * The model from its inputs up to `layer`'s output. It shares the layers and weights of `model` (a view: no
 * new tensors; dispose `model`, not the view).
 */
export function modelUpTo(model: tf.LayersModel, layer: tf.layers.Layer, name?: string): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor, ...(name ? { name } : {}) });
}
