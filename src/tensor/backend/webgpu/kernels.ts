/**
 * One plan builder per primitive: a total table over the primitive set, so a missing kernel is
 * a compile error. Shapes and params are baked into the generated WGSL as constants; plans are
 * cached by (primitive, operand avals, params) and pipelines by shader text.
 */
import type { Aval } from '../../aval';
import { ELEMENTWISE, isPrim, REDUCE, rowsFor, type Prim, type PrimParams, type ReducePrim } from '../../primitives';
import { userPrimitive } from '../../userPrimitives';
import { sizeOf, stridesOf } from '../../shape';
import { elementExpr } from './elementwise';
import { dispatch, input, output, perElement, sourceIndex, unravel, dotIndex, type IndexMapPrim, type Plan } from './plan';
import { argPlan, cumsumPlan, reducePlan } from './reduce';
import { Emit, f32Lit, load, storageLiteral, storageType, store } from './wgsl';
import { choleskyPlan, eighPlan, luPlan, qrPlan, svdPlan, triangularSolvePlan } from './linalg';
import { argsortPlan } from './sort';
import { dynamicSlicePlan, dynamicUpdateSlicePlan } from './dynamic';
import { planCache } from './caches';

type Builder<P extends Prim> = (ins: readonly Aval[], params: PrimParams[P], out: Aval) => Plan;

const single = (step: Plan['steps'][number] | null): Plan => ({ steps: step ? [step] : [], temps: [] });

/** out[i] = f(inputs[i]...): every elementwise primitive. */
function elementwisePlan(prim: Prim, ins: readonly Aval[], params: any, out: Aval): Plan {
  const n = sizeOf(out.shape);
  const bindings = [...ins.map((a, k) => input(k, storageType(a.dtype))), output(ins.length, storageType(out.dtype))];
  return single(perElement(n, bindings, (e, i) => {
    const xs = ins.map((a, k) => e.let(load(`x${k}`, a.dtype, i)));
    e.line(`y[${i}] = ${store(out.dtype, elementExpr(prim, params, ins.map((a) => a.dtype), xs))};`);
  }));
}

/** out[i] = x[source(i)]: movement primitives that only map indices. */
function indexMapPlan(prim: IndexMapPrim, ins: readonly Aval[], params: any, out: Aval): Plan {
  const x = ins[0]!;
  const type = storageType(x.dtype);
  return single(perElement(sizeOf(out.shape), [input(0, type), output(1, type)], (e, i) => {
    const s = sourceIndex(e, prim, params, x.shape, out.shape, i);
    e.line(`y[${i}] = x0[${s}];`);
  }));
}

const padPlan: Builder<'pad'> = ([x], p, out) => {
  const type = storageType(x!.dtype);
  const xs = stridesOf(x!.shape);
  return single(perElement(sizeOf(out.shape), [input(0, type), output(1, type)], (e, i) => {
    const c = unravel(e, i, out.shape);
    const inside = c.map((ck, k) => `${ck} >= ${p.lo[k]}u && ${ck} < ${p.lo[k]! + x!.shape[k]!}u`);
    e.line(`var v = ${storageLiteral(x!.dtype, p.value)};`);
    const src = dotIndex(c.map((ck, k) => (p.lo[k] ? `(${ck} - ${p.lo[k]}u)` : ck)), xs);
    e.line(`if (${inside.length ? inside.join(' && ') : 'true'}) { v = x0[${src}]; }`);
    e.line(`y[${i}] = v;`);
  }));
};

/** One step per operand, each copying it into its band of the output. */
const concatenatePlan: Builder<'concatenate'> = (ins, { axis }, out) => {
  const type = storageType(out.dtype);
  const outStrides = stridesOf(out.shape);
  let at = 0;
  const steps = ins.flatMap((x, k) => {
    const start = at;
    at += x.shape[axis]!;
    if (sizeOf(x.shape) === 0) return [];
    return [perElement(sizeOf(x.shape), [input(k, type, 'x'), output(ins.length, type)], (e, i) => {
      const c = unravel(e, i, x.shape);
      e.line(`y[${dotIndex(c, outStrides, start * outStrides[axis]!)}] = x[${i}];`);
    })];
  });
  return { steps, temps: [] };
};

