/**
 * One notion of approximate equality for every law: an `Approx` is a tolerance object (like
 * fp-ts-laws' `Eq`, but for floating point) whose `equals(a, b)` compares two pytrees of tensors
 * and numbers and returns `true` or the reason they differ: the tree path and index of the first
 * differing element, both values, and the tolerance it broke.
 *
 *   approx().equals(x, y);                                  // float64 to 1e-9, float32 to 1e-5
 *   approx({ rtol: 1e-6 }).equals({ w: a }, { w: b });      // '.w index [1, 0]: 0.25 vs 0.2500004 ...'
 *   bitwise.equals(jit(f)(x), f(x));                        // same bits: -0 ≠ 0, NaN payloads count
 *
 * Modes: 'close' (default) accepts |a - b| <= atol + rtol * magnitude, where the magnitude is
 * each element's own max(|a|, |b|) or, with `scale: 'tree'`, the largest finite magnitude in
 * either tree (so cancellation in one element does not fail a result that is right overall);
 * 'ulps' accepts elements at most `ulps` representable numbers apart in their dtype; 'exact'
 * wants equal numbers (0 equals -0, unless `signedZeros`); 'bitwise' wants identical bits. Integer and bool elements
 * are always compared exactly, infinities must match exactly, and a NaN matches only a NaN
 * (unless `nanEqualsNan: false`, when a NaN matches nothing).
 */
import * as T from '../src/tensor';
import { Tensor } from '../src/tensor';
import { flatten, flattenWithPath, keyPathToString } from '../src/tree';
import type { LawResult } from './result';

/** The precision an element is compared at: float64 or the looser float32 (float16 counts as float32). */
export type Precision = 'float32' | 'float64';

/** Relative and absolute tolerance of one precision: |a - b| <= atol + rtol * magnitude. */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** What `approx()` uses when a tolerance is not given: about 10^4 ulps of each dtype. */
export const defaultTolerance: { readonly [P in Precision]: Tolerance } = {
  float64: { rtol: 1e-9, atol: 1e-12 },
  float32: { rtol: 1e-5, atol: 1e-6 },
};

/** How `equals` compares elements (see the module comment). */
export type ApproxMode = 'close' | 'ulps' | 'exact' | 'bitwise';

/**
 * Options of `approx`; every one has a default.
 *
 *   approx({ rtol: 1e-6, float32: { rtol: 1e-4 } });   // float64 to 1e-6, float32 to 1e-4
 *   approx({ scale: 'tree', ignoreDtype: true });
 */
export interface ApproxOptions {
  /** How elements are compared (default 'close'). */
  readonly mode?: ApproxMode;
  /** Relative tolerance for every float dtype (default: `defaultTolerance` of the dtype). */
  readonly rtol?: number;
  /** Absolute tolerance for every float dtype. */
  readonly atol?: number;
  /** Tolerances of float32 elements, overriding `rtol`/`atol`. */
  readonly float32?: Partial<Tolerance>;
  /** Tolerances of float64 elements (and of plain numbers), overriding `rtol`/`atol`. */
  readonly float64?: Partial<Tolerance>;
  /** In 'ulps' mode, how many representable numbers apart two elements may be (default 4). */
  readonly ulps?: number;
  /** What rtol multiplies: each element's magnitude (default) or the largest in either tree. */
  readonly scale?: 'element' | 'tree';
  /** Whether a NaN equals a NaN (default true). */
  readonly nanEqualsNan?: boolean;
  /** Whether -0 differs from 0 (default false; bitwise comparisons always tell them apart). */
  readonly signedZeros?: boolean;
  /**
   * Compare tensors of different dtypes by value (a float32 result against a float64
   * reference), at the looser precision of the two (default false: dtypes must match).
   */
  readonly ignoreDtype?: boolean;
}

/**
 * Per-call scales for comparisons whose natural magnitude is not in the values themselves.
 * `relative`: rtol applies to at least this magnitude (an inner product whose terms cancel passes
 * the sum of the terms' magnitudes). `absolute`: atol is multiplied by it (a finite difference of
 * f carries rounding noise proportional to |f|). `precision`: the precision of plain numbers
 * computed from tensors (an inner product of float32 tensors is only float32-accurate).
 */
