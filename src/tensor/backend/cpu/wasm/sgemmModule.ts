/**
 * The float32 GEMM as a Wasm SIMD module, emitted byte by byte (see emit.ts).
 *
 * The caller (sgemm.ts) copies the operands into Wasm memory and describes the product in a
 * task block (TASK below); `task(P, t)` then computes the t-th piece of it. A piece is one
 * matrix of a batch, or a range of its row panels or column panels, so threads can share a
 * product without ever splitting the k reduction (each C element is summed in the same order
 * whoever computes it: threaded results are bit-identical to single-threaded ones).
 *
 * Operand layouts the micro-kernel reads (a "step" is the byte distance between consecutive k):
 *   A: MR-row panels. Packed: [k][MR] per panel (step MR*4). Or, when A arrives transposed
 *      ([k, m] row-major), read in place: panel ip is columns ip*MR.. of each row (step m*4).
 *      Or read in place from a row-major [m, k] copy (the "rows" micro-kernel): panel ip is
 *      rows ip*MR.. (step 4), each row read through its own pointer.
 *   B: NR-column panels. Packed: [k][NR] per panel (step NR*4). Or read in place from a
 *      row-major [k, n] copy (step n*4), which skips packing when B is small or used few times.
 *   C: [mPanels*MR][ldc] row-major with ldc = nPanels*NR floats; the first k block stores, later
 *      ones accumulate, so C needs no zeroing.
 * The last panel of A or B may reach past the matrix (m or n not a multiple of the tile): those
 * lanes read neighbouring data or zeroed slack and only ever feed rows or columns of C that are
 * discarded, since SIMD lanes never mix.
 */
import {
  I32, V128, block, brIf, buildModule, call, f32load, f32store, f32x4add, f32x4mul, f32x4relaxedMadd, f32x4shuffle, forRange, get, i32add,
  i32and, i32c, i32divU, i32eqz, i32load, i32mul, i32remU, i32sub, ifElse, loop, memoryCopy, minS, set, tee, v128load,
  v128load32splat, v128store, type Code,
} from './emit';

/** Register tile: MR rows by NR columns of C held in MR * NR / 4 f32x4 accumulators. */
export const MR = 4;
export const NR = 8;

/** The task block: i32 fields at P + 4 * index (byte quantities unless noted). */
export const TASK = {
  /** A, B and C of batch item 0, and the distance between items. */
  pa: 0, aItem: 1, pb: 2, bItem: 3, pc: 4, cItem: 5,
  /** k (elements), k block (elements), A block (panels), panels of A and B. */
  k: 6, kcBlock: 7, mcPanels: 8, mPanels: 9, nPanels: 10,
  /** C row stride; A and B: distance between consecutive k, and between panels. */
  ldc: 11, aStep: 12, aPanel: 13, bStep: 14, bPanel: 15,
  /** Pieces: split rows (1) or columns (0), panels per piece, pieces per item. */
  splitRows: 16, chunk: 17, perItem: 18,
  /** A read in place from its rows (1: the rows micro-kernel, given aRow), and the distance between them. */
  aRows: 19, aRow: 20,
} as const;

/**
 * micro(a, b, c, kc, aStep, bStep, ldc, first): the MR x NR tile of C at c gets (first: is set
 * to, else: is increased by) the kc-step product of the A panel at a and the B panel at b.
 * 8 accumulators + 2 B vectors + 1 broadcast A value + 1 product fit the 16 SIMD registers of
 * x64 (V8 keeps xmm15 as scratch), so the loop runs without spills.
 *
 * Measured on V8 (Node 20, CPU time of packed in-cache products): 6x8, 5x8, 3x16, 4x12 and 8x8
 * tiles are 35-45% slower, with fused multiply-add too, because TurboFan schedules every load of
 * an iteration ahead of the arithmetic and then spills. The loop is unrolled twice with an exit
 * test between the two steps (odd kc leaves there): the branch keeps the second step's loads
 * below the first step's arithmetic, and the pair shares one loop-back stack check and pointer
 * update, 10-15% faster than one step per iteration (a plain unroll by 2 spills, 25% slower).
 */
