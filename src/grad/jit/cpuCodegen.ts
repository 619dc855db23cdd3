/**
 * JS code generation for fused clusters: one function with nested loops over the iteration
 * shape, every intermediate in a local variable, each input read through its own strides.
 * Float32 values are rounded with Math.fround after every operation, so a jitted program gives
 * bit-for-bit the results of eager execution.
 */
import type { DType } from '../../tensor';
import { Lit, Var, type Atom } from '../jaxpr';
import type { Cluster } from './fusion';
import { erfScalar as erfHelper, stridesOf } from '../../tensor';

export type FusedKernel = (ins: readonly (ArrayLike<number> | undefined)[], outs: readonly { [i: number]: number }[]) => void;

function literal(x: number): string {
  // Parenthesized when negative, so `a - -1` never prints as `a--1`.
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '(-Infinity)';
  if (Object.is(x, -0)) return '(-0)';
  return x < 0 ? `(${x})` : String(x);
}

/** The JS expression of one elementwise primitive applied to operand expressions. */
function expression(prim: string, a: string[], dtype: DType, inDtype: DType, params: any): string {
  const [x, y, z] = a as [string, string, string];
  const isInt = dtype === 'int32';
  switch (prim) {
    case 'neg': return isInt ? `((-${x})|0)` : `(-${x})`;
    case 'exp': return `Math.exp(${x})`;
    case 'log': return `Math.log(${x})`;
    case 'log1p': return `Math.log1p(${x})`;
    case 'expm1': return `Math.expm1(${x})`;
    case 'sqrt': return `Math.sqrt(${x})`;
    case 'rsqrt': return `(1/Math.sqrt(${x}))`;
    case 'sin': return `Math.sin(${x})`;
    case 'cos': return `Math.cos(${x})`;
    case 'tanh': return `Math.tanh(${x})`;
    case 'logistic': return `H.logistic(${x})`;
    case 'erf': return `H.erf(${x})`;
    case 'abs': return `Math.abs(${x})`;
    case 'sign': return `H.sign(${x})`;
    case 'floor': return `Math.floor(${x})`;
    case 'ceil': return `Math.ceil(${x})`;
    case 'logicalNot': return `(${x}?0:1)`;
    case 'stopGradient': return x;
    case 'add': return isInt ? `((${x}+${y})|0)` : `(${x}+${y})`;
    case 'sub': return isInt ? `((${x}-${y})|0)` : `(${x}-${y})`;
    case 'mul': return isInt ? `((${x}*${y})|0)` : `(${x}*${y})`;
    case 'div': return isInt ? `((${x}/${y})|0)` : `(${x}/${y})`;
    case 'pow': return isInt ? `(Math.pow(${x},${y})|0)` : `Math.pow(${x},${y})`;
    case 'max': return `H.max(${x},${y})`;
    case 'min': return `H.min(${x},${y})`;
    case 'atan2': return `Math.atan2(${x},${y})`;
    case 'eq': return `(${x}===${y}?1:0)`;
    case 'ne': return `(${x}!==${y}?1:0)`;
    case 'lt': return `(${x}<${y}?1:0)`;
    case 'le': return `(${x}<=${y}?1:0)`;
    case 'gt': return `(${x}>${y}?1:0)`;
    case 'ge': return `(${x}>=${y}?1:0)`;
    case 'logicalAnd': return `(${x}&&${y}?1:0)`;
    case 'logicalOr': return `(${x}||${y}?1:0)`;
    case 'where': return `(${x}?${y}:${z})`;
    case 'shiftRightLogical': return `((${x}>>>${params.shift})|0)`;
    case 'cast':
      if (dtype === 'bool') return `(${x}?1:0)`;
      if (dtype === 'int32') return inDtype === 'int32' || inDtype === 'bool' ? x : `(Math.trunc(${x})|0)`;
      return x;
    default: throw new Error(`jit: no fused code for '${prim}'`);
  }
}

/** Round to the storage precision so fused results equal eager ones exactly. */
const rounded = (expr: string, dtype: DType): string => (dtype === 'float32' ? `Math.fround(${expr})` : expr);

