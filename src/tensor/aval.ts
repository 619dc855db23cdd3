/** Abstract values: what tracing knows about a tensor (its shape and dtype, not its data). */
import type { DType } from './dtype';
import { fmtShape, type Shape } from './shape';

export interface Aval {
  readonly shape: Shape;
  readonly dtype: DType;
}

export function aval(shape: Shape, dtype: DType): Aval {
  return { shape, dtype };
}

export function fmtAval(a: Aval): string {
  return `${a.dtype}${fmtShape(a.shape)}`;
}