function microKernel(MR: number, NR: number, fused: boolean, rows = false): { params: number[]; locals: number[]; body: Code } {
  const NV = NR / 4;
  // With `rows`, the aStep argument is the distance between A's rows and A steps 4 bytes per k.
  const [a, b, c, kc, aStep, bStep, ldc, first] = [0, 1, 2, 3, 4, 5, 6, 7];
  let next = 8;
  const acc = Array.from({ length: MR * NV }, () => next++);
  const bv = Array.from({ length: NV }, () => next++);
  const av = next++;
  const [crow, a1, b1, aStep2, bStep2] = [next++, next++, next++, next++, next++];
  // rows: a pointer to each further row of the A panel (row 0 is `a`).
  const rowAt = rows ? Array.from({ length: MR - 1 }, () => next++) : [];
  const locals = [...acc.map(() => V128), ...bv.map(() => V128), V128, I32, I32, I32, I32, I32, ...rowAt.map(() => I32)];
  // Row r of the A panel for the k step `pa` points at (rows: the first or second step of a pair).
  const aValue = (pa: number, r: number): Code => {
    if (!rows) return [...get(pa), ...v128load32splat(4 * r)];
    return [...get(r === 0 ? a : rowAt[r - 1]!), ...v128load32splat(pa === a ? 0 : 4)];
  };
  const step = (pa: number, pb: number): Code => {
    const out: Code = [];
    for (let v = 0; v < NV; v++) out.push(...get(pb), ...v128load(16 * v), ...set(bv[v]!));
    for (let r = 0; r < MR; r++) {
      out.push(...aValue(pa, r), ...set(av));
      for (let v = 0; v < NV; v++) {
        const x = acc[r * NV + v]!;
        out.push(...(fused ? [...get(av), ...get(bv[v]!), ...get(x), ...f32x4relaxedMadd] : [...get(x), ...get(av), ...get(bv[v]!), ...f32x4mul, ...f32x4add]), ...set(x));
      }
    }
    return out;
  };
  const store: Code = [], add: Code = [];
  for (let r = 0; r < MR; r++) {
    const row = [...get(c), ...get(ldc), ...i32c(r), ...i32mul, ...i32add, ...set(crow)];
    store.push(...row);
    add.push(...row);
    for (let v = 0; v < NV; v++) {
      store.push(...get(crow), ...get(acc[r * NV + v]!), ...v128store(16 * v));
      add.push(...get(crow), ...get(crow), ...v128load(16 * v), ...get(acc[r * NV + v]!), ...f32x4add, ...v128store(16 * v));
    }
  }
  // rows: row r starts r * aStep after row 0, and every row pointer moves 8 bytes per pair.
  const rowStarts: Code = rowAt.flatMap((l, i) => [...get(a), ...get(aStep), ...i32c(i + 1), ...i32mul, ...i32add, ...set(l)]);
  const advanceA: Code = rows
    ? [a, ...rowAt].flatMap((l) => [...get(l), ...i32c(8), ...i32add, ...set(l)])
    : [...get(a), ...get(aStep2), ...i32add, ...set(a)];
  const body: Code = [
    ...(rows ? rowStarts : [...get(aStep), ...get(aStep), ...i32add, ...set(aStep2)]),
    ...get(bStep), ...get(bStep), ...i32add, ...set(bStep2),
    // block $done (loop $pair (step k; if --kc == 0 break $done; step k+1; ...; if --kc != 0 continue $pair))
    ...block(loop(
      step(a, b),
      get(kc), i32c(1), i32sub, tee(kc), i32eqz, brIf(1),
      rows ? [] : [...get(a), ...get(aStep), ...i32add, ...set(a1)],
      get(b), get(bStep), i32add, set(b1),
      step(a1, b1),
      advanceA,
      get(b), get(bStep2), i32add, set(b),
      get(kc), i32c(1), i32sub, tee(kc), brIf(0),
    )),
    ...get(first), ...ifElse(store, add),
  ];
  return { params: [I32, I32, I32, I32, I32, I32, I32, I32], locals, body };
}