/**
 * Workgroups a matmul should have at least before its tiles grow: a large GPU holds over a
 * hundred workgroups at once, and a bigger tile only pays when the grid still fills it.
 */
const DOT_MIN_WORKGROUPS = 128;

/**
 * Outputs per invocation along each axis of a [batch, m, n] product: the largest of 8, 4, 2 that
 * still leaves DOT_MIN_WORKGROUPS tiles, else 1. A 16x16 workgroup computes a (16r)x(16r) tile.
 */
export function dotTile(batch: number, m: number, n: number): number {
  for (const r of [8, 4, 2]) if (batch * Math.ceil(m / (16 * r)) * Math.ceil(n / (16 * r)) >= DOT_MIN_WORKGROUPS) return r;
  return 1;
}

/**
 * Register-tiled batched matmul. A workgroup of 16x16 invocations computes a (16r)x(16r) output
 * tile; each invocation keeps r x r sums in registers, at rows ly + 16i and columns lx + 16j (so
 * neighbouring invocations write neighbouring columns). Per step over k, the A and B tiles
 * (bk deep) are staged in workgroup memory, A transposed with one padding column so the
 * transposing stores spread over banks. Each invocation then does r*r multiply-adds per 2r
 * shared loads, against 1 per 2 for a one-output kernel. Each sum runs over k in order from
 * zero, like the CPU kernel. Out-of-range elements load as zero, so ragged edges need no
 * branch in the inner loop.
 */
const dotPlan: Builder<'dot'> = ([a, b], _, out) => {
  const rank = out.shape.length;
  const m = out.shape[rank - 2]!, n = out.shape[rank - 1]!, k = a!.shape[rank - 1]!;
  const batch = sizeOf(out.shape.slice(0, -2));
  if (batch * m * n === 0) return single(null);
  const r = dotTile(batch, m, n);
  const tile = 16 * r;
  const bk = r === 8 ? 8 : 16; // keeps both staged tiles under WebGPU's default 16 KiB
  const loads = (tile * bk) / 256; // elements of each tile one invocation stages per step
  const stride = tile + 1; // padded row of the transposed A tile
  const type = storageType(out.dtype);
  const acc = type === 'u32' ? 'u32' : type; // bool: count matches, store truthiness
  const zero = type === 'f32' ? '0.0' : type === 'i32' ? '0i' : '0u';
  const tilesN = Math.ceil(n / tile), tilesM = Math.ceil(m / tile);
  const range = (c: number) => Array.from({ length: c }, (_, i) => i);
  const cells = range(r).flatMap((i) => range(r).map((j) => [i, j] as const));
  const lines = [
    `let tx = wid % ${tilesN}u;`,
    `let ty = (wid / ${tilesN}u) % ${tilesM}u;`,
    `let bt = wid / ${tilesN * tilesM}u;`,
    'let lx = lid % 16u;',
    'let ly = lid / 16u;',
    `let row0 = ty * ${tile}u;`,
    `let col0 = tx * ${tile}u;`,
    `let aOff = bt * ${m * k}u;`,
    `let bOff = bt * ${k * n}u;`,
    ...cells.map(([i, j]) => `var c${i}_${j}: ${acc} = ${zero};`),
    `for (var t = 0u; t < ${k}u; t += ${bk}u) {`,
    ...range(loads).flatMap((p) => [
      `  let ea${p} = lid + ${256 * p}u;`,
      `  let ar${p} = ea${p} / ${bk}u;`,
      `  let ac${p} = ea${p} % ${bk}u;`,
      `  var av${p}: ${acc} = ${zero};`,
      `  if (row0 + ar${p} < ${m}u && t + ac${p} < ${k}u) { av${p} = xa[aOff + (row0 + ar${p}) * ${k}u + t + ac${p}]; }`,
      `  ta[ac${p} * ${stride}u + ar${p}] = av${p};`,
      `  let eb${p} = lid + ${256 * p}u;`,
      `  let br${p} = t + eb${p} / ${tile}u;`,
      `  let bc${p} = col0 + eb${p} % ${tile}u;`,
      `  var bv${p}: ${acc} = ${zero};`,
      `  if (br${p} < ${k}u && bc${p} < ${n}u) { bv${p} = xb[bOff + br${p} * ${n}u + bc${p}]; }`,
      `  tb[eb${p}] = bv${p};`,
    ]),
    '  workgroupBarrier();',
    `  for (var q = 0u; q < ${bk}u; q++) {`,
    ...range(r).map((i) => `    let a${i} = ta[q * ${stride}u + ly + ${16 * i}u];`),
    ...range(r).map((j) => `    let b${j} = tb[q * ${tile}u + lx + ${16 * j}u];`),
    ...cells.map(([i, j]) => `    c${i}_${j} = c${i}_${j} + a${i} * b${j};`),
    '  }',
    '  workgroupBarrier();',
    '}',
    ...cells.map(([i, j]) => {
      const value = out.dtype === 'bool' ? `select(0u, 1u, c${i}_${j} != 0u)` : `c${i}_${j}`;
      return `if (row0 + ly + ${16 * i}u < ${m}u && col0 + lx + ${16 * j}u < ${n}u) { y[bt * ${m * n}u + (row0 + ly + ${16 * i}u) * ${n}u + col0 + lx + ${16 * j}u] = ${value}; }`;
    }),
  ];
  const decls = `var<workgroup> ta: array<${acc}, ${bk * stride}>;\nvar<workgroup> tb: array<${acc}, ${bk * tile}>;`;
  const body = lines.map((l) => '  ' + l).join('\n');
  return single(dispatch([input(0, type, 'xa'), input(1, type, 'xb'), output(2, type)], batch * tilesM * tilesN, 256, body, decls));
};