const REDUCE_INIT: Record<string, string> = { reduceSum: '0', reduceProd: '1', reduceMax: '-Infinity', reduceMin: 'Infinity' };
/** Accumulate v into the partial result `slot` (leading-axis reductions). */
const ACCUMULATE: Record<string, (slot: string, v: string) => string> = {
  reduceSum: (slot, v) => `${slot}+=${v};`,
  reduceProd: (slot, v) => `${slot}*=${v};`,
  reduceMax: (slot, v) => `{const a=${slot};if(${v}>a||${v}!==${v})${slot}=${v};}`,
  reduceMin: (slot, v) => `{const a=${slot};if(${v}<a||${v}!==${v})${slot}=${v};}`,
};

const REDUCE_STEP: Record<string, (v: string) => string> = {
  reduceSum: (v) => `acc+=${v};`,
  reduceProd: (v) => `acc*=${v};`,
  // NaN sticks, like the eager kernel.
  reduceMax: (v) => `if(${v}>acc||${v}!==${v})acc=${v};`,
  reduceMin: (v) => `if(${v}<acc||${v}!==${v})acc=${v};`,
};

/** Merge adjacent loops that every array walks contiguously (e.g. [784, 64] -> [50176]). */
function collapse(dims: number[], strides: number[][], from: number, to: number): void {
  for (let k = to - 1; k > from; k--) {
    const inner = k;
    const outer = k - 1;
    if (strides.every((s) => s[outer] === s[inner]! * dims[inner]!)) {
      dims[outer] = dims[outer]! * dims[inner]!;
      for (const s of strides) s[outer] = s[inner]!;
      dims.splice(inner, 1);
      for (const s of strides) s.splice(inner, 1);
    }
  }
}

/**
 * Compile a cluster to a function (ins, outs) => void. `ins` follow cluster.inputs (literals are
 * embedded; their slots are ignored); `outs` are cluster.outputs, then the reduction's output.
 */
