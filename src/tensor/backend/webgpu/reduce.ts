/**
 * Reductions, arg-reductions and cumulative sums. Long reduced axes use one workgroup per output
 * with a shared-memory tree; very long ones first reduce chunks into partials (two passes), so
 * no invocation ever walks a long axis serially. Short axes use one invocation per output.
 */
import type { Aval } from '../../aval';
import type { DType } from '../../dtype';
import type { ReducePrim } from '../../primitives';
import { sizeOf, stridesOf, unreachable, type Shape } from '../../shape';
import { dispatch, input, output, perElement, unravel, dotIndex, type Binding, type Plan, type Step } from './plan';
import { Emit, f32Lit, storageType, type StorageType } from './wgsl';

const WG = 256;
/** At most this many elements per output go to one invocation serially. */
const SERIAL_MAX = 32;
/** Each workgroup of a first pass reduces a chunk of this many elements. */
const CHUNK = WG * 32;

interface Dim {
  size: number;
  stride: number;
}

/**
 * The kept and reduced dimensions of `shape`, size-1 axes dropped and neighbours of the same
 * kind merged, so the usual cases (reduce the last axes, or the first) index with one division.
 */
function splitDims(shape: Shape, axes: readonly number[]): { kept: Dim[]; reduced: Dim[] } {
  const strides = stridesOf(shape);
  const kept: Dim[] = [];
  const reduced: Dim[] = [];
  let last: { kind: boolean; dim: Dim } | null = null;
  shape.forEach((size, k) => {
    if (size === 1) return;
    const kind = axes.includes(k);
    if (last && last.kind === kind && last.dim.stride === size * strides[k]!) {
      last.dim.size *= size;
      last.dim.stride = strides[k]!;
      return;
    }
    const dim = { size, stride: strides[k]! };
    (kind ? reduced : kept).push(dim);
    last = { kind, dim };
  });
  return { kept, reduced };
}

function offset(e: Emit, idx: string, dims: readonly Dim[]): string {
  if (dims.length === 0) return '0u';
  const c = unravel(e, idx, dims.map((d) => d.size));
  return e.let(dotIndex(c, dims.map((d) => d.stride)), 'off');
}

export interface Monoid {
  readonly type: StorageType;
  readonly identity: string;
  combine(a: string, b: string): string;
  /** The stored result of a reduction over an empty axis (CPU: ToInt32(-inf) is 0 and so on). */
  readonly empty: string;
  finish(v: string): string;
}

export function monoid(prim: ReducePrim, dtype: DType): Monoid {
  const type = storageType(dtype);
  const finish = (v: string): string => (dtype === 'bool' ? `select(0u, 1u, ${v} != 0u)` : v);
  const zero = type === 'f32' ? '0.0' : type === 'i32' ? '0i' : '0u';
  const one = type === 'f32' ? '1.0' : type === 'i32' ? '1i' : '1u';
  switch (prim) {
    case 'reduceSum':
      return { type, identity: zero, combine: (a, b) => `${a} + ${b}`, empty: zero, finish };
    case 'reduceProd':
      return { type, identity: one, combine: (a, b) => `${a} * ${b}`, empty: one, finish };
    case 'reduceMax':
      if (type === 'f32') return { type, identity: f32Lit(-Infinity), combine: (a, b) => `wl_max(${a}, ${b})`, empty: f32Lit(-Infinity), finish };
      return { type, identity: type === 'i32' ? 'bitcast<i32>(0x80000000u)' : '0u', combine: (a, b) => `max(${a}, ${b})`, empty: zero, finish };
    case 'reduceMin':
      if (type === 'f32') return { type, identity: f32Lit(Infinity), combine: (a, b) => `wl_min(${a}, ${b})`, empty: f32Lit(Infinity), finish };
      return { type, identity: type === 'i32' ? '0x7fffffffi' : '0xffffffffu', combine: (a, b) => `min(${a}, ${b})`, empty: zero, finish };
    default:
      return unreachable(prim);
  }
}

/**
 * Where a fold reads its elements: `element(e, o, r)` emits code for element r (< count) of
 * output o and returns its value in storage representation. It may also write (a fused
 * prologue storing values needed elsewhere): every element is visited exactly once.
 */
export interface FoldSource {
  readonly bindings: readonly Binding[];
  element(e: Emit, o: string, r: string): string;
}

/** Fold `r` over [lo, hi) into `acc`, one invocation striding by `step`. */
function foldLoop(e: Emit, m: Monoid, src: FoldSource, o: string, from: string, cond: string, step: string): void {
  e.line(`var acc: ${m.type} = ${m.identity};`);
  e.line(`for (var r = ${from}; ${cond}; r += ${step}) {`);
  const inner = new Emit('w');
  const value = src.element(inner, o, 'r');
  e.lines.push(...inner.lines.map((l) => '  ' + l), `  acc = ${m.combine('acc', value)};`, '}');
}

