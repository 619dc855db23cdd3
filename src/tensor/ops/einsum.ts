/**
 * einsum over single-letter subscripts. Operands are contracted pairwise, left to right; each
 * pair becomes one batched `dot` after transposing both sides to [batch, free, contracted] order,
 * so every transformation sees only primitives it already knows.
 */
import type { Tensor } from '../core';
import { fmtAval } from '../aval';
import { opError, sizeOf } from '../shape';
import { asTensor, resultTypeOf, type TensorLike } from './create';
import { astype, reshapeExact } from './broadcast';
import { sum } from './reduce';
import { transpose } from './shape';
import { batchedDot } from './linalg';

interface Term {
  readonly t: Tensor;
  readonly labels: string;
}

function parse(spec: string, count: number): { inputs: string[]; output: string } {
  const s = spec.replace(/\s+/g, '');
  if (s.includes('.')) opError('einsum', `ellipsis ('...') is not supported, got '${spec}'`);
  const parts = s.split('->');
  if (parts.length > 2 || !/^[a-zA-Z,]*$/.test(parts[0]!) || (parts.length === 2 && !/^[a-zA-Z]*$/.test(parts[1]!))) {
    opError('einsum', `cannot parse '${spec}' (expected letters like 'ij,jk->ik')`);
  }
  const inputs = parts[0]!.split(',');
  if (inputs.length !== count) opError('einsum', `'${spec}' names ${inputs.length} operand(s) but ${count} were given`);
  for (const labels of inputs) {
    const dup = [...labels].find((c, i) => labels.indexOf(c) !== i);
    // A repeated label within one operand means a diagonal or trace ('ii->'), which needs a gather.
    if (dup) opError('einsum', `repeated index '${dup}' within operand '${labels}' of '${spec}' (diagonals and traces are not supported)`);
  }
  const all = inputs.join('');
  let output: string;
  if (parts.length === 2) {
    output = parts[1]!;
    const dup = [...output].find((c, i) => output.indexOf(c) !== i);
    if (dup) opError('einsum', `output index '${dup}' repeats in '${spec}'`);
    const missing = [...output].find((c) => !all.includes(c));
    if (missing) opError('einsum', `output index '${missing}' of '${spec}' appears in no operand`);
  } else {
    // numpy's implicit mode: the labels used exactly once, in alphabetical order.
    output = [...new Set(all)].filter((c) => all.indexOf(c) === all.lastIndexOf(c)).sort().join('');
  }
  return { inputs, output };
}

/** Sum out the labels of `term` that are not in `keep`. */
function reduceTo(term: Term, keep: string): Term {
  const axes = [...term.labels].flatMap((c, i) => (keep.includes(c) ? [] : [i]));
  if (axes.length === 0) return term;
  return { t: sum(term.t, { axis: axes }), labels: [...term.labels].filter((c) => keep.includes(c)).join('') };
}

function permuted(term: Term, order: string): Tensor {
  return transpose(term.t, [...order].map((c) => term.labels.indexOf(c)));
}

/** Contract two terms, keeping the labels in `keep`; the result is ordered [batch, freeA, freeB]. */
function contract(a0: Term, b0: Term, keep: string): Term {
  const a = reduceTo(a0, keep + b0.labels);
  const b = reduceTo(b0, keep + a.labels);
  const inB = (c: string): boolean => b.labels.includes(c);
  const batch = [...a.labels].filter((c) => inB(c) && keep.includes(c)).join('');
  const contracted = [...a.labels].filter((c) => inB(c) && !keep.includes(c)).join('');
  const freeA = [...a.labels].filter((c) => !inB(c)).join('');
  const freeB = [...b.labels].filter((c) => !a.labels.includes(c)).join('');
  const size = (term: Term, labels: string): number[] => [...labels].map((c) => term.t.shape[term.labels.indexOf(c)]!);
  const [bs, fa, cs, fb] = [size(a, batch), size(a, freeA), size(a, contracted), size(b, freeB)];
  const a3 = reshapeExact(permuted(a, batch + freeA + contracted), [sizeOf(bs), sizeOf(fa), sizeOf(cs)]);
  const b3 = reshapeExact(permuted(b, batch + contracted + freeB), [sizeOf(bs), sizeOf(cs), sizeOf(fb)]);
  return { t: reshapeExact(batchedDot(a3, b3), [...bs, ...fa, ...fb]), labels: batch + freeA + freeB };
}

/**
 * Einstein summation for any number of operands with single-letter labels: labels shared by
 * operands and kept in the output are batch axes, shared ones left out are contracted, and
 * labels of one operand left out are summed. Without '->' the output is numpy's implicit one.
 * Ellipses and repeated labels within one operand (diagonals, 'ii->') are not supported.
 * @example einsum('ij,jk->ik', a, b)                // matmul
 * @example einsum('bhqd,bhkd->bhqk', q, k)          // attention scores
 */
export function einsum(spec: string, ...operands: TensorLike[]): Tensor {
  if (typeof spec !== 'string') opError('einsum', `the first argument must be a subscripts string like 'ij,jk->ik', got ${typeof spec}`);
  if (operands.length === 0) opError('einsum', 'needs at least one operand');
  const { inputs, output } = parse(spec, operands.length);
  const dt = resultTypeOf(...operands);
  const terms: Term[] = operands.map((x, i) => ({ t: astype(asTensor('einsum', x, dt), dt), labels: inputs[i]! }));
  const sizes = new Map<string, number>();
  terms.forEach(({ t, labels }, i) => {
    if (t.ndim !== labels.length) opError('einsum', `operand ${i} is ${fmtAval(t)} but '${labels}' names ${labels.length} axes`);
    [...labels].forEach((c, j) => {
      const d = t.shape[j]!;
      const seen = sizes.get(c);
      if (seen !== undefined && seen !== d) opError('einsum', `index '${c}' has size ${seen} and ${d} in '${spec}' (operands ${terms.map((u) => fmtAval(u.t)).join(', ')})`);
      sizes.set(c, d);
    });
  });
  let acc = terms[0]!;
  for (let i = 1; i < terms.length; i++) {
    const later = terms.slice(i + 1).map((u) => u.labels).join('');
    acc = contract(acc, terms[i]!, output + later);
  }
  return permuted(reduceTo(acc, output), output);
}
