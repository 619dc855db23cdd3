/**
 * The float32 GEMM as a Wasm SIMD module, emitted byte by byte (see emit.ts).
 *
 * Operands live in Wasm memory already packed by the caller (sgemm.ts):
 *   A: row panels of MR rows, each [k][MR] (zero rows pad the last panel);
 *   B: column panels of NR columns, each [k][NR] (zero columns pad the last panel);
 *   C: [mPanels*MR][nPanels*NR] row-major, zeroed; the kernel accumulates into it.
 * Padding to whole tiles means the micro-kernel never needs edge cases.
 */
import {
  I32, V128, brIf, buildModule, call, f32load, f32store, f32x4add, f32x4mul, f32x4shuffle, forRange, get, i32add, i32c,
  i32mul, i32sub, i32ne, loop, minS, set, v128load, v128load32splat, v128store, type Code,
} from './emit';

/** Register tile: MR rows by NR columns of C held in MR * NR / 4 f32x4 accumulators. */
export const MR = 4;
export const NR = 8;

/**
 * micro(a, b, c, kc, ldcBytes): C[MR x NR tile at c] += Apanel[kc x MR] * Bpanel[kc x NR].
 * 8 accumulators + 2 B vectors + 1 broadcast A value fit the 16 SIMD registers of x64, so the
 * inner loop runs without spills; there is no f32x4 FMA in baseline SIMD, hence mul + add.
 * Measured on V8 (Node 20): 6x8, 5x8, 3x12, 2x16, 8x8 and a k-unroll of 2 were all slower,
 * because TurboFan hoists the loads ahead of the multiplies and then spills (xmm15 is scratch).
 */
function microKernel(MR: number, NR: number): { params: number[]; locals: number[]; body: Code } {
  const NV = NR / 4;
  const [a, b, c, kc, ldc] = [0, 1, 2, 3, 4];
  let next = 5;
  const acc = Array.from({ length: MR * NV }, () => next++);
  const bv = Array.from({ length: NV }, () => next++);
  const av = next++;
  const crow = next++;
  const locals = [...acc.map(() => V128), ...bv.map(() => V128), V128, I32];
  const step: Code[] = [];
  for (let v = 0; v < NV; v++) step.push([...get(b), ...v128load(16 * v), ...set(bv[v]!)]);
  for (let r = 0; r < MR; r++) {
    step.push([...get(a), ...v128load32splat(4 * r), ...set(av)]);
    for (let v = 0; v < NV; v++) {
      const x = acc[r * NV + v]!;
      step.push([...get(x), ...get(av), ...get(bv[v]!), ...f32x4mul, ...f32x4add, ...set(x)]);
    }
  }
  const body: Code = [
    ...loop(
      ...step,
      get(a), i32c(MR * 4), i32add, set(a),
      get(b), i32c(NR * 4), i32add, set(b),
      get(kc), i32c(1), i32sub, set(kc),
      get(kc), i32c(0), i32ne, brIf(0),
    ),
  ];
  for (let r = 0; r < MR; r++) {
    body.push(...get(c), ...get(ldc), ...i32c(r), ...i32mul, ...i32add, ...set(crow));
    for (let v = 0; v < NV; v++) {
      body.push(...get(crow), ...get(crow), ...v128load(16 * v), ...get(acc[r * NV + v]!), ...f32x4add, ...v128store(16 * v));
    }
  }
  return { params: [I32, I32, I32, I32, I32], locals, body };
}

/**
 * gemm(pa, pb, pc, mPanels, nPanels, jpStart, jpEnd, k, kcBlock, mcPanels): the GotoBLAS loop
 * nest over the packed operands, for B panels [jpStart, jpEnd) (so threads can split n).
 * Blocking k by kcBlock keeps one B panel (kcBlock x NR) in L1 while the mcPanels A panels it
 * meets (mcPanels*MR x kcBlock) stay in L2.
 */
