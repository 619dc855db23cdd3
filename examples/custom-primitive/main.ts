/**
 * User-defined primitives in use (primitives.ts defines them with tensorlaw/extend; see
 * docs/extend.md): their values, gradients and batching, then a small network with the custom
 * softplus as its activation, trained by a jitted Adam step on targets made with the custom roll.
 *
 *   npx tsx examples/custom-primitive/main.ts
 *   npx tsx examples/custom-primitive/main.ts --steps 100
 */
import * as T from '../../src';
import * as optim from '../../src/optim';
import * as random from '../../src/random';
import { numberArg } from '../common/args';
import { roll, softplus } from './primitives';

const steps = numberArg('steps', 400);

const x = T.tensor([[-2, 0, 3]]);
console.log('softplus', softplus(x).toString());
console.log('grad of sum(roll(softplus(x), 1)) = sigmoid(x):', T.grad((v: T.Tensor) => T.sum(roll(softplus(v), 1)))(x).toString());
console.log('vmap(roll by 1)', T.vmap((row: T.Tensor) => roll(row, 1))(T.tensor([[1, 2, 3], [4, 5, 6]])).toString());

// Targets: a fixed mix of the inputs rotated by two places; the model must learn the rotation.
const [kx, kw, kv] = random.splitList(random.key(0), 3);
const inputs = random.normal(kx, [256, 8]);
const targets = T.sum(T.mul(roll(inputs, 2), T.linspace(-1, 1, 8)), { axis: -1, keepdims: true });
type Params = { w: T.Tensor; v: T.Tensor };
const params0: Params = { w: T.mul(random.normal(kw, [8, 32]), 0.3), v: T.mul(random.normal(kv, [32, 1]), 0.3) };
const loss = (p: Params) => T.mean(T.square(T.sub(T.matmul(softplus(T.matmul(inputs, p.w)), p.v), targets)));

const optimizer = optim.adam(1e-2);
const step = T.jit((p: Params, s: optim.AdamState): [Params, optim.AdamState, T.Tensor] => {
  const [l, g] = T.valueAndGrad(loss)(p);
  const [updates, next] = optimizer.update(g, s, p);
  return [optim.applyUpdates(p, updates), next, l];
});
let [p, s] = [params0, optimizer.init(params0)];
const before = Number(loss(p).item());
for (let i = 0; i < steps; i++) [p, s] = step(p, s);
console.log(`mse before training ${before.toFixed(4)}, after ${steps} jitted Adam steps ${Number(loss(p).item()).toFixed(4)}`);
