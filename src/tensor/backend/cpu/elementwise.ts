/**
 * Eager elementwise kernels, generated from the expression table (./expr.ts) once per
 * (primitive, operand dtype, result dtype, params) and cached: one tight loop per kernel, with
 * the operation inlined, over typed arrays of equal length. Storing into the result array
 * rounds to its dtype, which is the rounding fused jit code applies explicitly (a bool result
 * stores its truthiness: a Uint8Array alone would keep 1 + 1 as 2).
 */
import type { DType, TypedArray } from '../../dtype';
import type { ElementwisePrim } from '../../primitives';
import { exprRow, HELPERS, roundTo } from './expr';

type Loop = (a: TypedArray | undefined, b: TypedArray | undefined, c: TypedArray | undefined, out: TypedArray) => void;

/** Loops by primitive, operand dtype and result dtype (nested, to keep eager dispatch cheap), then params. */
const loops: Record<string, Record<string, Record<string, Map<string, Loop>>>> = {};

function hasKeys(params: object): boolean {
  for (const _ in params) return true;
  return false;
}

/** The generated loop computing `prim` elementwise; operands are arrays of the output's length. */
export function elementwiseLoop(prim: ElementwisePrim, arity: number, inDtype: DType, outDtype: DType, params: object): Loop {
  const byIn = (loops[prim] ??= {});
  const byOut = (byIn[inDtype] ??= {});
  const byParams = (byOut[outDtype] ??= new Map());
  const key = hasKeys(params) ? JSON.stringify(params) : '';
  let loop = byParams.get(key);
  if (!loop) {
    const names = ['a', 'b', 'c'].slice(0, arity);
    const reads = names.map((n) => `const ${n}i=${n}[i];`).join('');
    const value = exprRow(prim).js(names.map((n) => `${n}i`), params);
    const expr = outDtype === 'bool' ? roundTo('bool', value) : value;
    const src = `return function ${prim}Kernel(a,b,c,o){const n=o.length;for(let i=0;i<n;i++){${reads}o[i]=${expr};}}`;
    loop = new Function('H', src)(HELPERS) as Loop;
    byParams.set(key, loop);
  }
  return loop;
}
