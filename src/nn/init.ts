/**
 * Parameter initializers: `(key, shape, dtype?) => Tensor`. Fans follow PyTorch's layouts:
 * for a linear weight [out, in] fanIn = in and fanOut = out; for a conv weight OIHW
 * [out, in/groups, kh, kw] fanIn = in/groups * kh * kw and fanOut = out * kh * kw. A 1-D shape
 * uses its length for both fans.
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import * as R from '../random';

/** Float dtypes parameters are made in. */
export type ParamDType = 'float32' | 'float64';

/**
 * Makes one parameter tensor from a key.
 * @example const w = glorotUniform(key(0), [128, 784]);
 * @example const init: Initializer = normal(0.02);
 */
export type Initializer = (key: Tensor, shape: readonly number[], dtype?: ParamDType) => Tensor;

/**
 * [fanIn, fanOut] of a weight shape in PyTorch's layout ([out, in, ...receptive field]).
 * @example fans([10, 784])          // [784, 10]
 * @example fans([16, 3, 5, 5])      // [75, 400]
 */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  const receptive = shape.slice(2).reduce((n, d) => n * d, 1);
  return [shape[1]! * receptive, shape[0]! * receptive];
}

export interface VarianceScalingOptions {
  /** Multiplies the variance (e.g. 2 for ReLU networks). */
  readonly scale: number;
  /** Which fan divides the scale: fanIn, fanOut or their average. */
  readonly mode: 'fanIn' | 'fanOut' | 'fanAvg';
  /** The distribution with that variance. A truncated normal is cut at 2 std and rescaled. */
  readonly distribution: 'uniform' | 'normal' | 'truncatedNormal';
}

/** Std of a standard normal truncated to [-2, 2], to rescale truncated samples to unit variance. */
const TRUNCATED_STD = 0.8796256610342398;

/**
 * The family behind every fan-based initializer (Flax/Keras's variance_scaling): variance
 * scale / fan, drawn uniform, normal or truncated normal.
 * @example const init = varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal' });  // heNormal
 * @example const w = init(key(0), [64, 32]);
 */
export function varianceScaling(options: VarianceScalingOptions): Initializer {
  const fn = 'nn.initializers.varianceScaling';
  const o = T.checkOptions(fn, options, ['scale', 'mode', 'distribution']);
  const scale = T.checkNumber(fn, 'scale', o.scale, { above: 0 });
  const mode = T.checkOneOf(fn, 'mode', o.mode, ['fanIn', 'fanOut', 'fanAvg']);
  const distribution = T.checkOneOf(fn, 'distribution', o.distribution, ['uniform', 'normal', 'truncatedNormal']);
  return (key, shape, dtype = 'float32') => {
    const [fanIn, fanOut] = fans(shape);
    const fan = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, fan);
    if (distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      return R.uniform(key, shape, { minval: -limit, maxval: limit, dtype });
    }
    if (distribution === 'normal') return T.mul(R.normal(key, shape, { dtype }), Math.sqrt(variance));
    return T.mul(R.truncatedNormal(key, -2, 2, shape, { dtype }), Math.sqrt(variance) / TRUNCATED_STD);
  };
}

/**
 * Glorot/Xavier uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)) (PyTorch's xavier_uniform_).
 * @example const w = glorotUniform(key(0), [10, 784]);
 * @example linear(10, { init: glorotUniform })
 */
export const glorotUniform: Initializer = varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'uniform' });
/**
 * Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)) (PyTorch's xavier_normal_).
 * @example const w = glorotNormal(key(0), [10, 784]);
 * @example linear(10, { init: glorotNormal })
 */
export const glorotNormal: Initializer = varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'normal' });
/**
 * He/Kaiming uniform for ReLU: U(-a, a) with a = sqrt(6 / fanIn) (kaiming_uniform_ with a=0).
 * @example const w = heUniform(key(0), [64, 3, 3, 3]);
 * @example conv2d(64, 3, { init: heUniform })
 */
export const heUniform: Initializer = varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'uniform' });
/**
 * He/Kaiming normal for ReLU: N(0, 2 / fanIn) (kaiming_normal_ with a=0).
 * @example const w = heNormal(key(0), [64, 3, 3, 3]);
 * @example linear(256, { init: heNormal })
 */
export const heNormal: Initializer = varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal' });
/**
 * LeCun uniform: U(-a, a) with a = sqrt(3 / fanIn) (for SELU networks).
 * @example const w = lecunUniform(key(0), [10, 20]);
 * @example linear(10, { init: lecunUniform })
 */
export const lecunUniform: Initializer = varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'uniform' });
/**
 * LeCun normal: N(0, 1 / fanIn).
 * @example const w = lecunNormal(key(0), [10, 20]);
 * @example linear(10, { init: lecunNormal })
 */
export const lecunNormal: Initializer = varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'normal' });
/**
 * PyTorch's default for Linear and Conv2d weights and biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn))
 * (kaiming_uniform_ with a = sqrt(5)). The default of `linear` and `conv2d` here too.
 * @example const w = torchDefault(key(0), [10, 784]);
 * @example linear(10, { init: torchDefault })
 */
