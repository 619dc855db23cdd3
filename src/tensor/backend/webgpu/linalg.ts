/**
 * WebGPU kernels of the linear-algebra primitives, in float32 (WebGPU has no float64). Each
 * invocation owns one matrix of the batch (one column of one matrix for triangular solves) and
 * runs the textbook loop: Cholesky, substitution, LU with partial pivoting, Householder QR,
 * cyclic Jacobi for eigh and one-sided Jacobi for svd, working in scratch buffers. Loops take
 * any n (sizes are baked into the shader as constants); correctness over speed: a batch of
 * small matrices runs in parallel, one large matrix on a single GPU thread. The conventions
 * (signs, orders, pivot ties, NaN results) are the CPU kernels' (backend/cpu/linalg/).
 */
import type { Aval } from '../../aval';
import type { PrimParams } from '../../primitives';
import { sizeOf } from '../../shape';
import { input, output, perElement, type Binding, type Plan } from './plan';

/** A plan of one dispatch with one invocation per item (`i` in the code), with f32 scratch buffers. */
function perItem(count: number, bindings: readonly Binding[], code: string, tempFloats: readonly number[] = []): Plan {
  const step = perElement(count, bindings, (e) => e.lines.push(...code.trim().split('\n').map((l) => l.trimEnd())));
  return { steps: [step], temps: tempFloats.map((n) => Math.max(4, n * 4)) };
}

const matrices = (x: Aval): number => sizeOf(x.shape.slice(0, -2));
const dims = (x: Aval): [number, number] => [x.shape[x.shape.length - 2]!, x.shape[x.shape.length - 1]!];
/** Scratch buffer k of a plan with `inputs` inputs (refs: inputs, the output, then temps). */
const scratch = (inputs: number, k: number, name: string): Binding => output(inputs + 1 + k, 'f32', name);

/** NaN into `count` outputs from `o` when `finite` is false (the statement ends the invocation). */
const nanUnlessFinite = (count: number): string =>
  `if (!finite) { for (var z = 0u; z < ${count}u; z++) { y[o + z] = wl_nan(); } return; }`;

export function choleskyPlan(ins: readonly Aval[]): Plan {
  const n = dims(ins[0]!)[1];
  return perItem(matrices(ins[0]!), [input(0, 'f32'), output(1, 'f32')], `
let o = i * ${n * n}u;
var ok = true;
for (var j = 0u; j < ${n}u; j++) {
  var d = x0[o + j * ${n}u + j];
  for (var k = 0u; k < j; k++) { let l = y[o + j * ${n}u + k]; d = d - l * l; }
  if (!(d > 0.0) || wl_isnan(d)) { ok = false; break; }
  let ljj = sqrt(d);
  y[o + j * ${n}u + j] = ljj;
  for (var c = j + 1u; c < ${n}u; c++) { y[o + j * ${n}u + c] = 0.0; }
  for (var r = j + 1u; r < ${n}u; r++) {
    var s = 0.5 * (x0[o + r * ${n}u + j] + x0[o + j * ${n}u + r]);
    for (var k = 0u; k < j; k++) { s = s - y[o + r * ${n}u + k] * y[o + j * ${n}u + k]; }
    y[o + r * ${n}u + j] = s / ljj;
  }
}
if (!ok) { for (var z = 0u; z < ${n * n}u; z++) { y[o + z] = wl_nan(); } }`);
}

/** One invocation per column of B: forward or back substitution down that column. */
export function triangularSolvePlan(ins: readonly Aval[], p: PrimParams['triangularSolve']): Plan {
  const n = dims(ins[0]!)[1], k = dims(ins[1]!)[1];
  const forward = p.lower !== p.transposeA;
  const a = (r: string, c: string) => (p.transposeA ? `x0[ao + ${c} * ${n}u + ${r}]` : `x0[ao + ${r} * ${n}u + ${c}]`);
  return perItem(matrices(ins[1]!) * k, [input(0, 'f32'), input(1, 'f32'), output(2, 'f32')], `
let ao = (i / ${k}u) * ${n * n}u;
let bo = (i / ${k}u) * ${n * k}u + i % ${k}u;
for (var st = 0u; st < ${n}u; st++) {
  let r = ${forward ? 'st' : `${n - 1}u - st`};
  var s = x1[bo + r * ${k}u];
  for (var j = ${forward ? '0u' : 'r + 1u'}; j < ${forward ? 'r' : `${n}u`}; j++) { s = s - ${a('r', 'j')} * y[bo + j * ${k}u]; }
  y[bo + r * ${k}u] = ${p.unitDiagonal ? 's' : `s / ${a('r', 'r')}`};
}`);
}

