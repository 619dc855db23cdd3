/**
 * Chaining methods on Tensor (`x.add(y).exp()`), each a thin call to the free function of the
 * same name. Their types are declared with the class in core.ts (an interface merged with it,
 * so they appear in the published declarations); the implementations are attached here, so the
 * core stays independent of the ops at run time.
 */
import { Tensor } from './core';
import { tensorMethodNames } from './methodNames';
import * as ops from './ops';

const proto = Tensor.prototype as unknown as Record<string, unknown>;
Object.defineProperty(proto, 'at', {
  get(this: Tensor) {
    return ops.at(this);
  },
});
for (const name of tensorMethodNames) {
  const fn: (x: Tensor, ...args: never[]) => unknown = ops[name];
  proto[name] = function (this: Tensor, ...args: never[]) {
    return fn(this, ...args);
  };
}
