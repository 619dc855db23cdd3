/**
 * einsum for any number of operands, NumPy's grammar: single-letter labels, one '...' per term
 * for broadcast dimensions, an implicit output when '->' is left out, and repeated labels
 * within a term for diagonals ('ii->i') and traces ('ii->'). A term's repeated labels become a
 * diagonal first; labels of one term that nothing else needs are summed out; then pairs are
 * contracted greedily, always the pair whose result is smallest relative to its inputs
 * (opt_einsum's greedy rule), each pair one batched `dot` after transposing both sides to
 * [batch, free, contracted] order. Every transformation sees only primitives it knows.
 */
import type { Tensor } from '../core';
import { fmtAval } from '../aval';
import { opError, sizeOf } from '../shape';
import { asTensor, resultTypeOf, type TensorLike } from './create';
import { astype, broadcastTo, reshapeExact } from './broadcast';
import { sum } from './reduce';
import { transpose } from './shape';
import { diagonal } from './diagonal';
import { batchedDot } from './linalg';

/** A tensor with one label per axis; broadcast ('...') axes get labels outside a-zA-Z. */
interface Term {
  readonly t: Tensor;
  readonly labels: string;
}

const ELLIPSIS = '...';
/** The label of broadcast axis k (counted from the right): never a letter. */
const broadcastLabel = (k: number): string => String.fromCharCode(0x100 + k);
const isLetter = (c: string): boolean => /^[a-zA-Z]$/.test(c);

function fail(spec: string, message: string): never {
  return opError('einsum', `${message} in '${spec}'`);
}

function checkTerm(spec: string, term: string, what: string): void {
  const rest = term.replace(ELLIPSIS, '');
  if (rest.includes('.')) fail(spec, `${what} '${term}' may hold one '...' and letters only`);
  if (!/^[a-zA-Z]*$/.test(rest)) fail(spec, `${what} '${term}' may hold letters (a-z, A-Z) and one '...' only`);
}

/** Labels of an operand of rank `rank`: its letters with '...' expanded to broadcast labels. */
function expand(spec: string, term: string, t: Tensor, i: number): string {
  const letters = term.replace(ELLIPSIS, '').length;
  const rank = t.ndim;
  if (!term.includes(ELLIPSIS)) {
    if (letters !== rank) fail(spec, `operand ${i} is ${fmtAval(t)} but '${term}' names ${letters} axes`);
    return term;
  }
  const extra = rank - letters;
  if (extra < 0) fail(spec, `operand ${i} is ${fmtAval(t)}, of lower rank than the ${letters} letters of '${term}'`);
  const [before, after] = term.split(ELLIPSIS) as [string, string];
  return before + Array.from({ length: extra }, (_, k) => broadcastLabel(extra - 1 - k)).join('') + after;
}

