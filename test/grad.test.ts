/**
 * Unit tests of the public transformations: error messages, the jaxpr printer, evalShape,
 * hasAux/argnums, pytrees, vmap axes, jacobian shapes, higher derivatives, custom rules,
 * stopGradient and checkGrads. Properties use a fixed seed printed in the describe name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import { Tensor } from '../src/tensor';
import { customJvp, customVjp, evalShape, grad, stopGradient, hessian, jacfwd, jacrev, jvp, linearize, linearTranspose, makeJaxpr, ShapeDtype, valueAndGrad, vjp, vmap } from '../src/grad';
import { approx } from '../laws/approx';
import { checkGrads } from '../laws/checkGrads';
import { jacfwdMatchesJacrev } from '../laws/grad';
import { Rng, randn } from '../laws/gradUtil';

const SEED = 777;
const f64 = (v: T.NestedArray, shape?: number[]) => T.tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });
const close = (a: unknown, b: unknown, rtol = 1e-10) => expect(approx({ scale: 'tree', rtol, atol: 1e-12 }).equals(a, b)).toBe(true);
const values = (t: Tensor) => Array.from(t.dataSync());

describe(`transformations: unit tests (seed ${SEED})`, () => {
  const rng = new Rng(SEED);
  const x = randn(rng, [3]);
  const m = randn(rng, [2, 3]);

  describe('stopGradient', () => {
    it('stops every tensor leaf of a pytree, as lax.stop_gradient does', () => {
      const p = { w: x, b: [m] };
      // d/dw of sum(w * stop(w)) is stop(w) = w: the stopped copy contributes no derivative.
      const g = grad((q: typeof p) => {
        const s = stopGradient(q);
        return T.add(T.sum(T.mul(q.w, s.w)), T.sum(T.mul(q.b[0]!, s.b[0]!)));
      })(p);
      expect(values(g.w)).toEqual(values(x));
      expect(values(g.b[0])).toEqual(values(m));
      // Other leaves are constants already and pass through; a tensor or a number gives a tensor.
      const statics = stopGradient({ n: 3, name: 'layer', w: x });
      expect([statics.n, statics.name, values(statics.w)]).toEqual([3, 'layer', values(x)]);
      expect(stopGradient(2)).toBeInstanceOf(Tensor);
      expect(values(grad((v: Tensor) => T.sum(T.mul(v, stopGradient(v))))(x))).toEqual(values(x));
    });
  });

  describe('errors', () => {
    it('grad rejects integer inputs', () => {
      expect(() => grad((v: Tensor) => T.sum(v))(T.tensor([1, 2], { dtype: 'int32' }))).toThrow(/grad: argument 0 has a int32\[2\] input; only float32\/float64 inputs can be differentiated/);
      // An integer argument outside argnums is fine.
      expect(values(grad((v: Tensor, k: Tensor) => T.sum(T.mul(v, T.astype(k, 'float64'))))(x, T.tensor([1, 2, 3], { dtype: 'int32' })))).toEqual([1, 2, 3]);
    });
    it('grad of a non-scalar or non-float output is an error', () => {
      expect(() => grad(function f(v: Tensor) { return T.sin(v); })(x)).toThrow(/grad: f must return a scalar \(shape \[\]\) to be differentiated, got float64\[3\]; use vjp or jacrev/);
      expect(() => grad((v: Tensor) => T.argmax(v))(x)).toThrow(/its output must be float/);
    });
    it('shape errors during tracing name the primitive, the shapes and the transformation stack', () => {
      function loss(v: Tensor) {
        return T.sum(T.matmul(v, T.ones([4, 2], 'float64')));
      }
      expect(() => vmap(grad(loss))(T.ones([5, 3], 'float64'))).toThrow(/^matmul: contraction axes differ: float64\[3\] and float64\[4, 2\].*\(inside vmap\(grad\(loss\)\)\)$/);
      expect(() => grad(loss)(m)).toThrow(/matmul: .*float64\[2, 3\] and float64\[4, 2\].*\(inside grad\(loss\)\)/);
    });
    it('mismatched tangents, cotangents and mapped sizes are named', () => {
      expect(() => jvp(T.sin, [x], [T.tensor([1, 2, 3], { dtype: 'float32' })])).toThrow('jvp: tangent leaf 0 must be float64[3] to match its primal, got float32[3]');
      expect(() => vjp(T.sin, x)[1](f64([1, 2]))).toThrow('vjp: cotangent leaf 0 must be float64[3] to match its primal, got float64[2]');
      expect(() => vmap(T.add)(T.ones([2, 3]), T.ones([3, 3]))).toThrow(/vmap: mapped axes must all have size 2, but argument leaf 1 \(float32\[3, 3\]\) has size 3 on axis 0/);
      expect(() => grad(T.sum, { argnums: 2 })(x)).toThrow(/argnums 2 out of range for 1 arguments/);
    });
  });

  describe('makeJaxpr and evalShape', () => {
    it('pretty-prints a small function', () => {
      const jaxpr = makeJaxpr((a: Tensor, b: Tensor) => T.sum(T.mul(T.sin(a), b)))(T.ones([3]), T.ones([3]));
      expect(jaxpr.toString()).toBe([
        '{ lambda  ; a:f32[3] b:f32[3]. let',
        '    c:f32[3] = sin a',
        '    d:f32[3] = mul c b',
        '    e:f32[] = reduceSum[axes=[0]] d',
        '  in ( e ) }',
      ].join('\n'));
    });
    it('stages constants as constvars (broadcast of a weak scalar)', () => {
      const jaxpr = makeJaxpr((a: Tensor) => T.mul(a, 2))(T.ones([3]));
      expect(jaxpr.toString()).toBe([
        '{ lambda a:f32[] ; b:f32[3]. let',
        '    c:f32[1] = reshape[shape=[1]] a',
        '    d:f32[3] = broadcast[shape=[3]] c',
        '    e:f32[3] = mul b d',
        '  in ( e ) }',
      ].join('\n'));
      expect(values(jaxpr.consts[0]!)).toEqual([2]);
    });
    it('evalShape gives output shapes and dtypes of a pytree function without computing', () => {
      const out = evalShape((p: { w: Tensor }, v: Tensor) => ({ y: T.matmul(v, p.w), n: T.argmax(v) }), { w: new ShapeDtype([3, 4], 'float64') }, new ShapeDtype([2, 3], 'float64'));
      expect(out.y).toBeInstanceOf(ShapeDtype);
      expect(out.y.shape).toEqual([2, 4]);
      expect(out.y.dtype).toBe('float64');
      expect(out.n.shape).toEqual([]);
      expect(out.n.dtype).toBe('int32');
      expect(() => evalShape((v: Tensor) => T.matmul(v, v), new ShapeDtype([2, 3]))).toThrow(/matmul/);
    });
  });

  describe('grad options', () => {
    const f = (a: Tensor, b: Tensor) => T.sum(T.mul(T.sin(a), b));
    it('argnums as a number and as an array', () => {
      const y = randn(rng, [3]);
      close(grad(f)(x, y), T.mul(T.cos(x), y));
      close(grad(f, { argnums: 1 })(x, y), T.sin(x));
      const [ga, gb] = grad(f, { argnums: [0, 1] })(x, y);
      close(ga, T.mul(T.cos(x), y));
      close(gb, T.sin(x));
      const [gb2] = grad(f, { argnums: [1] })(x, y);
      close(gb2, T.sin(x));
    });
    it('hasAux returns [grad, aux] from grad and [[value, aux], grad] from valueAndGrad', () => {
      const withAux = (a: Tensor): [Tensor, { norm: Tensor; label: string }] => [T.sum(T.square(a)), { norm: T.sqrt(T.sum(T.square(a))), label: 'ok' }];
      const [g, aux] = grad(withAux, { hasAux: true })(x);
      close(g, T.mul(x, 2));
      close(aux.norm, T.sqrt(T.sum(T.square(x))));
      expect(aux.label).toBe('ok');
      const [[value, aux2], g2] = valueAndGrad(withAux, { hasAux: true })(x);
      close(value, T.sum(T.square(x)));
      close(aux2.norm, aux.norm);
      close(g2, g);
      // @ts-expect-error the function must return [output, aux] (a type error, and a clear error in plain JS)
      expect(() => grad((a: Tensor) => T.sum(a), { hasAux: true })(x)).toThrow(/hasAux the function must return \[output, aux\]/);
    });
    // Regression: aux leaves used to come back as tracers of the finished transformation.
    it('hasAux gives back concrete tensors that later operations can use', () => {
      const [, aux] = grad((a: Tensor) => [T.sum(a), T.mul(T.sum(a), 2)], { hasAux: true })(x);
      expect(aux).not.toBeInstanceOf(T.Tracer);
      close(T.add(aux, 1), T.add(T.mul(T.sum(x), 2), 1));
    });
    it('gradients keep the parameter tree; broadcast inputs get summed-back gradients', () => {
      const params = { w: randn(rng, [3, 3]), b: randn(rng, [3]), extra: [randn(rng, [])] };
      const batch = randn(rng, [4, 3]);
      const loss = (p: typeof params, xs: Tensor) => T.sum(T.square(T.add(T.add(T.matmul(xs, p.w), p.b), p.extra[0]!)));
      const g = grad(loss)(params, batch);
      expect(Object.keys(g).sort()).toEqual(['b', 'extra', 'w']);
      expect(g.w.shape).toEqual([3, 3]);
      expect(g.b.shape).toEqual([3]);
      expect(g.extra[0].shape).toEqual([]);
      expect(g.b.dtype).toBe('float64');
      const r = T.mul(2, T.add(T.add(T.matmul(batch, params.w), params.b), params.extra[0]!));
      close(g.b, T.sum(r, { axis: 0 }));
      close(g.extra[0], T.sum(r));
      close(g.w, T.matmul(T.transpose(batch), r));
    });
  });

  describe('forward mode and linearize', () => {
    it('jvp with pytrees of primals and tangents', () => {
      const f = (p: { a: Tensor; b: [Tensor] }) => ({ s: T.sum(T.mul(p.a, p.b[0])), d: T.sin(p.a) });
      const p = { a: x, b: [T.cos(x)] as [Tensor] };
      const t = { a: T.onesLike(x), b: [T.zerosLike(x)] as [Tensor] };
      const [y, dy] = jvp(f, [p], [t]);
      close(y.s, T.sum(T.mul(x, T.cos(x))));
      close(dy.s, T.sum(T.cos(x)));
      close(dy.d, T.cos(x));
      // @ts-expect-error a tangent of the wrong structure (a type error, and a clear error in plain JS)
      expect(() => jvp(f, [p], [{ a: t.a }])).toThrow(/jvp: structures differ at \[0\]: the primal tree has \{a: \*, b: \[\*\]\}, the tangent tree has \{a: \*\}/);
    });
    it('linearize gives the jvp as a linear function', () => {
      const [y, fLin] = linearize((v: Tensor) => T.exp(T.sin(v)), x);
      close(y, T.exp(T.sin(x)));
      close(fLin(T.onesLike(x)), T.mul(T.exp(T.sin(x)), T.cos(x)));
    });
    it('linearTranspose of a linear function built from primitives', () => {
      const w = randn(rng, [3, 2]);
      const ft = linearTranspose((v: Tensor) => T.matmul(v, w), m);
      const ct = randn(rng, [2, 2]);
      close(ft(ct)[0], T.matmul(ct, T.transpose(w)));
    });
    // Regression: work on constants (broadcasting the scalar 2) used to be treated as linear.
    it('linearTranspose of v => 2 * v', () => {
      const ft = linearTranspose((v: Tensor) => T.mul(v, 2), x);
      close(ft(T.onesLike(x))[0], T.fullLike(x, 2));
    });
  });

  describe('vmap axes', () => {
    it('inAxes as a pytree prefix, with null for shared leaves', () => {
      const params = { w: randn(rng, [3, 2]), b: randn(rng, [2]) };
      const xs = randn(rng, [4, 3]);
      const apply = (p: typeof params, v: Tensor) => T.add(T.matmul(v, p.w), p.b);
      const batched = vmap(apply, { inAxes: [{ w: null, b: null }, 0] })(params, xs);
      close(batched, T.add(T.matmul(xs, params.w), params.b));
      const perB = vmap(apply, { inAxes: [{ w: null, b: 0 }, 0] })({ w: params.w, b: T.stack([params.b, params.b, params.b, params.b]) }, xs);
      close(perB, batched);
      expect(() => vmap(apply, { inAxes: [{ w: null }, 0] })(params, xs)).toThrow(/vmap: argument axes .* are not a prefix/);
    });
    it('outAxes: positive, negative, per output leaf, null for unmapped outputs', () => {
      const f = (v: Tensor, c: Tensor) => [T.sin(v), T.cos(c)];
      const [a, b] = vmap(f, { inAxes: [0, null], outAxes: [1, null] })(m, x);
      close(a, T.transpose(T.sin(m)));
      close(b, T.cos(x));
      close(vmap(T.sin, { outAxes: -1 })(m), T.transpose(T.sin(m)));
      close(vmap(T.sin, { inAxes: -1 })(m), T.transpose(T.sin(m)));
      expect(() => vmap(f, { inAxes: [0, null], outAxes: [null, null] })(m, x)).toThrow(/an output that depends on the mapped axis cannot have outAxes null/);
    });
    it('axisSize when no argument is mapped; batch size 1', () => {
      const out = vmap((c: Tensor) => T.cos(c), { inAxes: [null], axisSize: 4 })(x);
      expect(out.shape).toEqual([4, 3]);
      close(T.slice(out, [{ start: 2, stop: 3 }]), T.expandDims(T.cos(x), 0));
      expect(() => vmap((c: Tensor) => T.cos(c), { inAxes: [null] })(x)).toThrow(/no argument is mapped .* pass axisSize/);
      close(vmap(T.sin)(T.expandDims(x, 0)), T.expandDims(T.sin(x), 0));
    });
    // Regression: inAxes/outAxes null (map nothing) used to become 0.
    it('inAxes: null for every argument means nothing is mapped', () => {
      const out = vmap((c: Tensor) => T.cos(c), { inAxes: null, axisSize: 4 })(x);
      expect(out.shape).toEqual([4, 3]);
    });
    it('vmap of vmap', () => {
      const cube = randn(rng, [2, 3, 4]);
      close(vmap(vmap((v: Tensor) => T.sum(T.square(v))))(cube), T.sum(T.square(cube), { axis: 2 }));
      close(vmap(vmap((v: Tensor) => T.sum(v), { inAxes: 1 }), { inAxes: 2 })(cube), T.transpose(T.sum(cube, { axis: 0 })));
    });
  });

  describe('jacobians and higher derivatives', () => {
    it('jacfwd and jacrev shapes for non-vector inputs and outputs', () => {
      const f = (v: Tensor) => T.matmul(T.transpose(v), v); // [2, 3] -> [3, 3]
      expect(jacfwd(f)(m).shape).toEqual([3, 3, 2, 3]);
      expect(jacrev(f)(m).shape).toEqual([3, 3, 2, 3]);
      expect(jacfwdMatchesJacrev(f, [m])).toBe(true);
      const s = (v: Tensor) => T.sum(T.sin(v)); // [2, 3] -> []
      expect(jacrev(s)(m).shape).toEqual([2, 3]);
      close(jacfwd(s)(m), T.cos(m));
      const tree = jacrev((p: { a: Tensor; b: Tensor }) => ({ y: T.mul(p.a, T.sum(p.b)) }))({ a: x, b: m });
      expect(tree.y.a.shape).toEqual([3, 3]);
      expect(tree.y.b.shape).toEqual([3, 2, 3]);
      expect(jacfwd((v: Tensor) => T.sin(v), { argnums: 0 })(T.scalar(0.5, 'float64')).shape).toEqual([]);
    });
    it('hessian of a function of a matrix', () => {
      const f = (v: Tensor) => T.sum(T.mul(T.square(v), T.sin(v)));
      const H = hessian(f)(m);
      expect(H.shape).toEqual([2, 3, 2, 3]);
      const d2 = T.add(T.sub(T.mul(2, T.sin(m)), T.mul(T.square(m), T.sin(m))), T.mul(T.mul(4, m), T.cos(m)));
      close(T.reshape(H, [6, 6]), T.mul(T.eye(6, 6, { dtype: 'float64' }), T.reshape(d2, [1, 6])), 1e-9);
    });
    it('grad(grad(f)) and third derivatives of x^3', () => {
      const cube = (v: Tensor) => T.mul(v, T.mul(v, v));
      const v = T.scalar(1.5, 'float64');
      expect(grad(cube)(v).item()).toBeCloseTo(3 * 1.5 ** 2, 12);
      expect(grad(grad(cube))(v).item()).toBeCloseTo(6 * 1.5, 12);
      expect(grad(grad(grad(cube)))(v).item()).toBeCloseTo(6, 12);
      expect(jvp(grad(cube), [v], [T.scalar(1, 'float64')])[1].item()).toBeCloseTo(9, 12);
    });
    it('nested derivatives do not confuse perturbations', () => {
      const one = T.scalar(1, 'float64');
      // d/dx [x * d/dy (x + y)] = 1, not 2.
      expect(jvp((v: Tensor) => T.mul(v, jvp((y: Tensor) => T.add(v, y), [one], [one])[1]), [one], [one])[1].item()).toBe(1);
      // d/dx [x * d/dy (x * y)] = d/dx x^2 = 2x.
      expect(grad((v: Tensor) => T.mul(v, grad((y: Tensor) => T.mul(v, y))(one)))(T.scalar(3, 'float64')).item()).toBe(6);
    });
    it('per-example gradients with vmap(grad)', () => {
      const loss = (w: Tensor, v: Tensor) => T.sum(T.square(T.mul(w, v)));
      const w = randn(rng, [3]);
      const xs = randn(rng, [5, 3]);
      const per = vmap(grad(loss), { inAxes: [null, 0] })(w, xs);
      expect(per.shape).toEqual([5, 3]);
      close(per, T.mul(T.mul(2, w), T.square(xs)));
    });
  });

  describe('JAX conveniences: hasAux everywhere, argnums lists on jacobians, allowInt, evalShape(f, ...args)', () => {
    const a = f64([1, 2]);
    const b = f64([0.5, -1, 3]);
    // f(a, b) = outer(a, b) * 2: d/da = 2 b_j δ_ik, d/db = 2 a_i δ_jk.
    const f = (u: Tensor, v: Tensor) => T.mul(T.outer(u, v), 2);
    it('jacfwd/jacrev with argnums [0, 1] give a tuple of jacobians (closed form)', () => {
      // ja[i, j, k] = 2 b_j δ_ik and jb[i, j, k] = 2 a_i δ_jk.
      const expectedA = f64([[[1, 0], [-2, 0], [6, 0]], [[0, 1], [0, -2], [0, 6]]]);
      const i3 = T.eye(3, 3, { dtype: 'float64' });
      const expectedB = T.stack([T.mul(i3, 2), T.mul(i3, 4)]);
      for (const jac of [jacfwd(f, { argnums: [0, 1] }), jacrev(f, { argnums: [0, 1] })]) {
        const [ja, jb] = jac(a, b);
        expect(ja.shape).toEqual([2, 3, 2]);
        expect(jb.shape).toEqual([2, 3, 3]);
        close(ja, expectedA);
        close(jb, expectedB);
      }
      // A single index in a list is a 1-tuple, as in JAX.
      const [only] = jacrev(f, { argnums: [1] })(a, b);
      close(only, expectedB);
      expect(() => jacfwd(f, { argnums: [0, 2] })(a, b)).toThrow(/jacfwd: argnums \[0,2\] out of range for 2 arguments/);
      expect(() => jacrev(f, { argnums: [] })(a, b)).toThrow(/jacrev: argnums must not be an empty array/);
      expect(() => jacrev(f, { argnums: [1, 1] })(a, b)).toThrow(/repeats an argument/);
    });
    it('hessian with argnums [0, 1] nests the blocks H[i][j] = d²f / d(arg i) d(arg j)', () => {
      // g(a, c) = sum(a² c): H_aa = 2c δ, H_ac = 2a δ, H_cc = 0.
      const g = (u: Tensor, c: Tensor) => T.sum(T.mul(T.square(u), c));
      const c = f64([3, -1]);
      const [[haa, hac], [hca, hcc]] = hessian(g, { argnums: [0, 1] })(a, c);
      close(haa, T.mul(T.eye(2, 2, { dtype: 'float64' }), T.mul(c, 2)));
      close(hac, T.mul(T.eye(2, 2, { dtype: 'float64' }), T.mul(a, 2)));
      close(hca, hac);
      close(hcc, T.zeros([2, 2], 'float64'));
    });
    it('hasAux on jacfwd, jacrev, hessian, vjp and linearize returns the aux next to the result', () => {
      const withAux = (u: Tensor): [Tensor, { norm: Tensor; tag: string }] => [T.sin(u), { norm: T.sum(T.square(u)), tag: 'aux' }];
      const [jf, auxF] = jacfwd(withAux, { hasAux: true })(a);
      const [jr, auxR] = jacrev(withAux, { hasAux: true })(a);
      close(jf, T.mul(T.eye(2, 2, { dtype: 'float64' }), T.cos(a)));
      close(jr, jf);
      for (const aux of [auxF, auxR]) {
        close(aux.norm, f64(5));
        expect(aux.tag).toBe('aux');
      }
      const scalarAux = (u: Tensor): [Tensor, Tensor] => [T.sum(T.mul(T.square(u), u)), T.max(u)];
      const [h, hAux] = hessian(scalarAux, { hasAux: true })(a);
      close(h, T.mul(T.eye(2, 2, { dtype: 'float64' }), T.mul(a, 6)));
      close(hAux, f64(2));
      const [y, back, vAux] = vjp(withAux, a, { hasAux: true });
      close(y, T.sin(a));
      close(back(T.onesLike(y))[0], T.cos(a));
      close(vAux.norm, f64(5));
      const [y2, fLin, lAux] = linearize(withAux, a, { hasAux: true });
      close(y2, T.sin(a));
      close(fLin(f64([1, 1])), T.cos(a));
      expect(lAux.tag).toBe('aux');
      // The trailing options object is checked: a misspelled option is an error, not a primal.
      // @ts-expect-error hasAx is not an option (and withAux takes one argument)
      expect(() => vjp(withAux, a, { hasAx: true })).toThrow(/vjp: unknown option "hasAx" \(valid options: hasAux\)/);
      // @ts-expect-error with hasAux the function must return [output, aux]
      expect(() => jacfwd((u: Tensor) => T.sin(u), { hasAux: true })(a)).toThrow(/jacfwd: with hasAux the function must return \[output, aux\]/);
    });
    it('allowInt: integer and bool inputs get zero gradients of their own shape and dtype', () => {
      const k = T.tensor([2, 3], { dtype: 'int32' });
      const mask = T.tensor([true, false], { dtype: 'bool' });
      const g = (u: Tensor, n: Tensor, m: Tensor) => T.sum(T.mul(T.mul(u, T.astype(n, 'float64')), T.astype(m, 'float64')));
      const [gu, gn, gm] = grad(g, { argnums: [0, 1, 2], allowInt: true })(a, k, mask);
      expect(values(gu)).toEqual([2, 0]);
      expect([gn.dtype, values(gn)]).toEqual(['int32', [0, 0]]);
      expect([gm.dtype, values(gm)]).toEqual(['bool', [0, 0]]);
      const [value, gk] = valueAndGrad(g, { argnums: 1, allowInt: true })(a, k, mask);
      expect(value.item()).toBe(2);
      expect([gk.dtype, values(gk)]).toEqual(['int32', [0, 0]]);
      const [ju, jn] = jacrev((u: Tensor, n: Tensor) => T.mul(u, T.astype(n, 'float64')), { argnums: [0, 1], allowInt: true })(a, k);
      close(ju, f64([[2, 0], [0, 3]]));
      expect([jn.dtype, jn.shape, values(jn)]).toEqual(['int32', [2, 2], [0, 0, 0, 0]]);
      expect(() => grad(g, { argnums: 1 })(a, k, mask)).toThrow(/pass allowInt: true/);
      // @ts-expect-error allowInt is grad's, valueAndGrad's and jacrev's option, not jacfwd's (as in JAX)
      expect(() => jacfwd(g, { allowInt: true })).toThrow(/jacfwd: unknown option "allowInt"/);
    });
    it('evalShape(f, ...args) takes the arguments directly, as JAX', () => {
      const out = evalShape((u: Tensor, v: Tensor) => [T.outer(u, v), T.sum(u)], new ShapeDtype([4]), T.zeros([5]));
      expect(out.map((s) => [s.shape, s.dtype])).toEqual([[[4, 5], 'float32'], [[], 'float32']]);
    });
  });

  describe('stopGradient and custom rules', () => {
    it('stopGradient passes values and blocks derivatives', () => {
      const f = (v: Tensor) => T.sum(T.mul(v, T.stopGradient(v)));
      close(grad(f)(x), x);
      close(jvp(T.stopGradient, [x], [T.onesLike(x)])[1], T.zerosLike(x));
      close(T.stopGradient(x), x);
      close(vmap(grad((v: Tensor) => T.sum(T.stopGradient(T.square(v)))))(m), T.zerosLike(m));
    });
    it('customJvp: the rule is used by jvp, grad and vjp, and under vmap', () => {
      const safeLog = customJvp((v: Tensor) => T.log(v), ([v], [t]) => [T.log(v), T.div(t, v)]);
      const clipped = customJvp((v: Tensor) => T.sin(v), ([v], [t]) => [T.sin(v), T.mul(t, 10)]);
      const pos = T.add(T.abs(x), 0.5);
      close(jvp(safeLog, [pos], [T.onesLike(pos)])[1], T.reciprocal(pos));
      close(grad((v: Tensor) => T.sum(clipped(v)))(x), T.fullLike(x, 10));
      close(vjp(clipped, x)[1](T.onesLike(x))[0], T.fullLike(x, 10));
      close(vmap(grad((v: Tensor) => T.sum(clipped(v))))(m), T.fullLike(m, 10));
      close(grad(grad((v: Tensor) => T.sum(safeLog(v))))(T.scalar(2, 'float64')), T.scalar(-0.25, 'float64'));
    });
    it('customVjp: bwd is used by grad and vjp and under vmap; forward mode says it is unavailable', () => {
      // Residuals computed from the inputs (the working pattern; see the bug below).
      const clipGrad = customVjp((v: Tensor) => T.sin(v), (v: Tensor) => [T.sin(v), T.cos(v)], (c: Tensor, g: Tensor) => [T.clip(T.mul(g, c), -0.1, 0.1)]);
      const expected = T.clip(T.cos(x), -0.1, 0.1);
      close(grad((v: Tensor) => T.sum(clipGrad(v)))(x), expected);
      close(vjp(clipGrad, x)[1](T.onesLike(x))[0], expected);
      close(vmap(grad((v: Tensor) => T.sum(clipGrad(v))))(T.stack([x, x])), T.stack([expected, expected]));
      close(clipGrad(x), T.sin(x));
      expect(() => jvp(clipGrad, [x], [T.onesLike(x)])).toThrow(/customVjp: forward-mode differentiation .* is not available/);
    });
    // Regression: residuals that are the primal inputs used to leak as dead tracers into bwd.
    it('customVjp with the input itself as residual', () => {
      const sinVjp = customVjp((v: Tensor) => T.sin(v), (v: Tensor) => [T.sin(v), v], (v: Tensor, g: Tensor) => [T.mul(g, T.cos(v))]);
      close(grad((v: Tensor) => T.sum(sinVjp(v)))(x), T.cos(x));
    });
  });

  describe('checkGrads', () => {
    const tanhRule = customJvp((v: Tensor) => T.tanh(v), ([v], [t]) => [T.tanh(v), T.mul(t, T.sub(1, T.square(T.tanh(v))))]);
    const wrongRule = customJvp((v: Tensor) => T.tanh(v), ([v], [t]) => [T.tanh(v), T.mul(t, T.sub(1, T.tanh(v)))]);
    const sinBwd = customVjp((v: Tensor) => T.sin(v), (v: Tensor) => [T.sin(v), T.cos(v)], (c: Tensor, g: Tensor) => [T.mul(g, c)]);
    const wrongBwd = customVjp((v: Tensor) => T.sin(v), (v: Tensor) => [T.sin(v), T.cos(v)], (c: Tensor, g: Tensor) => [T.mul(g, T.add(c, 0.1))]);

    it('accepts correct derivatives and custom rules, orders 1 and 2', () => {
      expect(checkGrads((v: Tensor) => T.sum(T.sin(v)), [x])).toBe(true);
      expect(checkGrads((p: { w: Tensor; b: Tensor }, v: Tensor) => T.tanh(T.add(T.matmul(v, p.w), p.b)), [{ w: randn(rng, [3, 2]), b: randn(rng, [2]) }, m], { order: 2 })).toBe(true);
      expect(checkGrads(tanhRule, [x], { order: 2 })).toBe(true);
      expect(checkGrads(sinBwd, [x], { modes: ['rev'] })).toBe(true);
    });
    it('rejects a wrong custom rule with the mode, order and numbers', () => {
      expect(() => checkGrads(wrongRule, [x], { modes: ['fwd'] })).toThrow(/^checkGrads: fwd-mode derivative \(jvp\) \(order 1\) vs central finite differences \(eps 0.000001\): index \[\d\]: -?[\d.e-]+ vs -?[\d.e-]+ differ by [\d.e-]+, more than [\d.e-]+ \(atol 0.00001 \+ float64 rtol 0.00001 × [\d.e-]+, the larger value\)$/);
      expect(() => checkGrads(wrongRule, [x], { modes: ['rev'] })).toThrow(/^checkGrads: rev-mode derivative \(vjp\) \(order 1\) vs central finite differences \(eps 0.000001\): <u, J v> for random u, v: the root: -?[\d.e-]+ vs -?[\d.e-]+ differ by/);
      expect(() => checkGrads(wrongBwd, [x], { modes: ['rev'] })).toThrow(/rev-mode derivative \(vjp\) \(order 1\)/);
    });
    it('takes its tolerance as an Approx and names unknown options', () => {
      expect(checkGrads(wrongRule, [x], { modes: ['fwd'], approx: approx({ rtol: 10, atol: 10 }) })).toBe(true);
      expect(() => checkGrads(tanhRule, [x], { atol: 1e-3 } as never)).toThrow("checkGrads: unknown option 'atol'; expected one of order, modes, eps, approx, seed (tolerances are given as approx: approx({ rtol, atol }))");
      expect(() => checkGrads(tanhRule, [x], { modes: ['forward'] } as never)).toThrow(/modes must hold 'fwd' and\/or 'rev', got "forward"/);
    });
    it('order 2 catches a rule whose first derivative is right but whose second is wrong', () => {
      // The rule's tangent is right at x but it is built from a stopped x, so its own derivative is 0.
      const frozen = customJvp((v: Tensor) => T.sin(v), ([v], [t]) => [T.sin(v), T.mul(t, T.cos(T.stopGradient(v)))]);
      expect(checkGrads(frozen, [x], { order: 1 })).toBe(true);
      expect(() => checkGrads(frozen, [x], { order: 2, modes: ['fwd'] })).toThrow(/fwd-mode derivative \(jvp\) \(order 2\)/);
    });
    it('float32 inputs use looser defaults', () => {
      const x32 = T.astype(x, 'float32');
      expect(checkGrads((v: Tensor) => T.sum(T.exp(T.sin(v))), [x32])).toBe(true);
      expect(() => checkGrads(wrongRule, [x32], { modes: ['fwd'] })).toThrow(/order 1/);
    });
    it('is a law over random inputs: smooth compositions pass', () => {
      fc.assert(fc.property(fc.nat(1 << 20), (s) => {
        const v = randn(new Rng(s), [2, 2]);
        return checkGrads((a: Tensor) => T.logsumexp(T.matmul(a, T.tanh(a)), { axis: 1 }), [v], { order: 2, seed: s });
      }), { seed: SEED, numRuns: 10 });
    });
  });
});