export interface Scale {
  readonly relative?: number;
  readonly absolute?: number;
  readonly precision?: Precision;
}

/**
 * A tolerance object: compare pytrees of tensors and numbers, getting `true` or the reason.
 * Build one with `approx(options)` or use a preset (`exact`, `sameValue`, `bitwise`).
 *
 *   const tol = approx({ rtol: 1e-6 });
 *   tol.equals(vdotA, vdotB, { relative: sumOfAbsTerms });   // an inner product whose terms cancel
 */
export interface Approx {
  readonly mode: ApproxMode;
  readonly float32: Tolerance;
  readonly float64: Tolerance;
  readonly ulps: number;
  readonly scale: 'element' | 'tree';
  readonly nanEqualsNan: boolean;
  readonly signedZeros: boolean;
  readonly ignoreDtype: boolean;
  /**
   * `true` when the trees have equal structure, leaf kinds, shapes (and dtypes, unless
   * ignoreDtype) and every element agrees; otherwise the first difference, located by tree
   * path and index, with both values and the tolerance.
   */
  equals(a: unknown, b: unknown, scale?: Scale): LawResult;
  /** A copy with some options changed (`rtol`/`atol` replace both dtypes' values). */
  with(options: ApproxOptions): Approx;
  toString(): string;
}

const KNOWN: readonly (keyof ApproxOptions)[] = ['mode', 'rtol', 'atol', 'float32', 'float64', 'ulps', 'scale', 'nanEqualsNan', 'signedZeros', 'ignoreDtype'];
const MODES: readonly ApproxMode[] = ['close', 'ulps', 'exact', 'bitwise'];

function tolerance(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0)) throw new Error(`approx: ${name} must be a number >= 0, got ${String(value)}`);
  return value;
}

function resolve(options: ApproxOptions, p: Precision): Tolerance {
  const own = options[p] ?? {};
  for (const k of Object.keys(own)) if (k !== 'rtol' && k !== 'atol') throw new Error(`approx: unknown ${p} option '${k}'; expected rtol or atol`);
  return {
    rtol: tolerance(`${p}.rtol`, own.rtol) ?? tolerance('rtol', options.rtol) ?? defaultTolerance[p].rtol,
    atol: tolerance(`${p}.atol`, own.atol) ?? tolerance('atol', options.atol) ?? defaultTolerance[p].atol,
  };
}

/**
 * Build a tolerance object. Without options: 'close' with `defaultTolerance` per dtype.
 *
 *   const tol = approx({ rtol: 1e-6, atol: 1e-9 });
 *   tol.equals(grad(f)(x), expected);           // true, or '[0] index [2]: 0.1 vs 0.1001 ...'
 *   approx({ mode: 'ulps', ulps: 2 }).equals(a, b);
 */
export function approx(options: ApproxOptions = {}): Approx {
  for (const k of Object.keys(options)) if (!KNOWN.includes(k as keyof ApproxOptions)) throw new Error(`approx: unknown option '${k}'; expected one of ${KNOWN.join(', ')}`);
  const mode = options.mode ?? 'close';
  if (!MODES.includes(mode)) throw new Error(`approx: mode must be one of ${MODES.join(', ')}, got ${String(mode)}`);
  const ulps = tolerance('ulps', options.ulps) ?? 4;
  const scale = options.scale ?? 'element';
  if (scale !== 'element' && scale !== 'tree') throw new Error(`approx: scale must be 'element' or 'tree', got ${String(scale)}`);
  const ignoreDtype = options.ignoreDtype ?? false;
  if (ignoreDtype && mode === 'bitwise') throw new Error('approx: bitwise comparison needs equal dtypes, so ignoreDtype cannot be set');
  const self: Approx = {
    mode,
    float32: resolve(options, 'float32'),
    float64: resolve(options, 'float64'),
    ulps,
    scale,
    nanEqualsNan: options.nanEqualsNan ?? true,
    signedZeros: options.signedZeros ?? false,
    ignoreDtype,
    equals: (a, b, s = {}) => compareTrees(self, a, b, s),
    with: (o) => {
      const { rtol, atol, float32, float64, ...rest } = o;
      const general = { ...(rtol !== undefined ? { rtol } : {}), ...(atol !== undefined ? { atol } : {}) };
      return approx({
        mode: self.mode, ulps: self.ulps, scale: self.scale, nanEqualsNan: self.nanEqualsNan, signedZeros: self.signedZeros, ignoreDtype: self.ignoreDtype, ...rest,
        float32: { ...self.float32, ...general, ...float32 },
        float64: { ...self.float64, ...general, ...float64 },
      });
    },
    toString: () => describeApprox(self),
  };
  return Object.freeze(self);
}