/** A term's repeated labels replaced by diagonals (the diagonal's axis goes last; sizes were checked to agree). */
function diagonals(term: Term): Term {
  let { t, labels } = term;
  for (;;) {
    const q = [...labels].findIndex((c, i) => labels.indexOf(c) !== i);
    if (q < 0) return { t, labels };
    const p = labels.indexOf(labels[q]!);
    t = diagonal(t, { axis1: p, axis2: q });
    labels = [...labels].filter((_, i) => i !== p && i !== q).join('') + labels[q];
  }
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

/** The labels a pair's contraction keeps: those of the output or of any other term. */
function keptBy(terms: readonly Term[], i: number, j: number, output: string): string {
  return output + terms.filter((_, k) => k !== i && k !== j).map((u) => u.labels).join('');
}

/** Greedy order: the pair whose result is smallest next to its inputs, first such pair on ties. */
function nextPair(terms: readonly Term[], output: string, sizes: ReadonlyMap<string, number>): [number, number] {
  let best: [number, number] = [0, 1];
  let bestCost = Infinity;
  for (let i = 0; i < terms.length; i++) {
    for (let j = i + 1; j < terms.length; j++) {
      const keep = keptBy(terms, i, j, output);
      const labels = new Set([...terms[i]!.labels, ...terms[j]!.labels].filter((c) => keep.includes(c)));
      const result = [...labels].reduce((n, c) => n * sizes.get(c)!, 1);
      const cost = result - terms[i]!.t.size - terms[j]!.t.size;
      if (cost < bestCost) [best, bestCost] = [[i, j], cost];
    }
  }
  return best;
}

/**
 * Einstein summation (NumPy's einsum): labels shared by operands and kept in the output are
 * batch axes, shared ones left out are contracted, labels of one operand left out are summed,
 * a label repeated within an operand takes its diagonal, and '...' stands for broadcast axes.
 * Without '->' the output is the broadcast axes then the labels used once, in alphabetical order.
 * @example einsum('ij,jk->ik', a, b)                 // matmul
 * @example einsum('bhqd,bhkd->bhqk', q, k)           // attention scores
 * @example einsum('ii', m)                           // trace
 * @example einsum('...ij,...jk', a, b)               // batched matmul with broadcasting
 * @example einsum('i,ij,jk,k->', u, A, B, v)         // contracted in a greedy order
 */
export function einsum(spec: string, ...operands: TensorLike[]): Tensor {
  if (typeof spec !== 'string') opError('einsum', `the first argument must be a subscripts string like 'ij,jk->ik', got ${typeof spec}`);
  if (operands.length === 0) opError('einsum', 'needs at least one operand');
  const s = spec.replace(/\s+/g, '');
  const parts = s.split('->');
  if (parts.length > 2) fail(spec, "more than one '->'");
  const inputs = parts[0]!.split(',');
  if (inputs.length !== operands.length) fail(spec, `${inputs.length} operand term(s) but ${operands.length} operand(s) were given`);
  inputs.forEach((term, i) => checkTerm(spec, term, `operand term ${i}`));
  if (parts.length === 2) checkTerm(spec, parts[1]!, 'the output');

  const dt = resultTypeOf(...operands);
  const tensors = operands.map((x) => astype(asTensor('einsum', x, dt), dt));
  let terms: Term[] = tensors.map((t, i) => ({ t, labels: expand(spec, inputs[i]!, t, i) }));

  // Every label's size; broadcast labels stretch from 1, letters must agree.
  const sizes = new Map<string, number>();
  for (const { t, labels } of terms) {
    [...labels].forEach((c, j) => {
      const d = t.shape[j]!;
      const seen = sizes.get(c);
      if (seen === undefined || seen === d) sizes.set(c, d);
      else if (!isLetter(c) && (seen === 1 || d === 1)) sizes.set(c, Math.max(seen, d));
      else fail(spec, `${isLetter(c) ? `index '${c}'` : "a '...' axis"} has sizes ${seen} and ${d} (operands ${tensors.map(fmtAval).join(', ')})`);
    });
  }
  terms = terms.map(({ t, labels }) => ({ t: broadcastTo(t, [...labels].map((c) => sizes.get(c)!)), labels }));

  const broadcast = [...sizes.keys()].filter((c) => !isLetter(c)).sort().reverse().join('');
  const all = inputs.join('').replace(/\./g, '');
  let output: string;
  if (parts.length === 2) {
    const out = parts[1]!;
    const dup = [...out.replace(ELLIPSIS, '')].find((c, i, a) => a.indexOf(c) !== i);
    if (dup) fail(spec, `output index '${dup}' repeats`);
    const missing = [...out.replace(ELLIPSIS, '')].find((c) => !all.includes(c));
    if (missing) fail(spec, `output index '${missing}' appears in no operand`);
    output = out.replace(ELLIPSIS, broadcast);
  } else {
    output = broadcast + [...new Set(all)].filter((c) => all.indexOf(c) === all.lastIndexOf(c)).sort().join('');
  }

  terms = terms.map(diagonals);
  terms = terms.map((term, i) => reduceTo(term, output + terms.filter((_, k) => k !== i).map((u) => u.labels).join('')));
  while (terms.length > 1) {
    const [i, j] = nextPair(terms, output, sizes);
    const merged = contract(terms[i]!, terms[j]!, keptBy(terms, i, j, output));
    terms = [...terms.filter((_, k) => k !== i && k !== j), merged];
  }
  return permuted(reduceTo(terms[0]!, output), output);
}