function gemmDriver(MR: number, NR: number): { params: number[]; locals: number[]; body: Code } {
  const [pa, pb, pc, mp, np, jpStart, jpEnd, k, kcB, mcP] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [p0, kc, i0, iEnd, jp, ip, ldc] = [10, 11, 12, 13, 14, 15, 16];
  const locals = [I32, I32, I32, I32, I32, I32, I32];
  const body: Code = [
    ...get(np), ...i32c(NR * 4), ...i32mul, ...set(ldc),
    ...forRange(p0, i32c(0), get(k), get(kcB),
      minS(get(kcB), [...get(k), ...get(p0), ...i32sub]), set(kc),
      forRange(i0, i32c(0), get(mp), get(mcP),
        minS([...get(i0), ...get(mcP), ...i32add], get(mp)), set(iEnd),
        forRange(jp, get(jpStart), get(jpEnd), i32c(1),
          forRange(ip, get(i0), get(iEnd), i32c(1),
            // a = pa + (ip*k + p0) * MR*4
            get(pa), get(ip), get(k), i32mul, get(p0), i32add, i32c(MR * 4), i32mul, i32add,
            // b = pb + (jp*k + p0) * NR*4
            get(pb), get(jp), get(k), i32mul, get(p0), i32add, i32c(NR * 4), i32mul, i32add,
            // c = pc + ip*MR*ldc + jp*NR*4
            get(pc), get(ip), i32c(MR), i32mul, get(ldc), i32mul, i32add, get(jp), i32c(NR * 4), i32mul, i32add,
            get(kc), get(ldc), call(0),
          ),
        ),
      ),
    ),
  ];
  return { params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], locals, body };
}

/**
 * packB(src, dst, k, nPanels, ldbBytes): B copied raw into memory with rows padded to
 * nPanels*NR columns becomes NR-column panels [k][NR]. In Wasm because it is pure v128 moves,
 * several times faster than scalar JS on the small-m products of conv layers.
 */
function packB(NR: number): { params: number[]; locals: number[]; body: Code } {
  if (NR % 4 !== 0) throw new Error(`sgemm: panel width ${NR} is not a multiple of 4`);
  const [src, dst, k, np, ldb] = [0, 1, 2, 3, 4];
  const [jp, p, s] = [5, 6, 7];
  const moves: Code[] = [];
  for (let v = 0; v < NR / 4; v++) moves.push([...get(dst), ...get(s), ...v128load(16 * v), ...v128store(16 * v)]);
  const body: Code = forRange(jp, i32c(0), get(np), i32c(1),
    get(src), get(jp), i32c(NR * 4), i32mul, i32add, set(s),
    forRange(p, i32c(0), get(k), i32c(1),
      ...moves,
      get(s), get(ldb), i32add, set(s),
      get(dst), i32c(NR * 4), i32add, set(dst),
    ),
  );
  return { params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32], body };
}

/**
 * packRows(src, dst, panels, k, ldBytes) for R rows per panel: a row-major matrix copied raw into
 * memory (rows ldBytes apart) becomes R-row panels [k][R] for its first `panels` * R rows (the
 * caller packs a partial last panel). This packs A (R = MR), and B when it arrives transposed
 * ([n, k], R = NR). Four columns at a time, each group of 4 rows is a 4x4 transpose in registers
 * (4 loads, 8 shuffles, 4 stores), where a scalar JS loop spent most of a small GEMM's packing time.
 */