/** Elimination in the output itself: rows swap with their permutation entry; step j records its pivot row. */
export function luPlan(ins: readonly Aval[]): Plan {
  const [m, n] = dims(ins[0]!);
  const w = n + 2;
  return perItem(matrices(ins[0]!), [input(0, 'f32'), output(1, 'f32')], `
let o = i * ${m * w}u;
let xo = i * ${m * n}u;
for (var r = 0u; r < ${m}u; r++) {
  for (var c = 0u; c < ${n}u; c++) { y[o + r * ${w}u + c] = x0[xo + r * ${n}u + c]; }
  y[o + r * ${w}u + ${n}u] = f32(r);
  y[o + r * ${w}u + ${n + 1}u] = f32(r);
}
for (var j = 0u; j < ${Math.min(m, n)}u; j++) {
  var pr = j;
  for (var r = j + 1u; r < ${m}u; r++) { if (abs(y[o + r * ${w}u + j]) > abs(y[o + pr * ${w}u + j])) { pr = r; } }
  y[o + j * ${w}u + ${n}u] = f32(pr);
  if (pr != j) {
    for (var c = 0u; c < ${w}u; c++) {
      if (c == ${n}u) { continue; }
      let t = y[o + j * ${w}u + c]; y[o + j * ${w}u + c] = y[o + pr * ${w}u + c]; y[o + pr * ${w}u + c] = t;
    }
  }
  let piv = y[o + j * ${w}u + j];
  if (piv != 0.0) {
    for (var r = j + 1u; r < ${m}u; r++) {
      let l = y[o + r * ${w}u + j] / piv;
      y[o + r * ${w}u + j] = l;
      for (var c = j + 1u; c < ${n}u; c++) { y[o + r * ${w}u + c] = y[o + r * ${w}u + c] - l * y[o + j * ${w}u + c]; }
    }
  }
}`);
}

/** Householder QR in scratch R (m x n) and Q (m x m), then diag(R) >= 0, then the packed output. */
export function qrPlan(ins: readonly Aval[], p: PrimParams['qr']): Plan {
  const [m, n] = dims(ins[0]!);
  const k = p.full ? m : Math.min(m, n);
  const count = matrices(ins[0]!);
  const R = (r: string, c: string) => `tr[ro + ${r} * ${n}u + ${c}]`;
  const Q = (r: string, c: string) => `tq[qo + ${r} * ${m}u + ${c}]`;
  return perItem(count, [input(0, 'f32'), output(1, 'f32'), scratch(1, 0, 'tr'), scratch(1, 1, 'tq')], `
let ro = i * ${m * n}u;
let qo = i * ${m * m}u;
let o = i * ${(m + n) * k}u;
for (var z = 0u; z < ${m * n}u; z++) { tr[ro + z] = x0[ro + z]; }
for (var r = 0u; r < ${m}u; r++) { for (var c = 0u; c < ${m}u; c++) { ${Q('r', 'c')} = select(0.0, 1.0, r == c); } }
for (var j = 0u; j < ${Math.max(0, Math.min(m - 1, n))}u; j++) {
  var below = 0.0;
  for (var r = j + 1u; r < ${m}u; r++) { let v = ${R('r', 'j')}; below = below + v * v; }
  if (below == 0.0) { continue; }
  let xj = ${R('j', 'j')};
  let nrm = sqrt(xj * xj + below);
  let alpha = select(nrm, -nrm, xj > 0.0);
  let v0 = xj - alpha;
  let scale = 2.0 / (v0 * v0 + below);
  for (var c = j + 1u; c < ${n}u; c++) {
    var s = v0 * ${R('j', 'c')};
    for (var r = j + 1u; r < ${m}u; r++) { s = s + ${R('r', 'j')} * ${R('r', 'c')}; }
    ${R('j', 'c')} = ${R('j', 'c')} - scale * s * v0;
    for (var r = j + 1u; r < ${m}u; r++) { ${R('r', 'c')} = ${R('r', 'c')} - scale * s * ${R('r', 'j')}; }
  }
  for (var row = 0u; row < ${m}u; row++) {
    var s = ${Q('row', 'j')} * v0;
    for (var r = j + 1u; r < ${m}u; r++) { s = s + ${Q('row', 'r')} * ${R('r', 'j')}; }
    ${Q('row', 'j')} = ${Q('row', 'j')} - scale * s * v0;
    for (var r = j + 1u; r < ${m}u; r++) { ${Q('row', 'r')} = ${Q('row', 'r')} - scale * s * ${R('r', 'j')}; }
  }
  ${R('j', 'j')} = alpha;
  for (var r = j + 1u; r < ${m}u; r++) { ${R('r', 'j')} = 0.0; }
}
for (var d = 0u; d < ${Math.min(m, n)}u; d++) {
  if (${R('d', 'd')} < 0.0) {
    for (var c = 0u; c < ${n}u; c++) { ${R('d', 'c')} = -${R('d', 'c')}; }
    for (var r = 0u; r < ${m}u; r++) { ${Q('r', 'd')} = -${Q('r', 'd')}; }
  }
}
for (var r = 0u; r < ${m}u; r++) { for (var c = 0u; c < ${k}u; c++) { y[o + r * ${k}u + c] = ${Q('r', 'c')}; } }
for (var c = 0u; c < ${n}u; c++) { for (var d = 0u; d < ${k}u; d++) { y[o + (${m}u + c) * ${k}u + d] = ${R('d', 'c')}; } }`, [count * m * n, count * m * m]);
}

