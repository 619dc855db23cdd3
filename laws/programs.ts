/**
 * Random well-typed programs over the primitive set, for running the transformation laws on
 * compositions rather than single primitives. A program is a list of steps over a few float64
 * inputs of small shapes; each step applies an operation to earlier values (unary math with
 * domain guards such as log(1 + x^2), broadcasting binary ops, reductions, movement ops,
 * matmul, softmax/logsumexp, ...) and the program returns either the sum of every value it
 * computed (a scalar) or its last value (a tensor). Shapes are tracked while generating, so
 * every program traces; shrinking drops steps and simplifies choices.
 *
 *   const p = buildProgram([[3]], [[0, 0, 0, 0]], 'sum');           // sum(sin(a))
 *   jvpMatchesFiniteDifferences(runProgram(p), p.sample(1), 1);      // true
 *
 * The fast-check arbitrary of programs is `programArb` in ./arbitraries.
 */
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { cond, fori, scan, switchCase, whileLoop } from '../src/grad';
import { Rng, uniform } from './gradUtil';

type Shape = readonly number[];

export interface Step {
  readonly op: string;
  /** Indices of the values the step reads (inputs first, then earlier steps). */
  readonly args: readonly number[];
  /** Small integer parameter (an axis, a choice), already resolved for the shapes. */
  readonly param: number;
  readonly shape: Shape;
}

export interface Program {
  readonly inputs: readonly Shape[];
  readonly steps: readonly Step[];
  /** 'sum': a scalar, the sum of every step's value (or of the inputs without steps); 'last': the last value. */
  readonly output: 'sum' | 'last';
  /** Input values (uniform in [-2, 2]) from a seed; each seed gives another example of the same program. */
  sample(seed: number): Tensor[];
  toString(): string;
}

interface OpDef {
  readonly arity: 1 | 2;
  /** Resolve the parameter and the output shape, or undefined when the op does not apply. */
  readonly plan: (shapes: readonly Shape[], param: number) => { param: number; shape: Shape } | undefined;
  readonly apply: (xs: readonly Tensor[], param: number) => Tensor;
  readonly render: (names: readonly string[], param: number) => string;
}

const sq = (x: Tensor) => T.mul(x, x);
const onePlusSq = (x: Tensor) => T.add(1, sq(x));
const same = (shapes: readonly Shape[]) => ({ param: 0, shape: shapes[0]! });

/** An elementwise unary op, written with the guard it applies. */
const unary = (text: (x: string) => string, apply: (x: Tensor) => Tensor): OpDef => ({
  arity: 1, plan: same, apply: ([x]) => apply(x!), render: ([x]) => text(x!),
});

function broadcastOk(a: Shape, b: Shape): Shape | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1, db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(Math.max(da, db));
  }
  return out;
}

/** A binary op with numpy broadcasting. */
const binary = (text: (a: string, b: string) => string, apply: (a: Tensor, b: Tensor) => Tensor): OpDef => ({
  arity: 2,
  plan: ([a, b]) => {
    const s = broadcastOk(a!, b!);
    return s && { param: 0, shape: s };
  },
  apply: ([a, b]) => apply(a!, b!),
  render: ([a, b]) => text(a!, b!),
});

const axisOf = (shape: Shape, p: number) => p % shape.length;
const dropAxis = (shape: Shape, axis: number) => shape.filter((_, i) => i !== axis);

/** A reduction over one axis (param = axis) of a tensor of rank >= 1. */
const reduction = (name: string | ((x: string) => string), apply: (x: Tensor, axis: number) => Tensor, keep = false): OpDef => ({
  arity: 1,
  plan: ([s], p) => (s!.length === 0 ? undefined : { param: axisOf(s!, p), shape: keep ? s! : dropAxis(s!, axisOf(s!, p)) }),
  apply: ([x], axis) => apply(x!, axis),
  render: ([x], axis) => `${typeof name === 'string' ? name : 'prod'}(${typeof name === 'string' ? x : name(x!)}, axis=${axis})`,
});