function describeApprox(a: Approx): string {
  if (a.mode === 'bitwise') return 'approx(bitwise)';
  if (a.mode === 'exact') return `approx(exact${a.signedZeros ? ', -0 ≠ 0' : ''})`;
  if (a.mode === 'ulps') return `approx(${a.ulps} ulps)`;
  const t = (p: Precision) => `${p} rtol ${a[p].rtol} atol ${a[p].atol}`;
  return `approx(${t('float64')}, ${t('float32')}${a.scale === 'tree' ? ', relative to the largest magnitude' : ''})`;
}

/**
 * Equal numbers: 0 equals -0 and NaN equals NaN; shapes and dtypes must match.
 *
 *   exact.equals(tensor([0]), tensor([-0]));  // true
 */
export const exact: Approx = approx({ mode: 'exact' });

/**
 * `Object.is` on every element: -0 differs from 0, any NaN equals any NaN; shapes and dtypes must match.
 *
 *   sameValue.equals({ n: -0 }, { n: 0 });   // '.n: -0 vs 0'
 */
export const sameValue: Approx = approx({ mode: 'exact', signedZeros: true });

/**
 * Identical bits: -0 differs from 0 and NaN payloads count; shapes and dtypes must match.
 *
 *   bitwise.equals(jit(f)(x), f(x));   // jit == eager on the CPU
 */
export const bitwise: Approx = approx({ mode: 'bitwise' });

// ---------------------------------------------------------------------------------------------
// Comparison

const precisionOfDType = (dtype: T.DType): Precision | undefined => (dtype === 'float64' ? 'float64' : T.isFloat(dtype) ? 'float32' : undefined);

/**
 * float32 when any float leaf of the trees is less precise than float64, else float64: the
 * precision to compare plain numbers computed from those trees at.
 *
 *   tol.equals(vdot(u, jv), vdot(jtu, v), { precision: precisionOf(u, jv, jtu, v) });
 */
export function precisionOf(...trees: unknown[]): Precision {
  for (const tree of trees) for (const l of flatten(tree)[0]) if (l instanceof Tensor && precisionOfDType(l.dtype) === 'float32') return 'float32';
  return 'float64';
}

