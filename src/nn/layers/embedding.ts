/** Embedding lookup tables. */
import * as T from '../../tensor';
import type { Tensor } from '../../tensor';
import { normal, type Initializer } from '../init';
import { checkInitializers, checkInputShape, checkParams, fmt, layerError, layerOptions, positiveInteger, statelessLayer, type Layer } from '../layer';

/** An embedding table [numEmbeddings, dim], PyTorch's nn.Embedding `weight`. */
export interface EmbeddingParams {
  readonly weight: Tensor;
}

/**
 * Map int32 indices [...] to rows of a [num, dim] table: [...] -> [..., dim]. The table starts
 * as N(0, 1) samples like PyTorch's (override with `init`).
 * @example const emb = embedding(1000, 64); const { params } = emb.init(key(0), [-1, 16]);
 * @example const h = emb.apply(params, tokens);      // tokens int32 [batch, 16] -> [batch, 16, 64]
 */
export function embedding(numEmbeddings: number, dim: number, options: { readonly init?: Initializer } = {}): Layer<EmbeddingParams> {
  const name = `embedding(${numEmbeddings}, ${dim})`;
  positiveInteger(name, 'numEmbeddings', numEmbeddings);
  positiveInteger(name, 'dim', dim);
  layerOptions(name, options, ['init']);
  checkInitializers(name, options, ['init']);
  return statelessLayer<EmbeddingParams>(
    name,
    (key, inputShape) => {
      checkInputShape(name, inputShape, 0, '[...indices]');
      return { params: { weight: (options.init ?? normal(1))(key, [numEmbeddings, dim]) }, outputShape: [...inputShape, dim] };
    },
    (params, x) => {
      checkParams(name, params, ['weight']);
      if (x.dtype !== 'int32') layerError(name, `expects int32 indices, got ${x.dtype} ${fmt(x.shape)}`);
      return T.take(params.weight, x, { axis: 0 });
    },
  );
}