function packRows(R: number): { params: number[]; locals: number[]; body: Code } {
  if (R % 4 !== 0) throw new Error(`sgemm: panel height ${R} is not a multiple of 4`);
  const [src, dst, panels, k, ld] = [0, 1, 2, 3, 4];
  const [ip, p, r0, k4] = [5, 6, 7, 8];
  const [v0, v1, v2, v3, t0, t1, t2, t3] = [9, 10, 11, 12, 13, 14, 15, 16];
  // r0 walks row 0 of the panel; row r is r * ld further.
  const row = (r: number): Code => (r === 0 ? get(r0) : [...get(r0), ...get(ld), ...i32c(r), ...i32mul, ...i32add]);
  const quad: Code = [];
  for (let g = 0; g < R; g += 4) {
    quad.push(
      ...row(g), ...v128load(0), ...set(v0),
      ...row(g + 1), ...v128load(0), ...set(v1),
      ...row(g + 2), ...v128load(0), ...set(v2),
      ...row(g + 3), ...v128load(0), ...set(v3),
      ...get(v0), ...get(v1), ...f32x4shuffle([0, 4, 1, 5]), ...set(t0), // a00 a10 a01 a11
      ...get(v2), ...get(v3), ...f32x4shuffle([0, 4, 1, 5]), ...set(t1), // a20 a30 a21 a31
      ...get(v0), ...get(v1), ...f32x4shuffle([2, 6, 3, 7]), ...set(t2), // a02 a12 a03 a13
      ...get(v2), ...get(v3), ...f32x4shuffle([2, 6, 3, 7]), ...set(t3), // a22 a32 a23 a33
      // column q of these 4 rows goes to dst + (q * R + g) floats
      ...get(dst), ...get(t0), ...get(t1), ...f32x4shuffle([0, 1, 4, 5]), ...v128store(4 * g),
      ...get(dst), ...get(t0), ...get(t1), ...f32x4shuffle([2, 3, 6, 7]), ...v128store(4 * (R + g)),
      ...get(dst), ...get(t2), ...get(t3), ...f32x4shuffle([0, 1, 4, 5]), ...v128store(4 * (2 * R + g)),
      ...get(dst), ...get(t2), ...get(t3), ...f32x4shuffle([2, 3, 6, 7]), ...v128store(4 * (3 * R + g)),
    );
  }
  quad.push(...get(r0), ...i32c(16), ...i32add, ...set(r0), ...get(dst), ...i32c(16 * R), ...i32add, ...set(dst));
  const single: Code = [];
  for (let r = 0; r < R; r++) single.push(...get(dst), ...row(r), ...f32load(0), ...f32store(4 * r));
  single.push(...get(r0), ...i32c(4), ...i32add, ...set(r0), ...get(dst), ...i32c(4 * R), ...i32add, ...set(dst));
  const body: Code = [
    ...get(k), ...i32c(-4), 0x71 /* i32.and */, ...set(k4),
    ...forRange(ip, i32c(0), get(panels), i32c(1),
      get(src), get(ip), get(ld), i32c(R), i32mul, i32mul, i32add, set(r0),
      forRange(p, i32c(0), get(k4), i32c(4), quad),
      forRange(p, get(k4), get(k), i32c(1), single),
    ),
  ];
  return { params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128], body };
}

/** The module bytes; memory is imported (env.memory) so JS owns growth. */
export function sgemmModuleBytes(shared: boolean, mr = MR, nr = NR): Uint8Array<ArrayBuffer> {
  return buildModule(
    [
      { ...microKernel(mr, nr), results: [] },
      { ...gemmDriver(mr, nr), results: [], name: 'gemm' },
      { ...packB(nr), results: [], name: 'packB' },
      // A packs as mr-row panels; A transposed ([k, m]) packs like B, as mr-wide column panels;
      // B transposed ([n, k]) packs like A, as nr-row panels. Tile sides that are not a multiple
      // of 4 (tuning experiments) get no Wasm packing and fall back to JS.
      ...(mr % 4 === 0 ? [{ ...packRows(mr), results: [], name: 'packA' }, { ...packB(mr), results: [], name: 'packAT' }] : []),
      { ...packRows(nr), results: [], name: 'packBT' },
    ],
    { min: 1, max: shared ? 65536 : undefined, shared },
  );
}
