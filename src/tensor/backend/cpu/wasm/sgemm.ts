/**
 * Float32 batched matmul on the Wasm SIMD kernel: pack the operands into Wasm memory (tiles
 * padded with zeros), run the blocked loop nest, copy the valid part of C out.
 */
import { MR, NR, sgemmModuleBytes } from './sgemmModule';

type GemmFn = (pa: number, pb: number, pc: number, mPanels: number, nPanels: number, k: number, kcBlock: number, mcPanels: number) => void;

interface SgemmInstance {
  readonly memory: WebAssembly.Memory;
  readonly gemm: GemmFn;
}

/** k block: one B panel of KC x NR floats (8 KiB) stays in L1 across the A panels. */
const KC = 256;
/** A block: MC_PANELS * MR rows x KC (128 KiB) stays in L2 across the B panels. */
const MC_PANELS = 32;

let cached: SgemmInstance | null | undefined;

/** Compile once; null when this runtime has no WebAssembly or no SIMD (then callers use JS). */
function instance(): SgemmInstance | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    if (typeof WebAssembly === 'undefined') return null;
    const bytes = sgemmModuleBytes(false);
    if (!WebAssembly.validate(bytes)) return null;
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    cached = { memory, gemm: inst.exports.gemm as GemmFn };
  } catch {
    cached = null;
  }
  return cached;
}

export function sgemmAvailable(): boolean {
  return instance() !== null;
}

/** Grow the memory to at least `bytes`; returns a fresh view (growing detaches old ones). */
function heap(w: SgemmInstance, bytes: number): Float32Array {
  const have = w.memory.buffer.byteLength;
  if (have < bytes) w.memory.grow(Math.ceil((bytes - have) / 65536));
  return new Float32Array(w.memory.buffer);
}

/** Pack A[m, k] (at aOff) into MR-row panels [k][MR] at heap[dst]. */
function packA(a: Float32Array, aOff: number, m: number, k: number, h: Float32Array, dst: number): void {
  for (let i0 = 0; i0 < m; i0 += MR) {
    if (i0 + MR <= m) {
      const r0 = aOff + i0 * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
      for (let p = 0; p < k; p++, dst += 4) {
        h[dst] = a[r0 + p]!;
        h[dst + 1] = a[r1 + p]!;
        h[dst + 2] = a[r2 + p]!;
        h[dst + 3] = a[r3 + p]!;
      }
    } else {
      const rows = m - i0;
      for (let p = 0; p < k; p++, dst += MR) {
        for (let r = 0; r < MR; r++) h[dst + r] = r < rows ? a[aOff + (i0 + r) * k + p]! : 0;
      }
    }
  }
}

/** Pack B[k, n] (at bOff) into NR-column panels [k][NR] at heap[dst]. */
function packB(b: Float32Array, bOff: number, k: number, n: number, h: Float32Array, dst: number): void {
  for (let j0 = 0; j0 < n; j0 += NR) {
    if (j0 + NR <= n) {
      for (let p = 0, src = bOff + j0; p < k; p++, src += n, dst += NR) {
        h[dst] = b[src]!; h[dst + 1] = b[src + 1]!; h[dst + 2] = b[src + 2]!; h[dst + 3] = b[src + 3]!;
        h[dst + 4] = b[src + 4]!; h[dst + 5] = b[src + 5]!; h[dst + 6] = b[src + 6]!; h[dst + 7] = b[src + 7]!;
      }
    } else {
      const cols = n - j0;
      for (let p = 0, src = bOff + j0; p < k; p++, src += n, dst += NR) {
        for (let j = 0; j < NR; j++) h[dst + j] = j < cols ? b[src + j]! : 0;
      }
    }
  }
}

/** out[bi] = a[bi] @ b[bi] for float32 operands; requires sgemmAvailable() and k > 0. */
export function sgemmWasm(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, out: Float32Array): void {
  const w = instance()!;
  const mPanels = Math.ceil(m / MR), nPanels = Math.ceil(n / NR);
  const ldc = nPanels * NR;
  const aLen = mPanels * MR * k, bLen = nPanels * NR * k, cLen = mPanels * MR * ldc;
  const aAt = 0, bAt = aLen, cAt = aLen + bLen;
  const h = heap(w, (cAt + cLen) * 4);
  for (let bi = 0; bi < batch; bi++) {
    packA(a, bi * m * k, m, k, h, aAt);
    packB(b, bi * k * n, k, n, h, bAt);
    h.fill(0, cAt, cAt + cLen);
    w.gemm(aAt * 4, bAt * 4, cAt * 4, mPanels, nPanels, k, KC, MC_PANELS);
    const oOff = bi * m * n;
    if (ldc === n) out.set(h.subarray(cAt, cAt + m * n), oOff);
    else for (let i = 0; i < m; i++) out.set(h.subarray(cAt + i * ldc, cAt + i * ldc + n), oOff + i * n);
  }
}