/** Split a shape around `axis` into (outer, axis size, inner). */
function around(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, stridesOf(shape)[axis]!];
}

/** Normalize a (possibly negative) index into [0, n), or n when out of range. */
const normIndex = (e: Emit, raw: string, n: number): string => e.let(`select(${n}u, u32(select(${raw}, ${raw} + ${n}i, ${raw} < 0i)), ${raw} >= -${n}i && ${raw} < ${n}i)`, 'k');

/** Out-of-range indices read 0, as on the CPU (take and takeAlongAxis fill them). */
const gatherPlan: Builder<'gather'> = ([x, idx], { axis }, out) => {
  const type = storageType(x!.dtype);
  const [, nx, inner] = around(x!.shape, axis);
  const ni = idx!.shape[axis]!;
  return single(perElement(sizeOf(out.shape), [input(0, type, 'x'), input(1, 'i32', 'ix'), output(2, type)], (e, i) => {
    const o = e.let(`${i} / ${ni * inner}u`, 'o');
    const r = e.let(`${i} % ${inner}u`, 'r');
    const k = normIndex(e, `ix[${i}]`, nx);
    e.line(`var v = ${storageLiteral(x!.dtype, 0)};`);
    e.line(`if (${k} < ${nx}u) { v = x[(${o} * ${nx}u + ${k}) * ${inner}u + ${r}]; }`);
    e.line(`y[${i}] = v;`);
  }));
};

/**
 * No float atomics: each output element loops over the indices that could land on it, in order;
 * out-of-range indices land nowhere (dropped, as on the CPU).
 */
const scatterAddPlan: Builder<'scatterAdd'> = ([base, idx], { axis }, out) => {
  const type = storageType(base!.dtype);
  const [, nb, inner] = around(base!.shape, axis);
  const ni = idx!.shape[axis]!;
  return single(perElement(sizeOf(out.shape), [input(0, type, 'x'), input(1, 'i32', 'ix'), input(2, type, 'u'), output(3, type)], (e, i) => {
    const o = e.let(`${i} / ${nb * inner}u`, 'o');
    const b = e.let(`(${i} / ${inner}u) % ${nb}u`, 'b');
    const r = e.let(`${i} % ${inner}u`, 'r');
    e.line(`var acc = x[${i}];`);
    e.line(`for (var j = 0u; j < ${ni}u; j++) {`);
    e.line(`  let at = (${o} * ${ni}u + j) * ${inner}u + ${r};`);
    const inner2 = new Emit('w');
    const k = normIndex(inner2, 'ix[at]', nb);
    e.lines.push(...inner2.lines.map((l) => '  ' + l));
    e.line(`  if (${k} == ${b}) { acc = acc + u[at]; }`);
    e.line('}');
    e.line(`y[${i}] = ${base!.dtype === 'bool' ? 'min(acc, 1u)' : 'acc'};`);
  }));
};