/** A value in full (the shortest text that reads back as the same number, so unequal values print unequal). */
function fmt(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/** A difference or a tolerance, to 4 significant digits. */
function fmtShort(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

function describeLeaf(x: unknown): string {
  if (x instanceof Tensor) return `a ${T.fmtAval(x)} tensor`;
  if (typeof x === 'number') return `the number ${fmt(x)}`;
  if (typeof x === 'string') return `the string ${JSON.stringify(x)}`;
  return String(x);
}

/** Where leaf `i` (element k of a tensor of `shape`) sits, as text: '.w index [1, 0]'. */
function location(tree: unknown, i: number, shape?: readonly number[], k?: number): string {
  const path = keyPathToString(flattenWithPath(tree)[i]![0]);
  if (shape === undefined || k === undefined || shape.length === 0) return path === '' ? 'the root' : path;
  const index: number[] = [];
  let rest = k;
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return `${path === '' ? '' : `${path} `}index [${index.join(', ')}]`;
}

/** The largest finite magnitude among the float elements and numbers of the leaves. */
function largestMagnitude(leaves: readonly unknown[]): number {
  let m = 0;
  for (const l of leaves) {
    if (typeof l === 'number') {
      if (Number.isFinite(l)) m = Math.max(m, Math.abs(l));
    } else if (l instanceof Tensor && T.isFloat(l.dtype)) {
      for (const v of l.dataSync()) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
    }
  }
  return m;
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** How many representable numbers of the precision lie between u and v (both finite). */
function ulpDistance(u: number, v: number, p: Precision): number {
  if (p === 'float32') {
    const ordered = (x: number) => {
      f32[0] = x;
      const b = i32[0]!;
      return b < 0 ? -(b & 0x7fffffff) : b;
    };
    return Math.abs(ordered(u) - ordered(v));
  }
  const ordered = (x: number) => {
    f64[0] = x;
    const b = i64[0]!;
    return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
  };
  const d = ordered(u) - ordered(v);
  return Number(d < 0n ? -d : d);
}

interface Context {
  readonly approx: Approx;
  readonly treeScale: number;
  readonly relative: number;
  readonly absolute: number;
  /** The precision of plain numbers. */
  readonly precision: Precision;
}

/**
 * Compare two element arrays at a precision (undefined: integers, compared exactly); the text
 * of the first difference (values and tolerance) and its index, or undefined when they agree.
 */
function compareElements(x: ArrayLike<number>, y: ArrayLike<number>, p: Precision | undefined, c: Context): { k: number; detail: string } | undefined {
  const { approx: a } = c;
  for (let k = 0; k < x.length; k++) {
    const u = x[k]!, v = y[k]!;
    if (u === v && (u !== 0 || !a.signedZeros || Object.is(u, v))) continue;
    const values = `${fmt(u)} vs ${fmt(v)}`;
    if (u !== u || v !== v) {
      if (u !== u && v !== v && a.nanEqualsNan) continue;
      return { k, detail: u !== u && v !== v ? `${values} (NaN matches nothing here)` : values };
    }
    if (p === undefined || a.mode === 'exact' || !Number.isFinite(u) || !Number.isFinite(v)) return { k, detail: values };
    if (a.mode === 'ulps') {
      const d = ulpDistance(u, v, p);
      if (d <= a.ulps) continue;
      return { k, detail: `${values} are ${d} ${p} ulps apart, more than ${a.ulps}` };
    }
    const { rtol, atol } = a[p];
    const magnitude = Math.max(a.scale === 'tree' ? c.treeScale : Math.max(Math.abs(u), Math.abs(v)), c.relative);
    const tol = atol * c.absolute + rtol * magnitude;
    const diff = Math.abs(u - v);
    if (diff <= tol) continue;
    const atolText = c.absolute === 1 ? `atol ${atol}` : `atol ${atol} × ${fmtShort(c.absolute)}`;
    const of = c.relative > (a.scale === 'tree' ? c.treeScale : 0) && magnitude === c.relative ? 'the given magnitude' : a.scale === 'tree' ? 'the largest magnitude in either tree' : 'the larger value';
    return { k, detail: `${values} differ by ${fmtShort(diff)}, more than ${fmtShort(tol)} (${atolText} + ${p} rtol ${rtol} × ${fmtShort(magnitude)}, ${of})` };
  }
  return undefined;
}

function bytesOf(x: ArrayBufferView): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

function compareBits(x: T.TypedArray, y: T.TypedArray): { k: number; detail: string } | undefined {
  const bx = bytesOf(x), by = bytesOf(y);
  const width = x.BYTES_PER_ELEMENT;
  for (let b = 0; b < bx.length; b++) {
    if (bx[b] === by[b]) continue;
    const k = Math.floor(b / width);
    const hex = (bytes: Uint8Array) => `0x${Array.from(bytes.subarray(k * width, (k + 1) * width)).reverse().map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    return { k, detail: `${fmt(x[k]!)} vs ${fmt(y[k]!)} differ in their bits (${hex(bx)} vs ${hex(by)})` };
  }
  return undefined;
}

function compareLeaves(x: unknown, y: unknown, c: Context, where: (shape?: readonly number[], k?: number) => string): LawResult {
  const a = c.approx;
  if (x instanceof Tensor && y instanceof Tensor) {
    if (x.dtype !== y.dtype && !a.ignoreDtype) return `${where()}: ${T.fmtAval(x)} vs ${T.fmtAval(y)} (dtypes differ)`;
    if (!T.shapeEqual(x.shape, y.shape)) return `${where()}: ${T.fmtAval(x)} vs ${T.fmtAval(y)} (shapes differ)`;
    const u = x.dataSync(), v = y.dataSync();
    let diff: { k: number; detail: string } | undefined;
    if (a.mode === 'bitwise') diff = compareBits(u, v);
    else {
      const px = precisionOfDType(x.dtype), py = precisionOfDType(y.dtype);
      const p = px === undefined ? py : py === undefined ? px : px === 'float32' || py === 'float32' ? 'float32' : 'float64';
      diff = compareElements(u, v, p, c);
    }
    return diff ? `${where(x.shape, diff.k)}: ${diff.detail}` : true;
  }
  if (typeof x === 'number' && typeof y === 'number') {
    if (a.mode === 'bitwise') return Object.is(x, y) ? true : `${where()}: ${fmt(x)} vs ${fmt(y)} (not the same number)`;
    const diff = compareElements([x], [y], c.precision, c);
    return diff ? `${where()}: ${diff.detail}` : true;
  }
  if (x instanceof Tensor || y instanceof Tensor || typeof x === 'number' || typeof y === 'number') return `${where()}: ${describeLeaf(x)} vs ${describeLeaf(y)}`;
  return Object.is(x, y) ? true : `${where()}: ${describeLeaf(x)} vs ${describeLeaf(y)}`;
}

function compareTrees(a: Approx, x: unknown, y: unknown, s: Scale): LawResult {
  const [xs, dx] = flatten(x);
  const [ys, dy] = flatten(y);
  if (!dx.equals(dy)) return `structures differ: ${dx} vs ${dy}`;
  const c: Context = {
    approx: a,
    treeScale: a.scale === 'tree' && a.mode === 'close' ? Math.max(largestMagnitude(xs), largestMagnitude(ys)) : 0,
    relative: s.relative ?? 0,
    absolute: s.absolute ?? 1,
    precision: s.precision ?? 'float64',
  };
  for (let i = 0; i < xs.length; i++) {
    const r = compareLeaves(xs[i], ys[i], c, (shape, k) => location(x, i, shape, k));
    if (r !== true) return r;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Value-free checks that share the location format

/**
 * Same structure, and leaves of the same kind: tensors with equal shapes and dtypes (values may
 * differ), numbers with numbers, and other leaves equal by `Object.is`.
 *
 *   sameAvals(grad(loss)(params), params); // a gradient has its parameters' structure
 */
export function sameAvals(x: unknown, y: unknown): LawResult {
  const [xs, dx] = flatten(x);
  const [ys, dy] = flatten(y);
  if (!dx.equals(dy)) return `structures differ: ${dx} vs ${dy}`;
  for (let i = 0; i < xs.length; i++) {
    const a = xs[i], b = ys[i];
    const same = a instanceof Tensor && b instanceof Tensor
      ? a.dtype === b.dtype && T.shapeEqual(a.shape, b.shape)
      : !(a instanceof Tensor) && !(b instanceof Tensor) && (typeof a === 'number' ? typeof b === 'number' : Object.is(a, b));
    if (!same) return `${location(x, i)}: ${describeLeaf(a)} vs ${describeLeaf(b)}`;
  }
  return true;
}

/**
 * Every float element of the tree is finite (laws are stated on finite values).
 *
 *   allFinite(grad(loss)(params));   // true, or '.w index [0, 2] is NaN, not finite'
 */
export function allFinite(tree: unknown): LawResult {
  const xs = flatten(tree)[0];
  for (let i = 0; i < xs.length; i++) {
    const l = xs[i];
    if (!(l instanceof Tensor) || !T.isFloat(l.dtype)) continue;
    const d = l.dataSync();
    const k = d.findIndex((v) => !Number.isFinite(v));
    if (k >= 0) return `${location(tree, i, l.shape, k)} is ${d[k]}, not finite`;
  }
  return true;
}
