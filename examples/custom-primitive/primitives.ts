/**
 * Two primitives defined outside the library with tensorlaw/extend, each with all of its rules.
 * docs/extend.md walks through this file; test/extend.test.ts runs it through grad, vmap, jit and
 * the jvp/vjp duality law, on the CPU and on WebGPU.
 */
import { definePrimitive } from '../../src/extend';
import { moveaxis, mul, sigmoid, type Tensor } from '../../src';

/** softplus(x) = log(1 + e^x) without overflow: nonlinear, elementwise, float only. */
const softplusPrimitive = definePrimitive({
  name: 'stableSoftplus',
  // Shape rule: the operand's shape and dtype, which must be a float dtype.
  abstractEval: ([x]) => {
    if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new Error(`stableSoftplus: expects a float tensor, got ${x.dtype}`);
    return x;
  },
  // CPU kernel: fill the fresh output array from the input's data.
  cpu: ([x], _params, out) => {
    for (let i = 0; i < out.data.length; i++) {
      const v = x.data[i];
      out.data[i] = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    }
  },
  // WebGPU kernel: WGSL computing output element i from the input array x0.
  webgpu: () => 'let v = x0[i];\ny[i] = select(log(1.0 + exp(v)), v + log(1.0 + exp(-v)), v > 0.0);',
  // Forward mode: d softplus(x) = sigmoid(x) dx. Reverse mode transposes this (mul is linear in t).
  jvp: ([x], [t]) => mul(t, sigmoid(x)),
  // Batching: elementwise, so the batch axis stays where it is.
  batch: ([x], [axis]) => [softplus(x), axis],
});

/** A cyclic shift along the last axis, y[..., (j + shift) mod n] = x[..., j]: linear, with a parameter. */
const rollPrimitive = definePrimitive<{ readonly shift: number }>({
  name: 'rollLast',
  abstractEval: ([x], { shift }) => {
    if (x.shape.length === 0 || !Number.isInteger(shift)) throw new Error(`rollLast: expects a tensor of rank >= 1 and an integer shift, got rank ${x.shape.length} and shift ${shift}`);
    return x;
  },
  cpu: ([x], { shift }, out) => {
    const n = x.shape[x.shape.length - 1];
    const s = ((shift % n) + n) % n;
    for (let row = 0; row < out.data.length; row += n) {
      for (let j = 0; j < n; j++) out.data[row + ((j + s) % n)] = x.data[row + j];
    }
  },
  webgpu: ({ out, params }) => {
    const n = out.shape[out.shape.length - 1];
    const s = ((params.shift % n) + n) % n;
    return `let j = i % ${n}u;\ny[i] = x0[i - j + (j + ${n - s}u) % ${n}u];`;
  },
  // Linear: the tangent is the primitive applied to the tangent...
  jvp: (_primals, [t], { shift }) => roll(t, shift),
  // ...and the transpose shifts the cotangent back.
  transpose: (ct, _args, { shift }) => [roll(ct, -shift)],
  // The last axis must stay last: put the batch axis first (an unbatched operand stays as it is).
  batch: ([x], [axis], { shift }) => (axis === null ? [roll(x, shift), null] : [roll(moveaxis(x, axis, 0), shift), 0]),
});

/** softplus(x), elementwise. */
export function softplus(x: Tensor): Tensor {
  return softplusPrimitive([x], {});
}

/** x shifted cyclically by `shift` along its last axis. */
export function roll(x: Tensor, shift: number): Tensor {
  return rollPrimitive([x], { shift });
}