const patchesPlan: Builder<'patches'> = ([x], p, out) => {
  const type = storageType(x!.dtype);
  const [, , h, w] = x!.shape as [number, number, number, number];
  const padValue = type === 'f32' ? f32Lit(p.padValue) : storageLiteral(x!.dtype, p.padValue);
  return single(perElement(sizeOf(out.shape), [input(0, type, 'x'), output(1, type)], (e, i) => {
    const [plane0, plane1, ky, kx, oy, ox] = unravel(e, i, out.shape);
    const plane = e.let(`${plane0} * ${out.shape[1]}u + ${plane1}`, 'p');
    const iy = e.let(`i32(${oy} * ${p.stride[0]}u + ${ky} * ${p.dilation[0]}u) - ${p.padding[0][0]}i`, 'iy');
    const ix = e.let(`i32(${ox} * ${p.stride[1]}u + ${kx} * ${p.dilation[1]}u) - ${p.padding[1][0]}i`, 'ix');
    e.line(`var v = ${padValue};`);
    e.line(`if (${iy} >= 0i && ${iy} < ${h}i && ${ix} >= 0i && ${ix} < ${w}i) { v = x[(${plane} * ${h}u + u32(${iy})) * ${w}u + u32(${ix})]; }`);
    e.line(`y[${i}] = v;`);
  }));
};

/** Each image pixel gathers the window elements read from it (in the CPU's summation order). */
const patchesTransposePlan: Builder<'patchesTranspose'> = ([win], p, out) => {
  const type = storageType(win!.dtype);
  const [, , kh, kw, oh, ow] = win!.shape as [number, number, number, number, number, number];
  const [, , h, w] = out.shape as [number, number, number, number];
  const [sy, sx] = p.stride, [dy, dx] = p.dilation;
  return single(perElement(sizeOf(out.shape), [input(0, type, 'x'), output(1, type)], (e, i) => {
    const plane = e.let(`${i} / ${h * w}u`, 'p');
    const iy = e.let(`i32((${i} / ${w}u) % ${h}u) + ${p.padding[0][0]}i`, 'iy');
    const ix = e.let(`i32(${i} % ${w}u) + ${p.padding[1][0]}i`, 'ix');
    e.line(`var acc = ${type === 'f32' ? '0.0' : type === 'i32' ? '0i' : '0u'};`);
    e.line(`for (var ky = 0i; ky < ${kh}i; ky++) {`);
    e.line(`  let ty = ${iy} - ky * ${dy}i;`);
    e.line(`  if (ty < 0i || ty % ${sy}i != 0i || ty / ${sy}i >= ${oh}i) { continue; }`);
    e.line(`  for (var kx = 0i; kx < ${kw}i; kx++) {`);
    e.line(`    let tx = ${ix} - kx * ${dx}i;`);
    e.line(`    if (tx < 0i || tx % ${sx}i != 0i || tx / ${sx}i >= ${ow}i) { continue; }`);
    e.line(`    acc = acc + x[(((${plane} * ${kh}u + u32(ky)) * ${kw}u + u32(kx)) * ${oh}u + u32(ty / ${sy}i)) * ${ow}u + u32(tx / ${sx}i)];`);
    e.line('  }');
    e.line('}');
    e.line(`y[${i}] = ${type === 'u32' ? 'min(acc, 1u)' : 'acc'};`);
  }));
};