/**
 * task(P, t): piece t of the product described at P. The GotoBLAS loop nest: for each k block,
 * for each block of mcPanels A panels, for each B panel, for each A panel in the block: one
 * micro-kernel call. A k block of one B panel (kcBlock x NR) stays in L1 while the A block it
 * meets (mcPanels*MR x kcBlock) stays in L2.
 */
function taskDriver(MR: number, NR: number): { params: number[]; locals: number[]; body: Code } {
  const P = 0, t = 1;
  let next = 2;
  const f = Object.fromEntries(Object.keys(TASK).map((name) => [name, next++])) as Record<keyof typeof TASK, number>;
  const [item, ch, ipS, ipE, jpS, jpE, p0, kc, first, i0, iEnd, jp, ip, bAddr] = Array.from({ length: 14 }, () => next++);
  const locals = Array.from({ length: next - 2 }, () => I32);
  // The micro-kernel's arguments for tile (ip, jp) of k block p0; `aArg`: A's step, or its row distance for the rows kernel.
  const microArgs = (aArg: number): Code => [
    // a = pa + ip * aPanel + p0 * aStep
    ...get(f.pa), ...get(ip), ...get(f.aPanel), ...i32mul, ...i32add, ...get(p0), ...get(f.aStep), ...i32mul, ...i32add,
    ...get(bAddr),
    // c = pc + ip * MR * ldc + jp * NR * 4
    ...get(f.pc), ...get(ip), ...i32c(MR), ...i32mul, ...get(f.ldc), ...i32mul, ...i32add, ...get(jp), ...i32c(NR * 4), ...i32mul, ...i32add,
    ...get(kc), ...get(aArg), ...get(f.bStep), ...get(f.ldc), ...get(first),
  ];
  const body: Code = [];
  for (const [name, index] of Object.entries(TASK)) body.push(...get(P), ...i32load(4 * index), ...set(f[name as keyof typeof TASK]));
  body.push(
    ...get(t), ...get(f.perItem), ...i32divU, ...set(item),
    ...get(t), ...get(f.perItem), ...i32remU, ...set(ch),
    ...get(f.pa), ...get(item), ...get(f.aItem), ...i32mul, ...i32add, ...set(f.pa),
    ...get(f.pb), ...get(item), ...get(f.bItem), ...i32mul, ...i32add, ...set(f.pb),
    ...get(f.pc), ...get(item), ...get(f.cItem), ...i32mul, ...i32add, ...set(f.pc),
    // This piece's panel ranges: a slice of the split axis, all of the other.
    ...get(f.splitRows),
    ...ifElse(
      [...get(ch), ...get(f.chunk), ...i32mul, ...set(ipS), ...minS([...get(ipS), ...get(f.chunk), ...i32add], get(f.mPanels)), ...set(ipE),
        ...i32c(0), ...set(jpS), ...get(f.nPanels), ...set(jpE)],
      [...get(ch), ...get(f.chunk), ...i32mul, ...set(jpS), ...minS([...get(jpS), ...get(f.chunk), ...i32add], get(f.nPanels)), ...set(jpE),
        ...i32c(0), ...set(ipS), ...get(f.mPanels), ...set(ipE)],
    ),
    ...forRange(p0, i32c(0), get(f.k), get(f.kcBlock),
      minS(get(f.kcBlock), [...get(f.k), ...get(p0), ...i32sub]), set(kc),
      get(p0), i32eqz, set(first),
      forRange(i0, get(ipS), get(ipE), get(f.mcPanels),
        minS([...get(i0), ...get(f.mcPanels), ...i32add], get(ipE)), set(iEnd),
        forRange(jp, get(jpS), get(jpE), i32c(1),
          // bAddr = pb + jp * bPanel + p0 * bStep
          get(f.pb), get(jp), get(f.bPanel), i32mul, i32add, get(p0), get(f.bStep), i32mul, i32add, set(bAddr),
          forRange(ip, get(i0), get(iEnd), i32c(1),
            get(f.aRows), ifElse([...microArgs(f.aRow), ...call(1)], [...microArgs(f.aStep), ...call(0)]),
          ),
        ),
      ),
    ),
  );
  return { params: [I32, I32], locals, body };
}

