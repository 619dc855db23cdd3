/**
 * A short, safe rendering of any value for an error message. It lives apart from validate.ts so
 * shape.ts (which validate.ts builds on) can use it too.
 *
 *   describeValue({ axis: 0 });   // '{ axis }'
 *   describeValue(undefined);     // 'undefined'
 */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x);
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return Object.is(x, -0) ? '-0' : String(x);
  if (typeof x === 'symbol') return x.toString();
  if (typeof x === 'function') return `a function${x.name ? ` (${x.name})` : ''}`;
  if (Array.isArray(x)) return x.length > 8 ? `an array of length ${x.length}` : `[${x.map(describeValue).join(', ')}]`;
  const proto = Object.getPrototypeOf(x) as { constructor?: { name?: string } } | null;
  const name = proto?.constructor?.name;
  // Tensors describe themselves as dtype[shape], the way every shape error prints them.
  const t = x as { dtype?: unknown; shape?: unknown };
  if (name && name !== 'Object' && typeof t.dtype === 'string' && Array.isArray(t.shape)) return `a tensor ${t.dtype}[${t.shape.join(', ')}]`;
  if (name && name !== 'Object') return `a ${name}`;
  const keys = Object.keys(x as object);
  return keys.length > 6 ? `an object with keys ${keys.slice(0, 6).join(', ')}, ...` : `{ ${keys.join(', ')} }`;
}