/** Threefry-2x32 in u32 arithmetic: bit-exact with the CPU kernel. One invocation per block. */
const randomBitsPlan: Builder<'randomBits'> = ([key], p, out) => {
  const count = sizeOf(p.shape);
  const keys = sizeOf(key!.shape.slice(0, -1));
  const blocks = Math.ceil(count / 2);
  return single(perElement(keys * blocks, [input(0, 'i32', 'key'), output(1, 'i32')], (e, i) => {
    const k = e.let(`${i} / ${blocks}u`, 'k');
    const b = e.let(`${i} % ${blocks}u`, 'b');
    const r = e.let(`wl_threefry(bitcast<u32>(key[2u * ${k}]), bitcast<u32>(key[2u * ${k} + 1u]), ${p.offset >>> 0}u, ${b})`, 'r');
    const at = e.let(`${k} * ${count}u + 2u * ${b}`, 'at');
    e.line(`y[${at}] = bitcast<i32>(${r}.x);`);
    e.line(`if (2u * ${b} + 1u < ${count}u) { y[${at} + 1u] = bitcast<i32>(${r}.y); }`);
  }));
};

/** A user primitive's per-element WGSL (tensorlaw/extend), or a clear error when it has none. */
function userPlan(prim: string, ins: readonly Aval[], params: any, out: Aval): Plan {
  const user = userPrimitive(prim, 'WebGPU kernel');
  if (!user.webgpu) throw new Error(`${prim}: this user primitive has no webgpu implementation (give definePrimitive a 'webgpu' rule, or run it on CPU tensors)`);
  const body = user.webgpu({ inputs: ins, out, params });
  const bindings = [...ins.map((a, k) => input(k, storageType(a.dtype))), output(ins.length, storageType(out.dtype))];
  return single(perElement(sizeOf(out.shape), bindings, (e) => e.lines.push(...body.split('\n'))));
}

const builders = {
  ...rowsFor(ELEMENTWISE, (p): Builder<Prim> => (ins, params, out) => elementwisePlan(p, ins, params, out)),
  ...rowsFor(REDUCE, (p): Builder<ReducePrim> => ([x], { axes }, out) => reducePlan(p, x!, axes, out)),
  argmax: ([x], { axis }, out) => argPlan(true, x!, axis, out),
  argmin: ([x], { axis }, out) => argPlan(false, x!, axis, out),
  cumsum: ([x], { axis, reverse }) => cumsumPlan(x!, axis, reverse),
  argsort: ([x], { axis, descending }) => argsortPlan(x!, axis, descending),
  dynamicSlice: (ins, { sizes }, out) => dynamicSlicePlan(ins, sizes, out),
  dynamicUpdateSlice: (ins, _, out) => dynamicUpdateSlicePlan(ins, out),
  reshape: (_, __, out) => single({ kind: 'copy', src: 0, dst: 1, bytes: sizeOf(out.shape) * 4 }),
  broadcast: (ins, p, out) => indexMapPlan('broadcast', ins, p, out),
  transpose: (ins, p, out) => indexMapPlan('transpose', ins, p, out),
  slice: (ins, p, out) => indexMapPlan('slice', ins, p, out),
  flip: (ins, p, out) => indexMapPlan('flip', ins, p, out),
  pad: padPlan,
  concatenate: concatenatePlan,
  dot: dotPlan,
  gather: gatherPlan,
  scatterAdd: scatterAddPlan,
  patches: patchesPlan,
  patchesTranspose: patchesTransposePlan,
  randomBits: randomBitsPlan,
  cholesky: choleskyPlan,
  triangularSolve: triangularSolvePlan,
  lu: luPlan,
  qr: qrPlan,
  eigh: eighPlan,
  svd: svdPlan,
} satisfies { [P in Prim]: Builder<P> };

/** JSON with non-finite numbers spelled out (JSON would write null for all of them). */
export function paramsKey(params: unknown): string {
  return JSON.stringify(params, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/** The plan of one primitive application (cached, bounded). Refs: inputs, then output, then temps. */
export function planFor(prim: string, ins: readonly Aval[], params: any, out: Aval): Plan {
  const key = `${prim}|${ins.map((a) => `${a.dtype}[${a.shape}]`).join(',')}|${paramsKey(params)}`;
  let plan = planCache.get(key);
  if (!plan) {
    plan = sizeOf(out.shape) === 0 ? single(null) : isPrim(prim) ? (builders[prim] as Builder<Prim>)(ins, params, out) : userPlan(prim, ins, params, out);
    planCache.set(key, plan);
  }
  return plan;
}
