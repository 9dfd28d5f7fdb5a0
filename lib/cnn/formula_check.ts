/**
 * The lecture's formula against real TF.js layers: for one-layer architectures written in the course's
 * notation, the output volume and parameter count from the formula next to those of the built TF.js model.
 * @module
 */
import { buildModel } from "./build.ts";
import { type ConvLayerSpec } from "./spec.ts";
import { defineArchitecture } from "./architecture.ts";
import { convOutput, convParams, formatVolume } from "./dimensions.ts";

/** One case of {@link formulaVsTfjs}: an input volume and one convolution layer, both as notation. */
export interface FormulaCase {
  /** Input volume, e.g. `"32x32x3"`. */
  input: string;
  /** One convolution layer, e.g. `"CONV5-10/p2"`. */
  layer: string;
}

/** A row of {@link formulaVsTfjs} (Spanish headers, ready for `dataTable`). */
export type FormulaRow = {
  /** The input volume. */
  entrada: string;
  /** The layer. */
  capa: string;
  /** Output volume from the formula. */
  "salida (fórmula)": string;
  /** Output volume of the TF.js layer. */
  "salida (TF.js)": string;
  /** Parameters from (F·F·D1)·K + K. */
  "parámetros (fórmula)": number;
  /** Parameters of the TF.js layer (`countParams`). */
  "parámetros (TF.js)": number;
  /** `sí` when both columns agree. */
  coinciden: "sí" | "no";
};

/** Builds each one-layer case in TF.js and compares its output shape and parameters with the formula. */
export function formulaVsTfjs(cases: FormulaCase[]): FormulaRow[] {
  if (!Array.isArray(cases) || cases.length === 0) {
    throw new Error('formulaVsTfjs necesita una lista de casos { input: "32x32x3", layer: "CONV5-10/p2" }.');
  }
  return cases.map(({ input, layer }) => {
    const arch = defineArchitecture("una capa", { input, layers: [layer] });
    const spec = arch.layers[0];
    if (spec.kind !== "conv") throw new Error(`"${layer}" no es una capa convolucional (CONVF-K/sS/pP).`);
    const model = buildModel(arch);
    try {
      const [, h, w, d] = model.layers[model.layers.length - 1].outputShape as number[];
      const formula = formatVolume(convOutput(arch.input, spec as ConvLayerSpec));
      const params = convParams(arch.input.depth, spec as ConvLayerSpec).total;
      const tfjs = `${w}×${h}×${d}`;
      const count = model.countParams();
      return {
        entrada: input,
        capa: layer,
        "salida (fórmula)": formula,
        "salida (TF.js)": tfjs,
        "parámetros (fórmula)": params,
        "parámetros (TF.js)": count,
        coinciden: formula === tfjs && params === count ? "sí" : "no",
      };
    } finally {
      model.dispose();
    }
  });
}