const OPS: Readonly<Record<string, OpDef>> = {
  sin: unary((x) => `sin(${x})`, T.sin),
  cos: unary((x) => `cos(${x})`, T.cos),
  tanh: unary((x) => `tanh(${x})`, T.tanh),
  sigmoid: unary((x) => `sigmoid(${x})`, T.sigmoid),
  erf: unary((x) => `erf(${x})`, T.erf),
  neg: unary((x) => `-${x}`, T.neg),
  abs: unary((x) => `abs(${x})`, T.abs),
  relu: unary((x) => `relu(${x})`, T.relu),
  square: unary((x) => `${x}^2`, sq),
  gauss: unary((x) => `exp(-${x}^2)`, (x) => T.exp(T.neg(sq(x)))),
  log: unary((x) => `log(1 + ${x}^2)`, (x) => T.log(onePlusSq(x))),
  log1p: unary((x) => `log1p(${x}^2)`, (x) => T.log1p(sq(x))),
  sqrt: unary((x) => `sqrt(1 + ${x}^2)`, (x) => T.sqrt(onePlusSq(x))),
  rsqrt: unary((x) => `rsqrt(1 + ${x}^2)`, (x) => T.rsqrt(onePlusSq(x))),
  expm1: unary((x) => `expm1(tanh(${x}))`, (x) => T.expm1(T.tanh(x))),
  softplus: unary((x) => `softplus(${x})`, T.softplus),
  gelu: unary((x) => `gelu(${x})`, (x) => T.gelu(x)),
  frac: unary((x) => `${x} - floor(${x})`, (x) => T.sub(x, T.floor(x))),
  add: binary((a, b) => `${a} + ${b}`, T.add),
  sub: binary((a, b) => `${a} - ${b}`, T.sub),
  mul: binary((a, b) => `${a} * ${b}`, T.mul),
  div: binary((a, b) => `${a} / (1 + ${b}^2)`, (a, b) => T.div(a, onePlusSq(b))),
  pow: binary((a, b) => `(1 + ${a}^2) ** tanh(${b})`, (a, b) => T.pow(onePlusSq(a), T.tanh(b))),
  maximum: binary((a, b) => `maximum(${a}, ${b})`, T.maximum),
  minimum: binary((a, b) => `minimum(${a}, ${b})`, T.minimum),
  atan2: binary((a, b) => `atan2(${a}, 1 + ${b}^2)`, (a, b) => T.atan2(a, onePlusSq(b))),
  select: binary((a, b) => `where(${a} > ${b}, ${a}, ${b}^2)`, (a, b) => T.where(T.greater(a, b), a, sq(b))),
  sum: reduction('sum', (x, axis) => T.sum(x, { axis })),
  mean: reduction('mean', (x, axis) => T.mean(x, { axis })),
  max: reduction('max', (x, axis) => T.max(x, { axis })),
  min: reduction('min', (x, axis) => T.min(x, { axis })),
  prod: reduction((x) => `1 + ${x}^2`, (x, axis) => T.prod(onePlusSq(x), { axis })),
  logsumexp: reduction('logsumexp', (x, axis) => T.logsumexp(x, { axis })),
  softmax: reduction('softmax', (x, axis) => T.softmax(x, { axis }), true),
  cumsum: reduction('cumsum', (x, axis) => T.cumsum(x, { axis, reverse: axis % 2 === 1 }), true),
  sumAll: { arity: 1, plan: () => ({ param: 0, shape: [] }), apply: ([x]) => T.sum(x!), render: ([x]) => `sum(${x})` },
  flatten: {
    arity: 1,
    plan: ([s]) => ({ param: 0, shape: [s!.reduce((a, b) => a * b, 1)] }),
    apply: ([x]) => T.reshape(x!, [x!.size]),
    render: ([x]) => `reshape(${x}, [-1])`,
  },
  reverseShape: {
    arity: 1,
    plan: ([s]) => ({ param: 0, shape: [...s!].reverse() }),
    apply: ([x]) => T.reshape(x!, [...x!.shape].reverse()),
    render: ([x]) => `reshape(${x}, reversed shape)`,
  },
  transpose: {
    arity: 1,
    plan: ([s]) => (s!.length < 2 ? undefined : { param: 0, shape: [...s!].reverse() }),
    apply: ([x]) => T.transpose(x!),
    render: ([x]) => `transpose(${x})`,
  },
  slice: {
    arity: 1,
    // x[1::2] along an axis of size >= 2 (strided slice).
    plan: ([s], p) => {
      if (s!.length === 0) return undefined;
      const axis = axisOf(s!, p);
      if (s![axis]! < 2) return undefined;
      return { param: axis, shape: s!.map((d, i) => (i === axis ? Math.ceil((d - 1) / 2) : d)) };
    },
    apply: ([x], axis) => T.slice(x!, x!.shape.map((_, i) => (i === axis ? { start: 1, step: 2 } : null))),
    render: ([x], axis) => `${x}[${'..., '.repeat(axis)}1::2]`,
  },
  pad: {
    arity: 1,
    plan: ([s], p) => ({ param: p % 2, shape: s!.map((d) => d + 2) }),
    apply: ([x], v) => T.pad(x!, 1, { value: v === 0 ? 0 : 0.5 }),
    render: ([x], v) => `pad(${x}, 1, value=${v === 0 ? 0 : 0.5})`,
  },
  flip: {
    arity: 1,
    plan: ([s], p) => (s!.length === 0 ? undefined : { param: axisOf(s!, p), shape: s! }),
    apply: ([x], axis) => T.flip(x!, axis),
    render: ([x], axis) => `flip(${x}, axis=${axis})`,
  },
  broadcast: {
    arity: 1,
    plan: ([s]) => (s!.length >= 3 ? undefined : { param: 0, shape: [2, ...s!] }),
    apply: ([x]) => T.broadcastTo(x!, [2, ...x!.shape]),
    render: ([x]) => `broadcastTo(${x}, [2, ...])`,
  },
  take: {
    arity: 1,
    // Gather rows [last, 0, last] along an axis.
    plan: ([s], p) => (s!.length === 0 ? undefined : { param: axisOf(s!, p), shape: s!.map((d, i) => (i === axisOf(s!, p) ? 3 : d)) }),
    apply: ([x], axis) => T.take(x!, [x!.shape[axis]! - 1, 0, x!.shape[axis]! - 1], { axis }),
    render: ([x], axis) => `take(${x}, [-1, 0, -1], axis=${axis})`,
  },
  concat: {
    arity: 2,
    plan: ([a, b], p) => {
      if (a!.length === 0) return undefined;
      const axis = axisOf(a!, p);
      const ok = b!.length === a!.length && a!.every((d, i) => i === axis || d === b![i]);
      const other = ok ? b! : a!;
      return { param: axis + (ok ? 0 : 100), shape: a!.map((d, i) => (i === axis ? d + other[i]! : d)) };
    },
    apply: ([a, b], p) => T.concatenate([a!, p >= 100 ? a! : b!], p % 100),
    render: ([a, b], p) => `concatenate([${a}, ${p >= 100 ? a : b}], axis=${p % 100})`,
  },
  matmul: {
    arity: 2,
    plan: ([a, b]) => {
      if (a!.length === 2 && b!.length === 2 && a![1] === b![0]) return { param: 0, shape: [a![0]!, b![1]!] };
      if (a!.length === 2) return { param: 1, shape: [a![0]!, a![0]!] };
      if (a!.length === 1) return { param: 2, shape: [] };
      return undefined;
    },
    apply: ([a, b], p) => (p === 0 ? T.matmul(a!, b!) : p === 1 ? T.matmul(a!, T.transpose(a!)) : T.matmul(a!, a!)),
    render: ([a, b], p) => (p === 0 ? `${a} @ ${b}` : p === 1 ? `${a} @ ${a}.T` : `${a} @ ${a}`),
  },
};

