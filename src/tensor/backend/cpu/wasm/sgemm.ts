/**
 * Float32 batched matmul on the Wasm SIMD kernel: copy the operands into Wasm memory, pack them
 * into zero-padded tiles, run the blocked loop nest, copy the valid part of C out.
 */
import { MR, NR, sgemmModuleBytes } from './sgemmModule';

type GemmFn = (pa: number, pb: number, pc: number, mPanels: number, nPanels: number, jpStart: number, jpEnd: number, k: number, kcBlock: number, mcPanels: number) => void;
type PackBFn = (src: number, dst: number, k: number, nPanels: number, ldbBytes: number) => void;

/** Blocking of one compiled kernel (the defaults are the tuned ones for 4x8 tiles). */
export interface SgemmConfig {
  readonly mr: number;
  readonly nr: number;
  /** k block: one B panel of kc x nr floats stays in L1 across the A panels. */
  readonly kc: number;
  /** A block: mcPanels * mr rows x kc stays in L2 across the B panels. */
  readonly mcPanels: number;
}

export const DEFAULT_CONFIG: SgemmConfig = { mr: MR, nr: NR, kc: 256, mcPanels: 32 };

export type SgemmFn = (a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, out: Float32Array) => void;

/** Pack A[m, k] (at aOff) into mr-row panels [k][mr] at h[dst]; rows past m are zero. */
function packA(a: Float32Array, aOff: number, m: number, k: number, mr: number, h: Float32Array, dst: number): void {
  for (let i0 = 0; i0 < m; i0 += mr, dst += mr * k) {
    const rows = Math.min(mr, m - i0);
    if (mr === 4 && rows === 4) {
      // The common case, unrolled: four source rows interleaved into one panel.
      const r0 = aOff + i0 * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
      for (let p = 0, d = dst; p < k; p++, d += 4) {
        h[d] = a[r0 + p]!; h[d + 1] = a[r1 + p]!; h[d + 2] = a[r2 + p]!; h[d + 3] = a[r3 + p]!;
      }
      continue;
    }
    for (let r = 0; r < mr; r++) {
      const src = aOff + (i0 + r) * k;
      if (r < rows) for (let p = 0, d = dst + r; p < k; p++, d += mr) h[d] = a[src + p]!;
      else for (let p = 0, d = dst + r; p < k; p++, d += mr) h[d] = 0;
    }
  }
}

/** Copy B[k, n] (at bOff) to h[dst] with rows padded by zeros to ldb columns. */
function copyB(b: Float32Array, bOff: number, k: number, n: number, ldb: number, h: Float32Array, dst: number): void {
  if (ldb === n) {
    h.set(b.subarray(bOff, bOff + k * n), dst);
    return;
  }
  for (let p = 0; p < k; p++, dst += ldb) {
    const src = bOff + p * n;
    // subarray + set is a memcpy but costs an allocation; short rows copy faster by hand.
    if (n >= 64) h.set(b.subarray(src, src + n), dst);
    else for (let j = 0; j < n; j++) h[dst + j] = b[src + j]!;
    for (let j = n; j < ldb; j++) h[dst + j] = 0;
  }
}

/** Compile a kernel; null when this runtime has no WebAssembly or no SIMD (then callers use JS). */
export function createSgemm(cfg: SgemmConfig = DEFAULT_CONFIG): SgemmFn | null {
  let memory: WebAssembly.Memory, gemm: GemmFn, packB: PackBFn;
  try {
    if (typeof WebAssembly === 'undefined') return null;
    const bytes = sgemmModuleBytes(false, cfg.mr, cfg.nr);
    if (!WebAssembly.validate(bytes)) return null;
    memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    gemm = inst.exports.gemm as GemmFn;
    packB = inst.exports.packB as PackBFn;
  } catch {
    return null;
  }
  const { mr, nr } = cfg;
  return (a, b, batch, m, k, n, out) => {
    const mPanels = Math.ceil(m / mr), nPanels = Math.ceil(n / nr);
    const ldc = nPanels * nr;
    // Layout in floats: packed A | packed B | C | raw B (rows padded to ldc).
    const aLen = mPanels * mr * k, bLen = ldc * k, cLen = mPanels * mr * ldc;
    const aAt = 0, bAt = aLen, cAt = bAt + bLen, rawAt = cAt + cLen;
    // Growing detaches earlier views, so take a fresh one per call.
    const need = (rawAt + bLen) * 4 - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    const h = new Float32Array(memory.buffer);
    for (let bi = 0; bi < batch; bi++) {
      packA(a, bi * m * k, m, k, mr, h, aAt);
      copyB(b, bi * k * n, k, n, ldc, h, rawAt);
      packB(rawAt * 4, bAt * 4, k, nPanels, ldc * 4);
      h.fill(0, cAt, cAt + cLen);
      gemm(aAt * 4, bAt * 4, cAt * 4, mPanels, nPanels, 0, nPanels, k, cfg.kc, cfg.mcPanels);
      const oOff = bi * m * n;
      if (ldc === n) out.set(h.subarray(cAt, cAt + m * n), oOff);
      else for (let i = 0; i < m; i++) out.set(h.subarray(cAt + i * ldc, cAt + i * ldc + n), oOff + i * n);
    }
  };
}

let cached: SgemmFn | null | undefined;

/** The default kernel, compiled on first use. */
function instance(): SgemmFn | null {
  if (cached === undefined) cached = createSgemm();
  return cached;
}

export function sgemmAvailable(): boolean {
  return instance() !== null;
}

/** out[bi] = a[bi] @ b[bi] for float32 operands; requires sgemmAvailable() and k > 0. */
export function sgemmWasm(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, out: Float32Array): void {
  instance()!(a, b, batch, m, k, n, out);
}