/** `sg`: -1 when the entry of largest magnitude (the first, on ties) among at(0..rows-1) is negative, else 1. */
const largestEntrySign = (rows: number, at: (r: string) => string): string => `
var big = 0u;
for (var r = 1u; r < ${rows}u; r++) { if (abs(${at('r')}) > abs(${at('big')})) { big = r; } }
let sg = select(1.0, -1.0, ${at('big')} < 0.0);`;

/** Cyclic Jacobi rotations of the symmetric part in scratch A (n x n), accumulating V; then ascending order. */
export function eighPlan(ins: readonly Aval[]): Plan {
  const n = dims(ins[0]!)[1];
  const count = matrices(ins[0]!);
  const A = (r: string, c: string) => `ta[ao + ${r} * ${n}u + ${c}]`;
  const V = (r: string, c: string) => `tv[ao + ${r} * ${n}u + ${c}]`;
  return perItem(count, [input(0, 'f32'), output(1, 'f32'), scratch(1, 0, 'ta'), scratch(1, 1, 'tv'), scratch(1, 2, 'tf')], `
let ao = i * ${n * n}u;
let fo = i * ${n}u;
let o = i * ${(n + 1) * n}u;
var finite = true;
for (var r = 0u; r < ${n}u; r++) {
  for (var c = 0u; c < ${n}u; c++) {
    let v = 0.5 * (x0[ao + r * ${n}u + c] + x0[ao + c * ${n}u + r]);
    if (!wl_finite(v)) { finite = false; }
    ${A('r', 'c')} = v;
    ${V('r', 'c')} = select(0.0, 1.0, r == c);
  }
  tf[fo + r] = 0.0;
}
${nanUnlessFinite((n + 1) * n)}
for (var sweep = 0u; sweep < 50u; sweep++) {
  var rotated = false;
  for (var p = 0u; p + 1u < ${n}u; p++) {
    for (var q = p + 1u; q < ${n}u; q++) {
      let apq = ${A('p', 'q')};
      let app = ${A('p', 'p')};
      let aqq = ${A('q', 'q')};
      if (abs(apq) <= 1e-7 * (abs(app) + abs(aqq))) { continue; }
      rotated = true;
      let theta = (aqq - app) / (2.0 * apq);
      let t = select(1.0, -1.0, theta < 0.0) / (abs(theta) + sqrt(theta * theta + 1.0));
      let c = 1.0 / sqrt(t * t + 1.0);
      let s = t * c;
      for (var k = 0u; k < ${n}u; k++) {
        let akp = ${A('k', 'p')}; let akq = ${A('k', 'q')};
        ${A('k', 'p')} = c * akp - s * akq; ${A('k', 'q')} = s * akp + c * akq;
      }
      for (var k = 0u; k < ${n}u; k++) {
        let apk = ${A('p', 'k')}; let aqk = ${A('q', 'k')};
        ${A('p', 'k')} = c * apk - s * aqk; ${A('q', 'k')} = s * apk + c * aqk;
        let vkp = ${V('k', 'p')}; let vkq = ${V('k', 'q')};
        ${V('k', 'p')} = c * vkp - s * vkq; ${V('k', 'q')} = s * vkp + c * vkq;
      }
    }
  }
  if (!rotated) { break; }
}
for (var j = 0u; j < ${n}u; j++) {
  var best = 0u;
  var found = false;
  for (var c = 0u; c < ${n}u; c++) {
    if (tf[fo + c] == 0.0 && (!found || ${A('c', 'c')} < ${A('best', 'best')})) { best = c; found = true; }
  }
  tf[fo + best] = 1.0;
  ${largestEntrySign(n, (r) => V(r, 'best')).trim().split('\n').join('\n  ')}
  for (var r = 0u; r < ${n}u; r++) { y[o + r * ${n}u + j] = sg * ${V('r', 'best')}; }
  y[o + ${n * n}u + j] = ${A('best', 'best')};
}`, [count * n * n, count * n * n, count * n]);
}

