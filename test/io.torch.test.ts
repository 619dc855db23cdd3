/**
 * PyTorch state_dicts: files built by hand with torch's key names and layouts load into our
 * params and state in one call and give the same eval-mode outputs as independent float64
 * references written with plain loops; the export round-trips to the same keys, shapes, dtypes
 * and bytes; the key-mapping helper lists unmatched keys on both sides.
 */
import { either as E } from 'fp-ts';
import { describe, expect, it } from 'vitest';
import { deserialize, fromStateDict, multiheadAttention, nestNames, serializeStateDict, toStateDict, type Checkpoint } from '../src/io';
import * as nn from '../src/nn';
import { key } from '../src/random';
import { fromStorage, type Tensor } from '../src/tensor';
import { buildSafetensors, rng, type HandTensor } from './safetensors.helpers';

const seed = 11;
const random = rng(seed);
const uniform = (n: number, lo = -1, hi = 1) => Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * random()));
const read = (bytes: Uint8Array): Checkpoint => {
  const r = deserialize(bytes);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};
const maxRelError = (got: ArrayLike<number>, want: readonly number[]) => Math.max(...want.map((w, i) => Math.abs(got[i]! - w) / (1e-3 + Math.abs(w))));

describe(`a torch CNN state_dict with BatchNorm (seed ${seed})`, () => {
  // torch: Sequential(Conv2d(2, 3, 3, padding=1), BatchNorm2d(3), ReLU(), MaxPool2d(2), Flatten(), Linear(12, 4))
  const [cin, cout, h, w, classes, batch] = [2, 3, 4, 4, 4, 2];
  const sd: Record<string, HandTensor> = {
    '0.weight': { dtype: 'F32', shape: [cout, cin, 3, 3], values: uniform(cout * cin * 9) },
    '0.bias': { dtype: 'F32', shape: [cout], values: uniform(cout) },
    '1.weight': { dtype: 'F32', shape: [cout], values: uniform(cout, 0.5, 1.5) },
    '1.bias': { dtype: 'F32', shape: [cout], values: uniform(cout) },
    '1.running_mean': { dtype: 'F32', shape: [cout], values: uniform(cout) },
    '1.running_var': { dtype: 'F32', shape: [cout], values: uniform(cout, 0.2, 2) },
    '1.num_batches_tracked': { dtype: 'I64', shape: [], values: [1234] },
    '5.weight': { dtype: 'F32', shape: [classes, cout * (h / 2) * (w / 2)], values: uniform(classes * cout * 4) },
    '5.bias': { dtype: 'F32', shape: [classes], values: uniform(classes) },
  };
  const bytes = buildSafetensors(sd, { format: 'pt' });
  const input = uniform(batch * cin * h * w);
  const model = nn.sequential(nn.conv2d(cout, 3, { padding: 1 }), nn.batchNorm(), nn.activation(nn.relu), nn.maxPool2d(2), nn.flatten(), nn.linear(classes));
  const init = model.init(key(0), [-1, cin, h, w]);

  /** Eval-mode torch forward pass in float64 with plain loops. */
  function reference(): number[] {
    const v = (k: string) => sd[k]!.values;
    const out: number[] = [];
    for (let n = 0; n < batch; n++) {
      const act: number[] = [];
      for (let c = 0; c < cout; c++) {
        const plane: number[][] = [];
        for (let y = 0; y < h; y++) {
          plane.push([]);
          for (let x = 0; x < w; x++) {
            let s = v('0.bias')[c]!;
            for (let ci = 0; ci < cin; ci++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
              const [yy, xx] = [y + ky - 1, x + kx - 1];
              if (yy >= 0 && yy < h && xx >= 0 && xx < w) s += v('0.weight')[((c * cin + ci) * 3 + ky) * 3 + kx]! * input[((n * cin + ci) * h + yy) * w + xx]!;
            }
            const bn = ((s - v('1.running_mean')[c]!) / Math.sqrt(v('1.running_var')[c]! + 1e-5)) * v('1.weight')[c]! + v('1.bias')[c]!;
            plane[y]!.push(Math.max(0, bn));
          }
        }
        for (let y = 0; y < h; y += 2) for (let x = 0; x < w; x += 2) act.push(Math.max(plane[y]![x]!, plane[y]![x + 1]!, plane[y + 1]![x]!, plane[y + 1]![x + 1]!));
      }
      for (let k = 0; k < classes; k++) out.push(act.reduce((s, a, j) => s + a * v('5.weight')[k * act.length + j]!, v('5.bias')[k]!));
    }
    return out;
  }

  it('loads params and BatchNorm buffers in one call and matches the float64 eval-mode logits', () => {
    const r = fromStateDict(read(bytes), { params: init.params, state: init.state });
    if (E.isLeft(r)) throw new Error(r.left.message);
    const { params, state, extras } = r.right;
    expect(Array.from(extras['1.num_batches_tracked']!.dataSync())).toEqual([1234]);
    expect(Array.from((state[1] as nn.BatchNormState).runningVar.dataSync())).toEqual(sd['1.running_var']!.values);
    const x = fromStorage([batch, cin, h, w], 'float32', Float32Array.from(input));
    const { y } = nn.applyLayer(model, params, x, { state, train: false });
    expect(y.shape).toEqual([batch, classes]);
    expect(maxRelError(y.dataSync(), reference())).toBeLessThan(1e-5);
  });

  it('the export round-trips: same keys, shapes, dtypes (I64 counter) and bytes', () => {
    const loaded = fromStateDict(read(bytes), { params: init.params, state: init.state });
    if (E.isLeft(loaded)) throw new Error(loaded.left.message);
    const out = toStateDict(loaded.right);
    expect(Object.keys(out.tensors).sort()).toEqual(Object.keys(sd).sort());
    expect(out.dtypes['1.num_batches_tracked']).toBe('I64');
    const back = read(serializeStateDict(out));
    for (const [k, t] of Object.entries(sd)) {
      expect(back.entries[k]).toEqual({ dtype: t.dtype, shape: t.shape });
      expect(Array.from(back.tensors[k]!.dataSync())).toEqual(t.values);
    }
    expect(back.metadata['format']).toBe('pt');
    // Without the extras, a fresh model still exports a counter (0), as strict loading needs.
    const fresh = toStateDict({ params: init.params, state: init.state });
    expect(Array.from(fresh.tensors['1.num_batches_tracked']!.dataSync())).toEqual([0]);
    expect(fresh.dtypes['1.num_batches_tracked']).toBe('I64');
  });

  it('errors list unmatched keys on both sides and shape mismatches', () => {
    const { ['5.bias']: _dropped, ...rest } = sd;
    const wrong = buildSafetensors({ ...rest, 'fc.bias': sd['5.bias']!, '0.bias': { dtype: 'F32', shape: [2], values: [0, 0] } });
    const r = fromStateDict(read(wrong), { params: init.params, state: init.state });
    if (E.isRight(r)) throw new Error('expected a Left');
    expect(r.left.unmatchedTorch).toEqual(['fc.bias']);
    expect(r.left.unmatchedOurs).toEqual(['params 5.bias']);
    expect(r.left.mismatches).toEqual(['0.bias -> 0.bias: shape [2] but the template has [3]']);
    expect(r.left.message).toContain('PyTorch keys with no template leaf: fc.bias');
    expect(r.left.message).toContain('template leaves no PyTorch key provides: params 5.bias');
  });
});

