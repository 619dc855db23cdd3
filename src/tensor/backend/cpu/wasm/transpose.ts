/**
 * Float32 matrix transpose in Wasm SIMD: [rows, cols] -> [cols, rows] for each matrix of a batch.
 * Whole 4x4 blocks are transposed in registers (4 loads, 8 shuffles, 4 stores); the ragged
 * edges (rows or cols not a multiple of 4) are copied in JS. The operand is copied into Wasm
 * memory and the result out (two memcpys), which still beats an element-by-element JS walk
 * whose reads stride across rows several times over (bench/transpose.ts).
 */
import { I32, V128, buildModule, f32x4shuffle, forRange, get, i32add, i32c, i32mul, set, v128load, v128store, type Code } from './emit';

/** t4(src, dst, rows4, cols4, rowBytes, colBytes): the whole 4x4 blocks of one matrix. */
function blocks(): { params: number[]; locals: number[]; body: Code } {
  const [src, dst, rows4, cols4, rowB, colB] = [0, 1, 2, 3, 4, 5];
  const [r, c, s, d] = [6, 7, 8, 9];
  const [v0, v1, v2, v3, t0, t1, t2, t3] = [10, 11, 12, 13, 14, 15, 16, 17];
  // s: source row r, column c (rowB = cols * 4 bytes per source row); d: destination row c, column r.
  const srow = (q: number): Code => (q === 0 ? get(s) : [...get(s), ...get(rowB), ...i32c(q), ...i32mul, ...i32add]);
  const drow = (q: number): Code => (q === 0 ? get(d) : [...get(d), ...get(colB), ...i32c(q), ...i32mul, ...i32add]);
  const inner: Code = [
    ...srow(0), ...v128load(0), ...set(v0),
    ...srow(1), ...v128load(0), ...set(v1),
    ...srow(2), ...v128load(0), ...set(v2),
    ...srow(3), ...v128load(0), ...set(v3),
    ...get(v0), ...get(v1), ...f32x4shuffle([0, 4, 1, 5]), ...set(t0),
    ...get(v2), ...get(v3), ...f32x4shuffle([0, 4, 1, 5]), ...set(t1),
    ...get(v0), ...get(v1), ...f32x4shuffle([2, 6, 3, 7]), ...set(t2),
    ...get(v2), ...get(v3), ...f32x4shuffle([2, 6, 3, 7]), ...set(t3),
    ...drow(0), ...get(t0), ...get(t1), ...f32x4shuffle([0, 1, 4, 5]), ...v128store(0),
    ...drow(1), ...get(t0), ...get(t1), ...f32x4shuffle([2, 3, 6, 7]), ...v128store(0),
    ...drow(2), ...get(t2), ...get(t3), ...f32x4shuffle([0, 1, 4, 5]), ...v128store(0),
    ...drow(3), ...get(t2), ...get(t3), ...f32x4shuffle([2, 3, 6, 7]), ...v128store(0),
    ...get(s), ...i32c(16), ...i32add, ...set(s),
    ...get(d), ...get(colB), ...i32c(4), ...i32mul, ...i32add, ...set(d),
  ];
  const body: Code = forRange(r, i32c(0), get(rows4), i32c(4),
    // s = src + r * rowB; d = dst + r * 4
    get(src), get(r), get(rowB), i32mul, i32add, set(s),
    get(dst), get(r), i32c(4), i32mul, i32add, set(d),
    forRange(c, i32c(0), get(cols4), i32c(4), inner),
  );
  return { params: [I32, I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128], body };
}

type BlocksFn = (src: number, dst: number, rows4: number, cols4: number, rowBytes: number, colBytes: number) => void;

let kernel: { memory: WebAssembly.Memory; t4: BlocksFn } | null | undefined;

function instance(): { memory: WebAssembly.Memory; t4: BlocksFn } | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = buildModule([{ ...blocks(), results: [], name: 't4' }], { min: 1, max: undefined, shared: false });
    if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return (kernel = null);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    kernel = { memory, t4: inst.exports.t4 as BlocksFn };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Below this many elements per matrix the plain JS loop wins (no copies in and out). */
export const WASM_TRANSPOSE_MIN = 1024;

/**
 * out[b, c, r] = x[b, r, c] for float32 matrices [rows, cols]; false when Wasm is unavailable
 * (the caller then uses its generic path).
 */
export function transposeF32(x: Float32Array, batch: number, rows: number, cols: number, out: Float32Array): boolean {
  const k = instance();
  if (!k) return false;
  const n = rows * cols;
  // The Wasm heap holds one source matrix and its transpose.
  const need = 2 * n * 4 - k.memory.buffer.byteLength;
  if (need > 0) k.memory.grow(Math.ceil(need / 65536));
  const h = new Float32Array(k.memory.buffer);
  const rows4 = rows & ~3, cols4 = cols & ~3;
  for (let b = 0, off = 0; b < batch; b++, off += n) {
    h.set(x.subarray(off, off + n), 0);
    k.t4(0, n * 4, rows4, cols4, cols * 4, rows * 4);
    // Ragged edges: the last cols % 4 columns of the block rows, then the last rows % 4 rows.
    for (let r = 0; r < rows4; r++) for (let c = cols4; c < cols; c++) h[n + c * rows + r] = h[r * cols + c]!;
    for (let r = rows4; r < rows; r++) for (let c = 0; c < cols; c++) h[n + c * rows + r] = h[r * cols + c]!;
    out.set(h.subarray(n, 2 * n), off);
  }
  return true;
}