/**
 * packCols(src, dst, k, panels, ldBytes): a row-major matrix in memory (rows ldBytes apart)
 * becomes W-column panels [k][W]. Pure v128 moves. Packs B (W = NR), and A when it arrives
 * transposed (W = MR) for the benchmarks that compare it with reading A^T in place.
 */
function packCols(W: number): { params: number[]; locals: number[]; body: Code } {
  if (W % 4 !== 0) throw new Error(`sgemm: panel width ${W} is not a multiple of 4`);
  const [src, dst, k, np, ld] = [0, 1, 2, 3, 4];
  const [jp, p, s] = [5, 6, 7];
  const moves: Code[] = [];
  for (let v = 0; v < W / 4; v++) moves.push([...get(dst), ...get(s), ...v128load(16 * v), ...v128store(16 * v)]);
  const body: Code = forRange(jp, i32c(0), get(np), i32c(1),
    get(src), get(jp), i32c(W * 4), i32mul, i32add, set(s),
    forRange(p, i32c(0), get(k), i32c(1),
      ...moves,
      get(s), get(ld), i32add, set(s),
      get(dst), i32c(W * 4), i32add, set(dst),
    ),
  );
  return { params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32], body };
}

/**
 * packRows(src, dst, panels, k, ldBytes) for R rows per panel: a row-major matrix in memory
 * (rows ldBytes apart) becomes R-row panels [k][R]. This packs A (R = MR), and B when it
 * arrives transposed ([n, k], R = NR). Four columns at a time, each group of 4 rows is a 4x4
 * transpose in registers (4 loads, 8 shuffles, 4 stores).
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
    ...get(k), ...i32c(-4), ...i32and, ...set(k4),
    ...forRange(ip, i32c(0), get(panels), i32c(1),
      get(src), get(ip), get(ld), i32c(R), i32mul, i32mul, i32add, set(r0),
      forRange(p, i32c(0), get(k4), i32c(4), quad),
      forRange(p, get(k4), get(k), i32c(1), single),
    ),
  ];
  return { params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128], body };
}

/** compact(src, dst, srcStride, dstStride, rowBytes, rows): move rows (memmove, so dst may overlap src below it). */
function compact(): { params: number[]; locals: number[]; body: Code } {
  const [src, dst, ss, ds, bytes, rows] = [0, 1, 2, 3, 4, 5];
  const r = 6;
  const body: Code = forRange(r, i32c(0), get(rows), i32c(1),
    get(dst), get(src), get(bytes), memoryCopy,
    get(src), get(ss), i32add, set(src),
    get(dst), get(ds), i32add, set(dst),
  );
  return { params: [I32, I32, I32, I32, I32, I32], locals: [I32], body };
}

/** Module variants: `fused` uses relaxed SIMD's multiply-add (validate before use). */
export interface ModuleOptions {
  readonly shared: boolean;
  readonly fused: boolean;
}

/** The module bytes; memory is imported (env.memory) so JS owns growth. */
export function sgemmModuleBytes(options: ModuleOptions): Uint8Array<ArrayBuffer> {
  const { shared, fused } = options;
  return buildModule(
    [
      { ...microKernel(MR, NR, fused), results: [] },
      { ...microKernel(MR, NR, fused, true), results: [] },
      { ...taskDriver(MR, NR), results: [], name: 'task' },
      { ...packCols(NR), results: [], name: 'packB' },
      { ...packRows(MR), results: [], name: 'packA' },
      { ...packCols(MR), results: [], name: 'packAT' },
      { ...packRows(NR), results: [], name: 'packBT' },
      { ...compact(), results: [], name: 'compact' },
    ],
    { min: 1, max: shared ? 65536 : undefined, shared },
  );
}

/** Whether this runtime runs relaxed SIMD (browsers today; Node 20 with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  try {
    return typeof WebAssembly !== 'undefined' && WebAssembly.validate(sgemmModuleBytes({ shared: false, fused: true }));
  } catch {
    return false;
  }
}