export const torchDefault: Initializer = varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform' });

/**
 * Alias of glorotUniform.
 * @example const w = xavierUniform(key(0), [4, 3]);
 * @example linear(10, { init: xavierUniform })
 */
export const xavierUniform = glorotUniform;
/**
 * Alias of glorotNormal.
 * @example const w = xavierNormal(key(0), [4, 3]);
 * @example linear(10, { init: xavierNormal })
 */
export const xavierNormal = glorotNormal;
/**
 * Alias of heUniform.
 * @example const w = kaimingUniform(key(0), [4, 3]);
 * @example linear(10, { init: kaimingUniform })
 */
export const kaimingUniform = heUniform;
/**
 * Alias of heNormal.
 * @example const w = kaimingNormal(key(0), [4, 3]);
 * @example linear(10, { init: kaimingNormal })
 */
export const kaimingNormal = heNormal;

/**
 * All zeros (the key is ignored).
 * @example const b = zeros(key(0), [10]);
 * @example linear(10, { biasInit: zeros })
 */
export const zeros: Initializer = (_key, shape, dtype = 'float32') => T.zeros(shape, dtype);
/**
 * All ones (the key is ignored).
 * @example const g = ones(key(0), [10]);
 * @example const scale = ones(k, [features], 'float64');
 */
export const ones: Initializer = (_key, shape, dtype = 'float32') => T.ones(shape, dtype);

/**
 * N(0, std^2) samples (PyTorch's normal_; Embedding uses std 1).
 * @example const init = normal(0.02);
 * @example const w = normal(1)(key(0), [100, 16]);
 */
export function normal(std = 1): Initializer {
  T.checkNumber('nn.initializers.normal', 'std', std, { min: 0 });
  return (key, shape, dtype = 'float32') => T.mul(R.normal(key, shape, { dtype }), std);
}

/**
 * N(0, std^2) cut at +-2 std (like PyTorch's trunc_normal_(std=std, a=-2std, b=2std)).
 * @example const init = truncatedNormal(0.02);
 * @example const w = truncatedNormal(0.02)(key(0), [768, 768]);
 */
export function truncatedNormal(std = 1): Initializer {
  T.checkNumber('nn.initializers.truncatedNormal', 'std', std, { min: 0 });
  return (key, shape, dtype = 'float32') => T.mul(R.truncatedNormal(key, -2, 2, shape, { dtype }), std);
}

/**
 * U(minval, maxval) samples.
 * @example const init = uniform(-0.1, 0.1);
 * @example const w = uniform()(key(0), [3, 3]);
 */
export function uniform(minval = 0, maxval = 1): Initializer {
  T.checkNumber('nn.initializers.uniform', 'minval', minval);
  T.checkNumber('nn.initializers.uniform', 'maxval', maxval, { min: minval });
  return (key, shape, dtype = 'float32') => R.uniform(key, shape, { minval, maxval, dtype });
}

/**
 * A (semi-)orthogonal matrix times `gain`, like PyTorch's orthogonal_: the shape is viewed as
 * [shape[0], rest], a Gaussian matrix is orthonormalized on the host by modified Gram-Schmidt
 * (the QR factor Q, signs fixed so that R has a positive diagonal). Rows are orthonormal when
 * rows <= cols, columns otherwise. Initialization is eager, so computing on the host is fine.
 * @example const w = orthogonal()(key(0), [64, 64]);     // w @ w^T == I
 * @example lstmCell(128, { recurrentInit: orthogonal() })
 */
export function orthogonal(gain = 1): Initializer {
  T.checkNumber('nn.initializers.orthogonal', 'gain', gain);
  return (key, shape, dtype = 'float32') => {
    if (shape.length < 2) throw new T.OpError('nn.initializers.orthogonal', `needs a shape of rank >= 2, got [${shape.join(', ')}]`);
    const rows = shape[0]!;
    const cols = shape.slice(1).reduce((n, d) => n * d, 1);
    // Orthonormalize the columns of a tall [m, n] matrix (transposed when the shape is wide).
    const [m, n] = rows >= cols ? [rows, cols] : [cols, rows];
    const a = R.normal(key, [m, n], { dtype: 'float64' }).dataSync() as Float64Array;
    const q = gramSchmidt(a, m, n);
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (rows >= cols ? q[i * n + j]! : q[j * n + i]!);
    return T.tensor(out, { shape, dtype });
  };
}

/** Columns of the row-major [m, n] matrix `a` (m >= n) orthonormalized in place, with re-orthogonalization. */
function gramSchmidt(a: Float64Array, m: number, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let d = 0;
        for (let i = 0; i < m; i++) d += a[i * n + k]! * a[i * n + j]!;
        for (let i = 0; i < m; i++) a[i * n + j] -= d * a[i * n + k]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += a[i * n + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < m; i++) a[i * n + j] /= norm;
  }
  return a;
}