function treeReduce(e: Emit, m: Monoid): void {
  e.line('sh[lid] = acc;');
  e.line('workgroupBarrier();');
  e.line(`for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {`);
  e.line(`  if (lid < s) { sh[lid] = ${m.combine('sh[lid]', 'sh[lid + s]')}; }`);
  e.line('  workgroupBarrier();');
  e.line('}');
}

/**
 * The steps of out[o] = fold over r < count of element(o, r), for o < outputs: one invocation
 * per output when count is small, one workgroup per output (shared-memory tree) otherwise, and
 * for very long axes a first pass over chunks into `tempRef` ([outputs, chunks]) and a second
 * over the partials. Returns the steps and the temp's byte size (0 when unused).
 */
export function foldSteps(m: Monoid, outputs: number, count: number, src: FoldSource, outRef: number, tempRef: number): { steps: Step[]; tempBytes: number } {
  const shared = `var<workgroup> sh: array<${m.type}, ${WG}>;`;
  if (outputs === 0) return { steps: [], tempBytes: 0 };
  if (count === 0) return { steps: [perElement(outputs, [output(outRef, m.type)], (e, i) => e.line(`y[${i}] = ${m.empty};`))], tempBytes: 0 };
  if (count <= SERIAL_MAX) {
    const step = perElement(outputs, [...src.bindings, output(outRef, m.type)], (e, i) => {
      foldLoop(e, m, src, i, '0u', `r < ${count}u`, '1u');
      e.line(`y[${i}] = ${m.finish('acc')};`);
    });
    return { steps: [step], tempBytes: 0 };
  }
  if (count <= 2 * CHUNK) {
    const e = new Emit();
    foldLoop(e, m, src, 'wid', 'lid', `r < ${count}u`, `${WG}u`);
    treeReduce(e, m);
    e.line(`if (lid == 0u) { y[wid] = ${m.finish('sh[0]')}; }`);
    return { steps: [dispatch([...src.bindings, output(outRef, m.type)], outputs, WG, e.code(), shared)], tempBytes: 0 };
  }
  const chunks = Math.ceil(count / CHUNK);
  const e = new Emit();
  e.line(`let o = wid / ${chunks}u;`);
  e.line(`let start = (wid % ${chunks}u) * ${CHUNK}u;`);
  const chunked: FoldSource = { bindings: src.bindings, element: (inner, o, r) => src.element(inner, o, inner.let(`start + ${r}`, 'rr')) };
  foldLoop(e, m, chunked, 'o', 'lid', `r < ${CHUNK}u && start + r < ${count}u`, `${WG}u`);
  treeReduce(e, m);
  e.line('if (lid == 0u) { p[wid] = sh[0]; }');
  const first = dispatch([...src.bindings, output(tempRef, m.type, 'p')], outputs * chunks, WG, e.code(), shared);
  const partials: FoldSource = { bindings: [input(tempRef, m.type, 'p')], element: (_e, o, r) => `p[${o} * ${chunks}u + ${r}]` };
  const second = foldSteps(m, outputs, chunks, partials, outRef, -1).steps;
  return { steps: [first, ...second], tempBytes: outputs * chunks * 4 };
}

export function reducePlan(prim: ReducePrim, x: Aval, axes: readonly number[], out: Aval): Plan {
  const m = monoid(prim, x.dtype);
  const count = sizeOf(axes.map((a) => x.shape[a]!));
  const { kept, reduced } = splitDims(x.shape, axes);
  const src: FoldSource = {
    bindings: [input(0, m.type, 'x')],
    element: (e, o, r) => {
      const a = offset(e, o, kept);
      const b = offset(e, r, reduced);
      return `x[${a === '0u' ? b : b === '0u' ? a : `${a} + ${b}`}]`;
    },
  };
  const { steps, tempBytes } = foldSteps(m, sizeOf(out.shape), count, src, 1, 2);
  return { steps, temps: tempBytes ? [tempBytes] : [] };
}

