/**
 * Float32 batched matmul on the Wasm SIMD kernel: pack the operands into Wasm memory (tiles
 * padded with zeros), run the blocked loop nest, copy the valid part of C out.
 */
import { MR, NR, sgemmModuleBytes } from './sgemmModule';

type GemmFn = (pa: number, pb: number, pc: number, mPanels: number, nPanels: number, k: number, kcBlock: number, mcPanels: number) => void;

/** Tile shape and blocking of one compiled kernel (the defaults are the tuned ones). */
export interface SgemmConfig {
  readonly mr: number;
  readonly nr: number;
  /** k-loop unroll; packed panels pad k to a multiple of it with zeros. */
  readonly unroll: number;
  /** k block: one B panel of kc x nr floats stays in L1 across the A panels. */
  readonly kc: number;
  /** A block: mcPanels * mr rows x kc stays in L2 across the B panels. */
  readonly mcPanels: number;
}

export const DEFAULT_CONFIG: SgemmConfig = { mr: MR, nr: NR, unroll: 1, kc: 256, mcPanels: 32 };

export type SgemmFn = (a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, out: Float32Array) => void;

/** Pack A[m, k] (at aOff) into mr-row panels [kPad][mr] at h[dst]. */
function packA(a: Float32Array, aOff: number, m: number, k: number, kPad: number, mr: number, h: Float32Array, dst: number): void {
  for (let i0 = 0; i0 < m; i0 += mr) {
    const rows = Math.min(mr, m - i0);
    if (mr === 4 && rows === 4) {
      // The common case, unrolled: four source rows interleaved into one panel.
      const r0 = aOff + i0 * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
      let d = dst;
      for (let p = 0; p < k; p++, d += 4) {
        h[d] = a[r0 + p]!; h[d + 1] = a[r1 + p]!; h[d + 2] = a[r2 + p]!; h[d + 3] = a[r3 + p]!;
      }
      h.fill(0, d, dst + mr * kPad);
      dst += mr * kPad;
      continue;
    }
    for (let r = 0; r < mr; r++) {
      let d = dst + r;
      if (r < rows) {
        const src = aOff + (i0 + r) * k;
        for (let p = 0; p < k; p++, d += mr) h[d] = a[src + p]!;
        for (let p = k; p < kPad; p++, d += mr) h[d] = 0;
      } else {
        for (let p = 0; p < kPad; p++, d += mr) h[d] = 0;
      }
    }
    dst += mr * kPad;
  }
}

/** Pack B[k, n] (at bOff) into nr-column panels [kPad][nr] at h[dst]. */
function packB(b: Float32Array, bOff: number, k: number, n: number, kPad: number, nr: number, h: Float32Array, dst: number): void {
  for (let j0 = 0; j0 < n; j0 += nr) {
    const cols = Math.min(nr, n - j0);
    let d = dst;
    for (let p = 0, src = bOff + j0; p < k; p++, src += n, d += nr) {
      if (nr === 8 && cols === 8) {
        h[d] = b[src]!; h[d + 1] = b[src + 1]!; h[d + 2] = b[src + 2]!; h[d + 3] = b[src + 3]!;
        h[d + 4] = b[src + 4]!; h[d + 5] = b[src + 5]!; h[d + 6] = b[src + 6]!; h[d + 7] = b[src + 7]!;
      } else if (cols === nr) for (let j = 0; j < nr; j++) h[d + j] = b[src + j]!;
      else for (let j = 0; j < nr; j++) h[d + j] = j < cols ? b[src + j]! : 0;
    }
    h.fill(0, d, dst + nr * kPad);
    dst += nr * kPad;
  }
}

/** Compile a kernel; null when this runtime has no WebAssembly or no SIMD (then callers use JS). */
export function createSgemm(cfg: SgemmConfig = DEFAULT_CONFIG): SgemmFn | null {
  let memory: WebAssembly.Memory, gemm: GemmFn;
  try {
    if (typeof WebAssembly === 'undefined') return null;
    const bytes = sgemmModuleBytes(false, cfg.mr, cfg.nr, cfg.unroll);
    if (!WebAssembly.validate(bytes)) return null;
    memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    gemm = inst.exports.gemm as GemmFn;
  } catch {
    return null;
  }
  const { mr, nr, unroll } = cfg;
  return (a, b, batch, m, k, n, out) => {
    const kPad = Math.ceil(k / unroll) * unroll;
    const mPanels = Math.ceil(m / mr), nPanels = Math.ceil(n / nr);
    const ldc = nPanels * nr;
    const aLen = mPanels * mr * kPad, bLen = nPanels * nr * kPad, cLen = mPanels * mr * ldc;
    const aAt = 0, bAt = aLen, cAt = aLen + bLen;
    // Growing detaches earlier views, so take a fresh one per call.
    const need = (cAt + cLen) * 4 - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    const h = new Float32Array(memory.buffer);
    for (let bi = 0; bi < batch; bi++) {
      packA(a, bi * m * k, m, k, kPad, mr, h, aAt);
      packB(b, bi * k * n, k, n, kPad, nr, h, bAt);
      h.fill(0, cAt, cAt + cLen);
      gemm(aAt * 4, bAt * 4, cAt * 4, mPanels, nPanels, kPad, cfg.kc, cfg.mcPanels);
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
