/**
 * Reductions, arg-reductions and cumulative sums. Long reduced axes use one workgroup per output
 * with a shared-memory tree; very long ones first reduce chunks into partials (two passes), so
 * no invocation ever walks a long axis serially. Short axes use one invocation per output.
 */
import type { Aval } from '../../aval';
import type { DType } from '../../dtype';
import type { ReducePrim } from '../../primitives';
import { sizeOf, stridesOf, type Shape } from '../../shape';
import { dispatch, input, output, perElement, unravel, dotIndex, type Plan, type Step } from './plan';
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

interface Monoid {
  readonly type: StorageType;
  readonly identity: string;
  combine(a: string, b: string): string;
  /** The stored result of a reduction over an empty axis (CPU: ToInt32(-inf) is 0 and so on). */
  readonly empty: string;
  finish(v: string): string;
}

function monoid(prim: ReducePrim, dtype: DType): Monoid {
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
  }
}

/**
 * out[o] = fold over r < count of x[srcOffset(o, r)], one workgroup per output (a tree in
 * shared memory) or one invocation per output when count is small.
 */
function foldStep(m: Monoid, outputs: number, count: number, src: (e: Emit, o: string, r: string) => string, inRef: number, outRef: number, finish: boolean): Step {
  const bindings = [input(inRef, m.type, 'x'), output(outRef, m.type)];
  const fin = (v: string): string => (finish ? m.finish(v) : v);
  if (count <= SERIAL_MAX) {
    return perElement(outputs, bindings, (e, i) => {
      e.line(`var acc: ${m.type} = ${m.identity};`);
      e.line(`for (var r = 0u; r < ${count}u; r++) {`);
      const inner = new Emit('w');
      const at = src(inner, i, 'r');
      e.lines.push(...inner.lines.map((l) => '  ' + l), `  acc = ${m.combine('acc', `x[${at}]`)};`, '}');
      e.line(`y[${i}] = ${fin('acc')};`);
    });
  }
  const e = new Emit();
  e.line(`var acc: ${m.type} = ${m.identity};`);
  e.line(`for (var r = lid; r < ${count}u; r += ${WG}u) {`);
  const inner = new Emit('w');
  const at = src(inner, 'wid', 'r');
  e.lines.push(...inner.lines.map((l) => '  ' + l), `  acc = ${m.combine('acc', `x[${at}]`)};`, '}');
  e.line('sh[lid] = acc;');
  e.line('workgroupBarrier();');
  e.line(`for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {`);
  e.line(`  if (lid < s) { sh[lid] = ${m.combine('sh[lid]', 'sh[lid + s]')}; }`);
  e.line('  workgroupBarrier();');
  e.line('}');
  e.line(`if (lid == 0u) { y[wid] = ${fin('sh[0]')}; }`);
  return dispatch(bindings, outputs, WG, e.code(), `var<workgroup> sh: array<${m.type}, ${WG}>;`);
}

export function reducePlan(prim: ReducePrim, x: Aval, axes: readonly number[], out: Aval): Plan {
  const m = monoid(prim, x.dtype);
  const outer = sizeOf(out.shape);
  const count = sizeOf(axes.map((a) => x.shape[a]!));
  if (outer === 0) return { steps: [], temps: [] };
  if (count === 0) return { steps: [perElement(outer, [output(1, m.type)], (e, i) => e.line(`y[${i}] = ${m.empty};`))], temps: [] };
  const { kept, reduced } = splitDims(x.shape, axes);
  const src = (e: Emit, o: string, r: string): string => {
    const a = offset(e, o, kept);
    const b = offset(e, r, reduced);
    return a === '0u' ? b : b === '0u' ? a : `${a} + ${b}`;
  };
  if (count <= 2 * CHUNK) return { steps: [foldStep(m, outer, count, src, 0, 1, true)], temps: [] };
  // Two passes: chunks of the axis into partials [outer, chunks], then the partials' rows.
  const chunks = Math.ceil(count / CHUNK);
  const partial = (e: Emit, w: string, r: string): string => {
    const o = e.let(`${w} / ${chunks}u`, 'o');
    const rr = e.let(`(${w} % ${chunks}u) * ${CHUNK}u + ${r}`, 'rr');
    return src(e, o, rr);
  };
  const first = chunkFold(m, outer * chunks, count, chunks, partial);
  const second = foldStep(m, outer, chunks, (_e, o, r) => `${o} * ${chunks}u + ${r}`, 2, 1, true);
  return { steps: [first, second], temps: [outer * chunks * 4] };
}

/** First pass of a long reduction: workgroup w folds elements [c*CHUNK, (c+1)*CHUNK) ∩ [0, count). */
function chunkFold(m: Monoid, workgroups: number, count: number, chunks: number, src: (e: Emit, w: string, r: string) => string): Step {
  const e = new Emit();
  e.line(`let start = (wid % ${chunks}u) * ${CHUNK}u;`);
  e.line(`var acc: ${m.type} = ${m.identity};`);
  e.line(`for (var r = lid; r < ${CHUNK}u && start + r < ${count}u; r += ${WG}u) {`);
  const inner = new Emit('w');
  const at = src(inner, 'wid', 'r');
  e.lines.push(...inner.lines.map((l) => '  ' + l), `  acc = ${m.combine('acc', `x[${at}]`)};`, '}');
  e.line('sh[lid] = acc;');
  e.line('workgroupBarrier();');
  e.line(`for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {`);
  e.line(`  if (lid < s) { sh[lid] = ${m.combine('sh[lid]', 'sh[lid + s]')}; }`);
  e.line('  workgroupBarrier();');
  e.line('}');
  e.line('if (lid == 0u) { y[wid] = sh[0]; }');
  return dispatch([input(0, m.type, 'x'), output(2, m.type)], workgroups, WG, e.code(), `var<workgroup> sh: array<${m.type}, ${WG}>;`);
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
