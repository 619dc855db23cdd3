/**
 * JS code generation for fused clusters: one function with nested loops over the iteration
 * shape, every intermediate in a local variable, each input read through its own strides.
 * Each operation is its row of the expression table (../expr.ts), rounded to its dtype after
 * every operation, so a jitted program gives bit-for-bit the results of eager execution.
 */
import { Lit, Var, type Atom } from '../../../jaxpr';
import type { Cluster } from '../../../program';
import { stridesOf } from '../../../shape';
import { exprRow, HELPERS, jsLiteral, REDUCERS, roundTo } from '../expr';

export type FusedKernel = (ins: readonly (ArrayLike<number> | undefined)[], outs: readonly { [i: number]: number }[]) => void;

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
    return inp.atom instanceof Lit ? jsLiteral(inp.atom.value.dataSync()[0]!) : `v_in${j}`;
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
    inner.push(`const v${out.id}=${roundTo(out.aval.dtype, exprRow(e.prim as never).js(args, e.params))};`);
  }
  c.outputs.forEach((v, k) => inner.push(`${at(arrayOf(`O${k}`))}=${names.get(v)};`));
  if (red && leading) inner.push(REDUCERS[red.prim].step(at(arrayOf('A')), read(red.input)));
  else if (red) inner.push(REDUCERS[red.prim].step('acc', read(red.input)));

  const body: string[] = [];
  const loops = (level: number): void => {
    if (red && level === nKept) {
      body.push(`let acc=${jsLiteral(REDUCERS[red.prim].init)};`);
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
  if (leading) body.push(`A.fill(${jsLiteral(REDUCERS[red!.prim].init)});`);
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