describe(`torch TransformerEncoderLayer state_dicts map 1:1 (seed ${seed})`, () => {
  const [d, heads, ff, seq, batch] = [8, 2, 16, 5, 2];
  const layer = (prefix: string): Record<string, HandTensor> => ({
    [`${prefix}self_attn.in_proj_weight`]: { dtype: 'F32', shape: [3 * d, d], values: uniform(3 * d * d, -0.5, 0.5) },
    [`${prefix}self_attn.in_proj_bias`]: { dtype: 'F32', shape: [3 * d], values: uniform(3 * d, -0.1, 0.1) },
    [`${prefix}self_attn.out_proj.weight`]: { dtype: 'F32', shape: [d, d], values: uniform(d * d, -0.5, 0.5) },
    [`${prefix}self_attn.out_proj.bias`]: { dtype: 'F32', shape: [d], values: uniform(d, -0.1, 0.1) },
    [`${prefix}linear1.weight`]: { dtype: 'F32', shape: [ff, d], values: uniform(ff * d, -0.5, 0.5) },
    [`${prefix}linear1.bias`]: { dtype: 'F32', shape: [ff], values: uniform(ff, -0.1, 0.1) },
    [`${prefix}linear2.weight`]: { dtype: 'F32', shape: [d, ff], values: uniform(d * ff, -0.5, 0.5) },
    [`${prefix}linear2.bias`]: { dtype: 'F32', shape: [d], values: uniform(d, -0.1, 0.1) },
    [`${prefix}norm1.weight`]: { dtype: 'F32', shape: [d], values: uniform(d, 0.5, 1.5) },
    [`${prefix}norm1.bias`]: { dtype: 'F32', shape: [d], values: uniform(d, -0.1, 0.1) },
    [`${prefix}norm2.weight`]: { dtype: 'F32', shape: [d], values: uniform(d, 0.5, 1.5) },
    [`${prefix}norm2.bias`]: { dtype: 'F32', shape: [d], values: uniform(d, -0.1, 0.1) },
  });
  const sd = { ...layer('layers.0.'), ...layer('layers.1.') };
  const input = uniform(batch * seq * d);
  const activations = {
    relu: (x: number) => Math.max(0, x),
    gelu: (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
    geluTanh: (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  };

  /** torch's encoder layer in float64: batch_first, no dropout, post- or pre-norm. */
  function reference(normFirst: boolean, activation: keyof typeof activations): number[] {
    let xs = Array.from({ length: batch * seq }, (_, r) => input.slice(r * d, (r + 1) * d));
    for (const prefix of ['layers.0.', 'layers.1.']) {
      const v = (k: string) => sd[`${prefix}${k}`]!.values;
      const lin = (x: number[], wk: string, bk: string, out: number) => Array.from({ length: out }, (_, o) => x.reduce((s, xi, i) => s + xi * v(wk)[o * x.length + i]!, v(bk)[o]!));
      const norm = (x: number[], which: string) => {
        const mean = x.reduce((a, b) => a + b, 0) / x.length;
        const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
        return x.map((xi, i) => ((xi - mean) / Math.sqrt(variance + 1e-5)) * v(`${which}.weight`)[i]! + v(`${which}.bias`)[i]!);
      };
      const attention = (rows: number[][]) => {
        const out: number[][] = [];
        for (let b = 0; b < batch; b++) {
          const qkv = rows.slice(b * seq, (b + 1) * seq).map((x) => lin(x, 'self_attn.in_proj_weight', 'self_attn.in_proj_bias', 3 * d));
          const dh = d / heads;
          for (let i = 0; i < seq; i++) {
            const merged: number[] = [];
            for (let hh = 0; hh < heads; hh++) {
              const q = qkv[i]!.slice(hh * dh, (hh + 1) * dh);
              const scores = qkv.map((r) => r.slice(d + hh * dh, d + (hh + 1) * dh).reduce((s, kj, j) => s + kj * q[j]!, 0) / Math.sqrt(dh));
              const m = Math.max(...scores);
              const e = scores.map((s) => Math.exp(s - m));
              const z = e.reduce((a, b2) => a + b2, 0);
              for (let j = 0; j < dh; j++) merged.push(qkv.reduce((s, r, t) => s + (e[t]! / z) * r[2 * d + hh * dh + j]!, 0));
            }
            out.push(lin(merged, 'self_attn.out_proj.weight', 'self_attn.out_proj.bias', d));
          }
        }
        return out;
      };
      const mlp = (x: number[]) => lin(lin(x, 'linear1.weight', 'linear1.bias', ff).map(activations[activation]), 'linear2.weight', 'linear2.bias', d);
      if (normFirst) {
        const a = attention(xs.map((x) => norm(x, 'norm1')));
        const hs = xs.map((x, r) => x.map((xi, i) => xi + a[r]![i]!));
        xs = hs.map((x) => {
          const m = mlp(norm(x, 'norm2'));
          return x.map((xi, i) => xi + m[i]!);
        });
      } else {
        const a = attention(xs);
        const hs = xs.map((x, r) => norm(x.map((xi, i) => xi + a[r]![i]!), 'norm1'));
        xs = hs.map((x) => {
          const m = mlp(x);
          return norm(x.map((xi, i) => xi + m[i]!), 'norm2');
        });
      }
    }
    return xs.flat();
  }

  for (const [normFirst, activation] of [[false, 'relu'], [true, 'gelu'], [false, 'geluTanh']] as const) {
    it(`normFirst ${normFirst}, ${activation}: torch names load through multiheadAttention and match float64`, () => {
      const block = nn.transformerBlock({ dim: d, numHeads: heads, feedforward: ff, activation, normFirst, names: 'torch' });
      const template = { layers: [0, 1].map((i) => block.init(key(i), [-1, seq, d]).params) };
      const r = fromStateDict(read(buildSafetensors(sd)), { params: template }, multiheadAttention);
      if (E.isLeft(r)) throw new Error(r.left.message);
      let x: Tensor = fromStorage([batch, seq, d], 'float32', Float32Array.from(input));
      for (const p of r.right.params.layers) x = block.apply(p, x);
      expect(maxRelError(x.dataSync(), reference(normFirst, activation))).toBeLessThan(1e-4);
      // The tolerance tells the variants apart: the other norm placement or GELU form is far off.
      expect(maxRelError(x.dataSync(), reference(!normFirst, activation))).toBeGreaterThan(1e-2);
      if (activation !== 'relu') expect(maxRelError(x.dataSync(), reference(normFirst, activation === 'gelu' ? 'geluTanh' : 'gelu'))).toBeGreaterThan(2e-4);
      const out = toStateDict({ params: r.right.params }, multiheadAttention);
      expect(Object.keys(out.tensors).sort()).toEqual(Object.keys(sd).sort());
      for (const [k, t] of Object.entries(sd)) expect(Array.from(out.tensors[k]!.dataSync())).toEqual(t.values);
    });
  }

  it('transformerBlock refuses unknown options and activations', () => {
    expect(() => nn.transformerBlock({ dim: 8, numHeads: 2, activation: 'tanh' as 'relu' })).toThrow(/activation must be one of gelu, geluTanh, relu, got "tanh"/);
    expect(() => nn.transformerBlock({ dim: 8, numHeads: 2, normfirst: true } as never)).toThrow(/unknown option "normfirst"/);
  });
});

describe('key patterns and nesting', () => {
  const t = fromStorage([1], 'float32', Float32Array.of(1));
  it('renames with wildcards both ways, ignores keys, transposes 2-D layouts', () => {
    const w = fromStorage([2, 3], 'float32', Float32Array.of(1, 2, 3, 4, 5, 6));
    const template = { blocks: [{ proj: { weight: fromStorage([3, 2], 'float32', new Float32Array(6)) } }] };
    const mapping = { rename: [['h.*.c_proj.*', 'blocks.*.proj.*']] as const, transpose: ['blocks.*.proj.weight'], ignore: ['**.attn.bias'] };
    const r = fromStateDict({ 'h.0.c_proj.weight': w, 'h.0.attn.bias': t }, { params: template }, { ...mapping, rename: [['h.*.c_proj.*', 'blocks.*.proj.*']] });
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(r.right.params.blocks[0]!.proj.weight.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    const back = toStateDict({ params: r.right.params }, { ...mapping, rename: [['h.*.c_proj.*', 'blocks.*.proj.*']] });
    expect(Object.keys(back.tensors)).toEqual(['h.0.c_proj.weight']);
    expect(back.tensors['h.0.c_proj.weight']!.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(() => fromStateDict({}, { params: template }, { rename: [['a.*', 'b']] })).toThrow(/must have the same wildcards/);
    expect(() => fromStateDict({}, { params: template }, { renames: [] } as never)).toThrow(/io.torch \(the key mapping\): unknown option "renames" \(valid options: rename, split, transpose, ignore, extras\)/);
  });

  it('nestNames refuses a name that is also a prefix (a and a.b)', () => {
    expect(nestNames({ 'a.b': 1, 'a.c': 2 })).toEqual({ a: { b: 1, c: 2 } });
    expect(() => nestNames({ a: t, 'a.b': t })).toThrow(/"a" is both a tensor and a prefix of "a.b"/);
    expect(() => nestNames({ 'a.b': t, a: t })).toThrow(/"a" is both a tensor and a prefix/);
    expect(() => nestNames({ 'a..b': t })).toThrow(/empty segment/);
  });
});

/** erf to double precision (Abramowitz-Stegun is too coarse for 2e-5; use the series/continued fraction). */
function erf(x: number): number {
  const t = Math.abs(x);
  if (t < 2.5) {
    // Maclaurin series: converges fast for |x| < 2.5.
    let sum = 0;
    let term = t;
    for (let n = 0; n < 60; n++) {
      sum += term / (2 * n + 1);
      term *= (-t * t) / (n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Continued fraction for erfc.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (t + f);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f));
}
