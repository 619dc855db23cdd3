/** Dropout: the one stochastic layer, driven by an explicit key. */
import * as T from '../../tensor';
import type { Tensor } from '../../tensor';
import * as R from '../../random';
import { layerError, statelessLayer, type Layer, type NoParams } from '../layer';

/**
 * Zero each element with probability `rate` and scale the rest by 1 / (1 - rate), so the
 * expectation is unchanged (inverted dropout). The functional form behind the layer.
 * @example const y = dropoutApply(x, 0.1, k);
 * @example const y = train ? dropoutApply(h, rate, k) : h;
 */
export function dropoutApply(x: Tensor, rate: number, key: Tensor): Tensor {
  if (rate === 0) return x;
  if (rate === 1) return T.mul(x, 0);
  const keep = R.bernoulli(key, 1 - rate, x.shape);
  return T.where(keep, T.div(x, 1 - rate), 0);
}

/**
 * Dropout layer. With `train: true` it needs `options.key`; with `train` false (the default) it
 * is the identity.
 * @example const y = dropout(0.5).apply({}, x, { train: true, key: k });
 * @example sequential(linear(256), activation(relu), dropout(0.1), linear(10))
 */
export function dropout(rate: number): Layer<NoParams> {
  const name = `dropout(${rate})`;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) layerError(name, `rate must be a probability in [0, 1], got ${T.describeValue(rate)}`);
  return statelessLayer<NoParams>(
    name,
    (_key, inputShape) => ({ params: {}, outputShape: inputShape.slice() }),
    (_params, x, options) => {
      if (!options.train || rate === 0) return x;
      if (options.key === undefined) layerError(name, `train mode needs options.key (a PRNG key) to draw the dropout mask for input [${x.shape.join(', ')}]`);
      return dropoutApply(x, rate, options.key);
    },
  );
}
