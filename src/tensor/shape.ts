/** Shape utilities shared by the op layer, the shape rules and the kernels. */
import { describeValue } from './describe';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapeEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

let errorContext: () => string = () => '';
/** The dispatch core installs a hook that names the active transformations for error messages. */
export function setErrorContext(context: () => string): void {
  errorContext = context;
}

/**
 * An error raised by an operation: names the operation, says what was expected, and where
 * tracing was when it happened ("inside vmap(grad(loss))").
 */
export class OpError extends Error {
  constructor(op: string, message: string) {
    const where = errorContext();
    super(`${op}: ${message}${where ? ` (inside ${where})` : ''}`);
    this.name = 'OpError';
  }
}

export function opError(op: string, message: string): never {
  throw new OpError(op, message);
}

/** The end of an exhaustive switch: the compiler proves it unreachable. */
export function unreachable(x: never): never {
  throw new Error(`internal: unexpected ${String(x)}`);
}

/** Numpy broadcasting of any number of shapes. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i]!;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        opError(op, `shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together (axis ${j - rank}: ${out[j]} vs ${d})`);
      }
    }
  }
  return out;
}

/** Resolve a possibly negative axis against a rank, with an error naming the op. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) opError(op, `axis must be an integer, got ${describeValue(axis)}`);
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 0) || (rank === 0)) {
    if (rank === 0) opError(op, `axis ${axis} is out of range for a 0-d tensor`);
    opError(op, `axis ${axis} is out of range for a tensor of rank ${rank} (expected -${rank} <= axis < ${rank})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Resolve an axis option (one axis, several, or all when undefined) into sorted unique axes. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axis !== 'number' && !Array.isArray(axis)) opError(op, `axis must be an integer, an array of integers or null (all axes), got ${describeValue(axis)}`);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) opError(op, `repeated axis in ${JSON.stringify(list)}`);
  return out.sort((a, b) => a - b);
}

export function isPermutation(perm: readonly number[], rank: number): boolean {
  if (perm.length !== rank) return false;
  const seen = new Set(perm);
  return seen.size === rank && perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank);
}

export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/**
 * Row-major strides with 0 for axes of size 1, so that reading an array with them and reading a
 * broadcast of it look alike (a fused loop reads every input through such strides).
 */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i]!;
  }
  return s;
}
