/**
 * Ops must be composed from primitives only, looking at nothing but shapes and dtypes, so that
 * every transformation can trace them. A minimal shape-only interpreter checks that here without
 * depending on src/grad: reading a tracer's data throws, and the traced output aval must match
 * the eager result.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import { abstractEval, Trace, Tracer, withMainTrace, type DType, type MainTrace, type Prim, type Tensor } from '../src/tensor';
import { randomTensor, rng } from './ops.helpers';

class ShapeTracer extends Tracer {
  constructor(readonly _trace: Trace, shape: readonly number[], dtype: DType) {
    super(shape, dtype);
  }
}

class ShapeTrace extends Trace {
  pure(x: Tensor): Tracer {
    return new ShapeTracer(this, x.shape, x.dtype);
  }
  lift(x: Tensor): Tracer {
    return this.pure(x);
  }
  processPrimitive(prim: string, tracers: readonly Tracer[], params: any): Tensor[] {
    const out = abstractEval(prim as Prim, tracers, params);
    return [new ShapeTracer(this, out.shape, out.dtype)];
  }
}

/** Run `f` on tracers standing for `xs`; return the avals of its outputs. */
function traceShapes(f: (...xs: Tensor[]) => Tensor | Tensor[], xs: Tensor[]): { shape: number[]; dtype: DType }[] {
  return withMainTrace(ShapeTrace, 'shapes', null, (main: MainTrace) => {
    const trace = new ShapeTrace(main);
    const out = f(...xs.map((x) => new ShapeTracer(trace, x.shape, x.dtype)));
    return (Array.isArray(out) ? out : [out]).map((y) => {
      expect(y).toBeInstanceOf(ShapeTracer);
      return { shape: [...y.shape], dtype: y.dtype };
    });
  });
}

const rand = rng(5);
const f32 = (shape: number[]) => randomTensor(shape, rand, 'float32');
const ints = T.tensor([[0, 2], [1, -1]], { dtype: 'int32' });

const cases: [string, (...xs: Tensor[]) => Tensor | Tensor[], Tensor[]][] = [
  ['add broadcast', (a, b) => T.add(a!, b!), [f32([2, 3]), f32([3])]],
  ['where', (a) => T.where(T.greater(a!, 0), a!, 0), [f32([2, 3])]],
  ['softmax', (a) => T.softmax(a!, { axis: 0 }), [f32([2, 3])]],
  ['logsumexp', (a) => T.logsumexp(a!, { axis: -1, keepdims: true }), [f32([2, 3])]],
  ['variance', (a) => T.variance(a!, { axis: 0 }), [f32([2, 3])]],
  ['all/any', (a) => T.logicalAnd(T.all(a!, { axis: 1 }), T.any(a!, { axis: 1 })), [f32([2, 3])]],
  ['argmax', (a) => T.argmax(a!, { axis: 1 }), [f32([2, 3])]],
  ['gelu', (a) => T.gelu(a!), [f32([4])]],
  ['slice', (a) => T.slice(a!, [{ start: 1 }, { step: -2 }]), [f32([3, 5])]],
  ['flip/pad', (a) => T.pad(T.flip(a!, 0), [[1, 0], [0, 2]], { value: 3 }), [f32([3, 5])]],
  ['concatenate/stack', (a, b) => T.stack([T.concatenate([a!, b!], 1), T.concatenate([b!, a!], 1)], -1), [f32([2, 3]), f32([2, 3])]],
  ['split', (a) => T.split(a!, [1, 3], 1), [f32([2, 5])]],
  ['take', (a, i) => T.take(a!, i!, { axis: 1 }), [f32([3, 4]), ints]],
  ['take flat', (a, i) => T.take(a!, i!), [f32([3, 4]), ints]],
  ['takeAlongAxis', (a, i) => T.takeAlongAxis(a!, i!, 1), [f32([2, 4]), ints]],
  ['oneHot', (i) => T.oneHot(i!, 3), [ints]],
  ['matmul batched', (a, b) => T.matmul(a!, b!), [f32([2, 1, 3, 4]), f32([5, 4, 2])]],
  ['matmul vector', (a, b) => T.matmul(a!, b!), [f32([4]), f32([2, 4, 3])]],
  ['dot N-D', (a, b) => T.dot(a!, b!), [f32([2, 3, 4]), f32([5, 4, 2])]],
  ['outer', (a, b) => T.outer(a!, b!), [f32([3]), f32([2, 2])]],
  ['einsum attention', (q, k) => T.einsum('bhqd,bhkd->bhqk', q!, k!), [f32([2, 2, 3, 4]), f32([2, 2, 5, 4])]],
  ['einsum sum', (a) => T.einsum('ij->j', a!), [f32([3, 4])]],
  ['conv2d', (x, w) => T.conv2d(x!, w!, { padding: 'same', stride: 2, groups: 2 }), [f32([2, 4, 5, 5]), f32([6, 2, 3, 3])]],
  ['maxPool2d', (x) => T.maxPool2d(x!, { kernelSize: 3, stride: 2, padding: 1 }), [f32([1, 2, 5, 5])]],
  ['avgPool2d', (x) => T.avgPool2d(x!, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }), [f32([1, 2, 5, 5])]],
];

describe('ops trace without reading data', () => {
  for (const [name, f, xs] of cases) {
    it(name, () => {
      const eager = f(...xs);
      const expected = (Array.isArray(eager) ? eager : [eager]).map((y) => ({ shape: [...y.shape], dtype: y.dtype }));
      expect(traceShapes(f, xs)).toEqual(expected);
    });
  }

  it('the interpreter does catch an op that reads data', () => {
    const peeking = (x: Tensor): Tensor => T.scalar(x.dataSync()[0]!);
    expect(() => traceShapes(peeking, [f32([1])])).toThrow(/dataSync.*traced.*shapes/);
  });
});