export function compileCluster(c: Cluster): FusedKernel {
  const rank = c.shape.length;
  const red = c.reduce;
  const reduceAxes = red?.axes ?? [];
  const kept = Array.from({ length: rank }, (_, i) => i).filter((i) => !reduceAxes.includes(i));
  // Reducing leading axes (a bias gradient: sum over the batch) walks rows in memory order and
  // accumulates into a float64 row of partial results, instead of striding down columns.
  const leading = red !== undefined && kept.length > 0 && reduceAxes.every((a, i) => a === i);
  const order = leading ? [...reduceAxes, ...kept] : [...kept, ...reduceAxes];
  const keptSize = kept.reduce((n, a) => n * c.shape[a]!, 1);

  const arrays: { name: string; strides: number[] }[] = [];
  c.inputs.forEach((inp, j) => {
    if (!(inp.atom instanceof Lit)) arrays.push({ name: `I${j}`, strides: order.map((a) => inp.strides[a]!) });
  });
  const outStrides = stridesOf(c.shape);
  c.outputs.forEach((_, k) => arrays.push({ name: `O${k}`, strides: order.map((a) => outStrides[a]!) }));
  if (leading) {
    const keptStrides = stridesOf(kept.map((a) => c.shape[a]!));
    arrays.push({ name: 'A', strides: order.map((a) => (reduceAxes.includes(a) ? 0 : keptStrides[kept.indexOf(a)]!)) });
  }
  const dims = order.map((a) => c.shape[a]!);
  const strides = arrays.map((a) => a.strides);
  const firstLen = leading ? reduceAxes.length : kept.length;
  collapse(dims, strides, firstLen, dims.length);
  const secondLoops = dims.length - firstLen;
  collapse(dims, strides, 0, firstLen);
  const nKept = leading ? -1 : dims.length - secondLoops;
  const depth = dims.length;
  arrays.forEach((a, i) => (a.strides = strides[i]!));

  // Offsets: level L holds base offsets b_X_L; the innermost loop indexes with j.
  const base = (a: { name: string }, level: number) => (level === 0 ? '0' : `b_${a.name}_${level}`);
  const at = (a: { name: string; strides: number[] }) => {
    if (depth === 0) return `${a.name}[0]`;
    const s = a.strides[depth - 1]!;
    const b = base(a, depth - 1);
    const idx = s === 0 ? b : s === 1 ? `${b}+j` : `${b}+j*${s}`;
    return `${a.name}[${idx}]`;
  };

  const names = new Map<Var, string>();
  const read = (a: Atom): string => {
    if (a instanceof Var && names.has(a)) return names.get(a)!;
    const j = c.reads.get(a);
    if (j === undefined) throw new Error('jit: internal: a fused operand has no source');
    const inp = c.inputs[j]!;
    return inp.atom instanceof Lit ? literal(inp.atom.value.dataSync()[0]!) : `v_in${j}`;
  };
  const arrayOf = (name: string) => arrays.find((a) => a.name === name)!;
  const hoisted: string[] = [];
  const inner: string[] = [];
  c.inputs.forEach((inp, j) => {
    if (inp.atom instanceof Lit) return;
    const a = arrayOf(`I${j}`);
    // Loop-invariant loads (broadcast along the innermost loop) move out of it.
    (depth > 0 && a.strides[depth - 1] === 0 ? hoisted : inner).push(`const v_in${j}=${at(a)};`);
  });
  for (const e of c.eqns) {
    const out = e.outs[0]!;
    const args = e.inputs.map(read);
    names.set(out, `v${out.id}`);
    inner.push(`const v${out.id}=${rounded(expression(e.prim, args, out.aval.dtype, e.inputs[0]!.aval.dtype, e.params), out.aval.dtype)};`);
  }
  c.outputs.forEach((v, k) => inner.push(`${at(arrayOf(`O${k}`))}=${names.get(v)};`));
  if (red && leading) inner.push(ACCUMULATE[red.prim]!(at(arrayOf('A')), read(red.input)));
  else if (red) inner.push(REDUCE_STEP[red.prim]!(read(red.input)));

  const body: string[] = [];
  const loops = (level: number): void => {
    if (red && level === nKept) {
      body.push(`let acc=${REDUCE_INIT[red.prim]};`);
      nest(level);
      body.push('R[r++]=acc;');
    } else nest(level);
  };
  const nest = (level: number): void => {
    if (level === depth) {
      body.push(...inner);
      return;
    }
    if (level === depth - 1) {
      body.push(...hoisted);
      body.push(`for(let j=0;j<${dims[level]};j++){`);
      loops(level + 1);
      body.push('}');
      return;
    }
    const init = arrays.map((a) => `,b_${a.name}_${level + 1}=${base(a, level)}`).join('');
    const step = arrays.filter((a) => a.strides[level] !== 0).map((a) => `,b_${a.name}_${level + 1}+=${a.strides[level]}`).join('');
    body.push(`for(let i${level}=0${init};i${level}<${dims[level]};i${level}++${step}){`);
    loops(level + 1);
    body.push('}');
  };
  if (leading) body.push(`A.fill(${REDUCE_INIT[red!.prim]});`);
  loops(0);
  if (leading) body.push(`for(let q=0;q<${keptSize};q++)R[q]=A[q];`);
  if (depth === 0) body.unshift(...hoisted);
  const header = [
    ...c.inputs.map((inp, j) => (inp.atom instanceof Lit ? '' : `const I${j}=ins[${j}];`)),
    ...c.outputs.map((_, k) => `const O${k}=outs[${k}];`),
    red ? `const R=outs[${c.outputs.length}];let r=0;` : '',
  ].filter(Boolean);
  const src = `${header.join('\n')}\n${body.join('\n')}`;
  const scratch = leading ? new Float64Array(keptSize) : undefined;
  return new Function('H', 'A', `return function fused(ins,outs){\n${src}\n}`)(HELPERS, scratch) as FusedKernel;
}

const HELPERS = {
  logistic: (x: number) => {
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  },
  erf: erfHelper,
  sign: (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x),
  max: (a: number, b: number) => (a !== a || b !== b ? NaN : a > b ? a : b),
  min: (a: number, b: number) => (a !== a || b !== b ? NaN : a < b ? a : b),
};
