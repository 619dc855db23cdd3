/** Bad inputs to the transformations, jit and the tree utilities. */
import * as T from '../src/index';
import * as tree from '../src/tree';
import { bad, badInputSuite } from './badInput.helpers';

const v = T.tensor([1, 2, 3]);
const f = (a: T.Tensor) => T.sum(a);

badInputSuite('transformations', [
  bad('grad', () => T.grad(undefined as never), 'undefined', 'must be a function'),
  bad('grad', () => T.grad(f, { argnum: 0 } as never), '"argnum"', 'valid options: argnums, hasAux'),
  bad('grad', () => T.grad(f, { argnums: 3 })(v), 'argnums 3', 'out of range for 1 arguments'),
  bad('grad', () => T.grad(f)(T.tensor([1], 'int32')), 'int32[1]', 'only float32/float64 inputs'),
  bad('grad', () => T.grad((a: T.Tensor) => a)(v), 'float32[3]', 'must return a scalar'),
  bad('grad', () => T.grad(f)('a' as never), 'got string', 'a Tensor or a number'),
  bad('valueAndGrad', () => T.valueAndGrad(3 as never), 'got 3', 'must be a function'),
  bad('vjp', () => T.vjp(null as never, v), 'null', 'must be a function'),
  bad('vjp', () => T.vjp(f, v)[1](T.zeros([2])), 'float32[2]', 'must be float32[] to match its primal'),
  bad('jvp', () => T.jvp('f' as never, [v], [v]), '"f"', 'must be a function'),
  bad('jvp', () => T.jvp(f, v as never, [v]), 'float32[3]', 'primals must be an array'),
  bad('jvp', () => T.jvp((p: { w: T.Tensor }) => T.sum(p.w), [{ w: v }], [{ b: v }] as never), '{b: *}', 'the primal tree has {w: *}'),
  bad('jvp', () => T.jvp(f, [v], [T.zeros([2])]), 'float32[2]', 'must be float32[3] to match its primal'),
  bad('jvp', () => T.jvp(f, [v], [v], { aux: true } as never), '"aux"', 'valid options: hasAux'),
  bad('linearize', () => T.linearize(undefined as never, v), 'undefined', 'must be a function'),
  bad('linearTranspose', () => T.linearTranspose(undefined as never, v), 'undefined', 'must be a function'),
  bad('vmap', () => T.vmap(undefined as never), 'undefined', 'must be a function'),
  bad('vmap', () => T.vmap(f, { in_axes: 0 } as never), '"in_axes"', 'valid options: inAxes, outAxes, axisSize'),
  bad('vmap', () => T.vmap(f, { inAxes: 2 })(v), 'axis 2', '-1 <= axis < 1'),
  bad('jacfwd', () => T.jacfwd(5 as never), 'got 5', 'must be a function'),
  bad('jacrev', () => T.jacrev(f, { argnum: 0 } as never), '"argnum"', 'valid options: argnums'),
  bad('hessian', () => T.hessian(undefined as never), 'undefined', 'must be a function'),
  bad('makeJaxpr', () => T.makeJaxpr(undefined as never), 'undefined', 'must be a function'),
  bad('evalShape', () => (T.evalShape as (g: unknown) => unknown)(undefined), 'undefined', 'must be a function'),
  bad('stopGradient', () => T.stopGradient('a' as never), '"a"', 'a tensor, a number or a pytree'),
]);

badInputSuite('jit', [
  bad('jit', () => T.jit(undefined as never), 'undefined', 'must be a function'),
  bad('jit', () => T.jit(f, { staticArgnum: 0 } as never), '"staticArgnum"', 'valid options: staticArgnums, donateArgnums'),
  bad('jit', () => T.jit(f, { staticArgnums: 3 })(v), 'argnum 3', 'out of range for 1 arguments'),
  bad('jit', () => T.jit(f, { staticArgnums: 'a' as never }), 'options.staticArgnums', 'got "a"'),
  bad('jit', () => T.jit(f, { donateArgnums: [1.5] }), 'options.donateArgnums', 'got [1.5]'),
  bad('jit', () => T.jit(f)('a' as never), 'leaf 0 is string', 'mark non-tensor arguments with staticArgnums'),
]);

badInputSuite('tree', [
  bad('tree.map', () => tree.map(undefined as never, { a: 1 }), 'undefined', 'a function of the leaves'),
  bad('tree.map', () => tree.map((a: number) => a, { a: 1 }, { b: 1 }), 'tree 2 has {b: *}', 'tree 1 has {a: *}'),
  bad('tree.map', () => tree.map((a: number) => a, { a: [1, 2] }, { a: [1] }), 'at .a', 'tree 1 has [*, *], tree 2 has [*]'),
  bad('tree.mapWithPath', () => tree.mapWithPath(3 as never, { a: 1 }), 'got 3', 'a function of the leaves'),
  bad('tree.reduce', () => tree.reduce(3 as never, { a: 1 }, 0), 'got 3', 'a function of the leaves'),
  bad('tree.zip', () => tree.zip({ a: 1 }, { a: [1, 2] }), 'at .a', 'tree 1 has a leaf, tree 2 has [*, *]'),
  bad('tree.unflatten', () => tree.unflatten(tree.structure({ a: 1 }), [1, 2]), 'got 2', 'holds 1 leaves'),
  bad('tree.partition', () => tree.partition({ a: 1 }, { a: 'yes' }), 'string at .a', 'mask leaves must be booleans'),
  bad('tree.combine', () => tree.combine({ a: 1 }, { a: [1] }), 'at .a', 'a leaf and an array of length 1'),
  bad('tree.treeAt', () => tree.treeAt({ a: 1 }, ['b'], 2), 'no node at .b', 'has keys {a}'),
  bad('tree.flattenUpTo', () => tree.flattenUpTo(tree.structure({ a: 1, b: 2 }), { a: 1 }), 'the tree has {a: *}', 'the prefix has {a: *, b: *}'),
]);
