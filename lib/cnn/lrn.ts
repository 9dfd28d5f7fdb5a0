/**
 * AlexNet's local response normalisation (NORM) as a TF.js layer.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Constructor arguments of {@link LocalResponseNormalization} (AlexNet's defaults). */
export interface LrnArgs {
  /** Neighbouring maps on each side (AlexNet: n = 5 maps → radius 2). */
  depthRadius?: number;
  /** k (AlexNet: 2). */
  bias?: number;
  /** α, multiplying the sum of squares (TF convention; Caffe divides it by n). AlexNet: 1e-4. */
  alpha?: number;
  /** β (AlexNet: 0.75). */
  beta?: number;
  /** Layer name. */
  name?: string;
}

/**
 * AlexNet's local response normalisation as a TF.js layer (TF.js has none built in): each activation is
 * divided by (k + α·Σ a²)^β over the `depthRadius` neighbouring activation maps on each side.
 * No parameters; the output has the input's shape.
 */
export class LocalResponseNormalization extends tf.layers.Layer {
  /** Name used when (de)serialising models. */
  static className = "LocalResponseNormalization";
  /** Neighbouring maps on each side. */
  readonly depthRadius: number;
  /** k. */
  readonly bias: number;
  /** α. */
  readonly alpha: number;
  /** β. */
  readonly beta: number;

  /** Creates the layer with AlexNet's constants unless given. */
  constructor(args: LrnArgs = {}) {
    super({ name: args.name });
    this.depthRadius = args.depthRadius ?? 2;
    this.bias = args.bias ?? 2;
    this.alpha = args.alpha ?? 1e-4;
    this.beta = args.beta ?? 0.75;
  }

  /** Same shape as the input. */
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  /** Applies `tf.localResponseNormalization`. */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return tf.localResponseNormalization(x, this.depthRadius, this.bias, this.alpha, this.beta);
    });
  }

  /** Serialisable configuration. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      depthRadius: this.depthRadius,
      bias: this.bias,
      alpha: this.alpha,
      beta: this.beta,
    };
  }
}
tf.serialization.registerClass(LocalResponseNormalization);