/**
 * Control flow over the same values, each a staged higher-order primitive: cond on the sign of a
 * sum (both branches traced, one run), a three-way switch on thresholds of a sum, a scan along
 * the leading axis closing over a value of the program (a const of the loop), a reverse scan,
 * and a fori with static bounds (a scan). All are reverse-mode differentiable.
 */
const CONTROL_OPS: Readonly<Record<string, OpDef>> = {
  cond: unary((x) => `cond(sum(${x}) > 0, 2 sin(${x}), ${x}^2 - 1)`, (x) => cond(T.greater(T.sum(x), 0), (v: Tensor) => T.mul(T.sin(v), 2), (v: Tensor) => T.sub(sq(v), 1), x)),
  switch: unary((x) => `switch((sum(${x}) > -1) + (sum(${x}) > 1), [tanh, 0.5 x + 1, sin^2], ${x})`, (x) => {
    const index = T.add(T.astype(T.greater(T.sum(x), -1), 'int32'), T.astype(T.greater(T.sum(x), 1), 'int32'));
    return switchCase(index, [(v: Tensor) => T.tanh(v), (v: Tensor) => T.add(T.mul(v, 0.5), 1), (v: Tensor) => sq(T.sin(v))], x);
  }),
  scan: {
    arity: 1,
    plan: ([s]) => (s!.length === 0 ? undefined : { param: 0, shape: s! }),
    // c' = tanh(0.7 c + x_i + mean(x)), y_i = c' x_i: the loop closes over mean(x).
    apply: ([x]) => {
      const m = T.mean(x!);
      const [, ys] = scan((c: Tensor, xi: Tensor) => {
        const n = T.tanh(T.add(T.add(T.mul(c, 0.7), xi), m));
        return [n, T.mul(n, xi)] as const;
      }, T.zerosLike(T.sum(x!, { axis: 0 })), x!);
      return ys as Tensor;
    },
    render: ([x]) => `scan(c, x_i => [tanh(0.7 c + x_i + mean(${x})), c' x_i], 0, ${x})`,
  },
  scanReverse: {
    arity: 1,
    plan: ([s]) => (s!.length === 0 ? undefined : { param: 0, shape: s! }),
    apply: ([x]) => scan((c: Tensor, xi: Tensor) => [T.add(T.mul(c, 0.5), T.sin(xi)), T.mul(c, xi)] as const, T.zerosLike(T.sum(x!, { axis: 0 })), x!, { reverse: true })[1] as Tensor,
    render: ([x]) => `scan(c, x_i => [0.5 c + sin(x_i), c x_i], 0, ${x}, reverse)`,
  },
  fori: unary((x) => `fori(0, 3, (i, c) => sin(c) + 0.1 i, ${x})`, (x) => fori(0, 3, (i: Tensor, c: Tensor) => T.add(T.sin(c), T.mul(T.astype(i, x.dtype), 0.1)), x)),
};