/** Index of the first maximum (minimum) along `axis`; NaN counts as the extreme, like numpy. */
export function argPlan(isMax: boolean, x: Aval, axis: number, out: Aval): Plan {
  const outer = sizeOf(out.shape);
  if (outer === 0) return { steps: [], temps: [] };
  const n = x.shape[axis]!;
  const inner = stridesOf(x.shape)[axis]!;
  const type = storageType(x.dtype);
  const cmp = isMax ? '>' : '<';
  const nanCheck = type === 'f32'
    ? `let na = wl_isnan(va); let nb = wl_isnan(vb);\n  if (na || nb) { if (na && nb) { return ia < ib; } return na; }\n  `
    : '';
  const better = `fn better(va: ${type}, ia: u32, vb: ${type}, ib: u32) -> bool {
  if (ib == 0xffffffffu) { return true; }
  if (ia == 0xffffffffu) { return false; }
  ${nanCheck}if (va == vb) { return ia < ib; }
  return va ${cmp} vb;
}`;
  const base = (e: Emit, o: string): string => (inner === 1 ? e.let(`${o} * ${n}u`, 'b') : e.let(`(${o} / ${inner}u) * ${n * inner}u + ${o} % ${inner}u`, 'b'));
  const bindings = [input(0, type, 'x'), output(1, 'i32')];
  if (n <= SERIAL_MAX) {
    return {
      steps: [perElement(outer, bindings, (e, i) => {
        const b = base(e, i);
        e.line(`var bv = x[${b}];\nvar bi = 0u;`);
        e.line(`for (var j = 1u; j < ${n}u; j++) { let v = x[${b} + j * ${inner}u]; if (better(v, j, bv, bi)) { bv = v; bi = j; } }`);
        e.line(`y[${i}] = i32(bi);`);
      }, better)],
      temps: [],
    };
  }
  const e = new Emit();
  const b = base(e, 'wid');
  e.line(`var bv = x[${b}];\nvar bi = 0xffffffffu;`);
  e.line(`for (var j = lid; j < ${n}u; j += ${WG}u) { let v = x[${b} + j * ${inner}u]; if (better(v, j, bv, bi)) { bv = v; bi = j; } }`);
  e.line('sv[lid] = bv;\nsi[lid] = bi;\nworkgroupBarrier();');
  e.line(`for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {`);
  e.line('  if (lid < s && better(sv[lid + s], si[lid + s], sv[lid], si[lid])) { sv[lid] = sv[lid + s]; si[lid] = si[lid + s]; }');
  e.line('  workgroupBarrier();\n}');
  e.line('if (lid == 0u) { y[wid] = i32(si[0]); }');
  const decls = `var<workgroup> sv: array<${type}, ${WG}>;\nvar<workgroup> si: array<u32, ${WG}>;\n${better}`;
  return { steps: [dispatch(bindings, outer, WG, e.code(), decls)], temps: [] };
}

/** Inclusive prefix sums along `axis`: one workgroup per line scanning 256-element blocks. */
export function cumsumPlan(x: Aval, axis: number, reverse: boolean): Plan {
  const total = sizeOf(x.shape);
  if (total === 0) return { steps: [], temps: [] };
  const n = x.shape[axis]!;
  const inner = stridesOf(x.shape)[axis]!;
  const lines = total / n;
  const type = storageType(x.dtype);
  const zero = type === 'f32' ? '0.0' : type === 'i32' ? '0i' : '0u';
  const fin = (v: string): string => (x.dtype === 'bool' ? `min(${v}, 1u)` : v);
  const bindings = [input(0, type, 'x'), output(1, type)];
  const base = (e: Emit, l: string): string => (inner === 1 ? e.let(`${l} * ${n}u`, 'b') : e.let(`(${l} / ${inner}u) * ${n * inner}u + ${l} % ${inner}u`, 'b'));
  const pos = (k: string): string => (reverse ? `(${n - 1}u - ${k})` : k);
  if (n <= SERIAL_MAX) {
    return {
      steps: [perElement(lines, bindings, (e, l) => {
        const b = base(e, l);
        e.line(`var acc: ${type} = ${zero};`);
        e.line(`for (var k = 0u; k < ${n}u; k++) { let at = ${b} + ${pos('k')} * ${inner}u; acc = acc + x[at]; y[at] = ${fin('acc')}; }`);
      })],
      temps: [],
    };
  }
  const e = new Emit();
  const b = base(e, 'wid');
  e.line(`var carry: ${type} = ${zero};`);
  e.line(`for (var start = 0u; start < ${n}u; start += ${WG}u) {`);
  e.line('  let k = start + lid;');
  e.line(`  let at = ${b} + ${pos('k')} * ${inner}u;`);
  e.line(`  var v: ${type} = ${zero};`);
  e.line(`  if (k < ${n}u) { v = x[at]; }`);
  e.line('  sh[lid] = v;\n  workgroupBarrier();');
  e.line(`  for (var off = 1u; off < ${WG}u; off = off << 1u) {`);
  e.line(`    var t: ${type} = ${zero};`);
  e.line('    if (lid >= off) { t = sh[lid - off]; }');
  e.line('    workgroupBarrier();\n    sh[lid] = sh[lid] + t;\n    workgroupBarrier();\n  }');
  e.line(`  if (k < ${n}u) { y[at] = ${fin('carry + sh[lid]')}; }`);
  e.line(`  carry = carry + sh[${WG - 1}u];\n  workgroupBarrier();\n}`);
  return { steps: [dispatch(bindings, lines, WG, e.code(), `var<workgroup> sh: array<${type}, ${WG}>;`)], temps: [] };
}