/**
 * One-sided Jacobi on the tall one of A and Aᵀ (r x c, in scratch W), accumulating V (c x c);
 * then the columns in descending order of norm, normalized (a zero column's direction completed
 * by Gram-Schmidt on the standard basis), and U's signs fixed by its largest entries.
 */
export function svdPlan(ins: readonly Aval[], p: PrimParams['svd']): Plan {
  const [m, n] = dims(ins[0]!);
  const k = Math.min(m, n);
  const wide = m < n;
  const [r, c] = wide ? [n, m] : [m, n];
  const count = matrices(ins[0]!);
  const size = p.computeUv ? (m + 1 + n) * k : k;
  const [uRow, vRow] = wide ? [m + 1, 0] : [0, m + 1]; // where W's factor and V's factor go
  const W = (row: string, col: string) => `tw[wo + ${row} * ${c}u + ${col}]`;
  const V = (row: string, col: string) => `tv[vo + ${row} * ${c}u + ${col}]`;
  const Y = (row: string, col: string) => `y[o + (${row}) * ${k}u + ${col}]`;
  const rotateV = p.computeUv ? `for (var z = 0u; z < ${c}u; z++) { let vp = ${V('z', 'pc')}; let vq = ${V('z', 'qc')}; ${V('z', 'pc')} = cs * vp - sn * vq; ${V('z', 'qc')} = sn * vp + cs * vq; }` : '';
  // Gram-Schmidt (twice) of column j of Y's W-factor rows against the columns before it.
  const orthogonalize = `for (var rep = 0u; rep < 2u; rep++) {
      for (var l = 0u; l < j; l++) {
        var dt = 0.0;
        for (var z = 0u; z < ${r}u; z++) { dt = dt + ${Y(`${uRow}u + z`, 'l')} * ${Y(`${uRow}u + z`, 'j')}; }
        for (var z = 0u; z < ${r}u; z++) { ${Y(`${uRow}u + z`, 'j')} = ${Y(`${uRow}u + z`, 'j')} - dt * ${Y(`${uRow}u + z`, 'l')}; }
      }
    }
    var nrm = 0.0;
    for (var z = 0u; z < ${r}u; z++) { nrm = nrm + ${Y(`${uRow}u + z`, 'j')} * ${Y(`${uRow}u + z`, 'j')}; }`;
  const vectors = !p.computeUv ? `y[o + j] = sv;` : `
  ${Y(`${m}u`, 'j')} = sv;
  for (var z = 0u; z < ${c}u; z++) { ${Y(`${vRow}u + z`, 'j')} = ${V('z', 'best')}; }
  if (sv > 0.0) {
    for (var z = 0u; z < ${r}u; z++) { ${Y(`${uRow}u + z`, 'j')} = ${W('z', 'best')} / sv; }
  } else {
    var bestE = 0u;
    var bestNorm = -1.0;
    for (var e = 0u; e <= ${r}u; e++) {
      let pick = select(e, bestE, e == ${r}u);
      for (var z = 0u; z < ${r}u; z++) { ${Y(`${uRow}u + z`, 'j')} = select(0.0, 1.0, z == pick); }
      ${orthogonalize}
      if (e < ${r}u && nrm > bestNorm) { bestNorm = nrm; bestE = e; }
      if (e == ${r}u) { for (var z = 0u; z < ${r}u; z++) { ${Y(`${uRow}u + z`, 'j')} = ${Y(`${uRow}u + z`, 'j')} / sqrt(nrm); } }
    }
  }`;
  const signs = !p.computeUv ? '' : `
for (var j = 0u; j < ${k}u; j++) {
  ${largestEntrySign(m, (row) => Y(row, 'j')).trim().split('\n').join('\n  ')}
  for (var z = 0u; z < ${m}u; z++) { ${Y('z', 'j')} = sg * ${Y('z', 'j')}; }
  for (var z = 0u; z < ${n}u; z++) { ${Y(`${m + 1}u + z`, 'j')} = sg * ${Y(`${m + 1}u + z`, 'j')}; }
}`;
  return perItem(count, [input(0, 'f32'), output(1, 'f32'), scratch(1, 0, 'tw'), scratch(1, 1, 'tv'), scratch(1, 2, 'tn')], `
let xo = i * ${m * n}u;
let wo = i * ${r * c}u;
let vo = i * ${c * c}u;
let nb = i * ${c}u;
let o = i * ${size}u;
var finite = true;
for (var z = 0u; z < ${m * n}u; z++) { if (!wl_finite(x0[xo + z])) { finite = false; } }
${nanUnlessFinite(size)}
for (var a = 0u; a < ${m}u; a++) {
  for (var b = 0u; b < ${n}u; b++) { tw[wo + ${wide ? `b * ${c}u + a` : `a * ${c}u + b`}] = x0[xo + a * ${n}u + b]; }
}
for (var a = 0u; a < ${c}u; a++) { for (var b = 0u; b < ${c}u; b++) { ${V('a', 'b')} = select(0.0, 1.0, a == b); } }
for (var sweep = 0u; sweep < 60u; sweep++) {
  var rotated = false;
  for (var pc = 0u; pc + 1u < ${c}u; pc++) {
    for (var qc = pc + 1u; qc < ${c}u; qc++) {
      var alpha = 0.0; var beta = 0.0; var gamma = 0.0;
      for (var z = 0u; z < ${r}u; z++) {
        let wp = ${W('z', 'pc')}; let wq = ${W('z', 'qc')};
        alpha = alpha + wp * wp; beta = beta + wq * wq; gamma = gamma + wp * wq;
      }
      if (!(abs(gamma) > ${(r * 2 ** -23).toExponential(8)} * sqrt(alpha * beta))) { continue; }
      rotated = true;
      let zeta = (beta - alpha) / (2.0 * gamma);
      let t = select(1.0, -1.0, zeta < 0.0) / (abs(zeta) + sqrt(1.0 + zeta * zeta));
      let cs = 1.0 / sqrt(1.0 + t * t);
      let sn = cs * t;
      for (var z = 0u; z < ${r}u; z++) { let wp = ${W('z', 'pc')}; let wq = ${W('z', 'qc')}; ${W('z', 'pc')} = cs * wp - sn * wq; ${W('z', 'qc')} = sn * wp + cs * wq; }
      ${rotateV}
    }
  }
  if (!rotated) { break; }
}
for (var b = 0u; b < ${c}u; b++) {
  var s2 = 0.0;
  for (var z = 0u; z < ${r}u; z++) { s2 = s2 + ${W('z', 'b')} * ${W('z', 'b')}; }
  tn[nb + b] = sqrt(s2);
}
for (var j = 0u; j < ${k}u; j++) {
  var best = 0u;
  for (var b = 0u; b < ${c}u; b++) { if (tn[nb + b] > tn[nb + best] || tn[nb + best] < 0.0) { best = b; } }
  let sv = tn[nb + best];
  tn[nb + best] = -1.0;
  ${vectors}
}${signs}`, [count * r * c, count * c * c, count * c]);
}