/** A loop whose trip count depends on the data: forward mode, vmap and jit only (reverse mode refuses it). */
const FORWARD_ONLY_OPS: Readonly<Record<string, OpDef>> = {
  whileHalve: unary((x) => `while (sum(c^2) > 1) c = 0.5 c, from ${x}`, (x) => whileLoop((c: Tensor) => T.greater(T.sum(sq(c)), 1), (c: Tensor) => T.mul(c, 0.5), x)),
};

const ALL_OPS: Readonly<Record<string, OpDef>> = { ...OPS, ...CONTROL_OPS, ...FORWARD_ONLY_OPS };

/** The primitive-level operations (no control flow). */
export const programOps: readonly string[] = Object.keys(OPS);
/** Control flow that every transformation supports, reverse mode included. */
export const controlOps: readonly string[] = Object.keys(CONTROL_OPS);
/** Control flow without reverse mode (whileLoop). */
export const forwardOnlyOps: readonly string[] = Object.keys(FORWARD_ONLY_OPS);

const names = (n: number): string => {
  let s = '';
  let i = n;
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26) - 1;
  } while (i >= 0);
  return s;
};

/** Choose a value index: two times in three one of the three most recent values, so steps chain. */
const pick = (n: number, choice: number): number => (choice % 3 === 0 ? Math.floor(choice / 3) % n : n - 1 - (Math.floor(choice / 3) % Math.min(3, n)));

/**
 * Build a program from raw choices, skipping steps whose op does not apply to the chosen values.
 * `ops` lists the operations to draw from (default: `programOps`; add `controlOps` and
 * `forwardOnlyOps` for control flow).
 */
export function buildProgram(inputs: readonly Shape[], raw: readonly (readonly [number, number, number, number])[], output: 'sum' | 'last', ops: readonly string[] = programOps): Program {
  const shapes: Shape[] = inputs.slice();
  const steps: Step[] = [];
  for (const [o, a, b, p] of raw) {
    const op = ops[o % ops.length]!;
    const def = ALL_OPS[op];
    if (!def) throw new Error(`buildProgram: unknown operation ${JSON.stringify(op)}`);
    const args = def.arity === 1 ? [pick(shapes.length, a)] : [pick(shapes.length, a), pick(shapes.length, b)];
    const planned = def.plan(args.map((i) => shapes[i]!), p);
    if (!planned) continue;
    steps.push({ op, args, param: planned.param, shape: planned.shape });
    shapes.push(planned.shape);
  }
  const text = () => {
    const head = `(${inputs.map((s, i) => `${names(i)}: f64[${s.join(',')}]`).join(', ')}) =>`;
    const lines = steps.map((s, k) => `  ${names(inputs.length + k)} = ${ALL_OPS[s.op]!.render(s.args.map(names), s.param)}    // [${s.shape.join(',')}]`);
    const all = steps.length ? steps.map((_, k) => names(inputs.length + k)) : inputs.map((_, i) => names(i));
    const ret = output === 'sum' ? all.map((n) => `sum(${n})`).join(' + ') : all[all.length - 1]!;
    return [head, ...lines, `  return ${ret}`].join('\n');
  };
  return {
    inputs, steps, output,
    sample: (seed) => {
      const rng = new Rng(seed);
      return inputs.map((s) => uniform(rng, s, -2, 2));
    },
    toString: text,
  };
}

/** Run a program: a function of its inputs (works on tracers, so every transformation applies). */
export function runProgram(p: Program): (...xs: Tensor[]) => Tensor {
  const f = (...xs: Tensor[]): Tensor => {
    const vals: Tensor[] = xs.slice();
    for (const s of p.steps) vals.push(ALL_OPS[s.op]!.apply(s.args.map((i) => vals[i]!), s.param));
    const outs = p.steps.length ? vals.slice(xs.length) : xs;
    if (p.output === 'last') return outs[outs.length - 1]!;
    return outs.map((v) => T.sum(v)).reduce((a, b) => T.add(a, b));
  };
  Object.defineProperty(f, 'name', { value: 'program' });
  return f;
}
