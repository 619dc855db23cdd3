/**
 * Wasm SIMD code generation for float32 fused clusters: the same loop as ./js.ts, four
 * lanes at a time (f32x4), for clusters whose values are float32 (and bool masks from
 * comparisons) and whose inputs are read contiguously (the iteration order), as a broadcast
 * scalar, or as a row repeated over leading axes (a bias [1, n] over [m, n]).
 *
 * Each operation is the `wasm` field of its row in the expression table (../expr.ts); a row
 * marked JS_ONLY sends the cluster to the JS path. Results are bit-identical to the JS path (and
 * so to eager execution): f32 add, sub, mul, div and sqrt in Wasm are correctly rounded IEEE
 * single operations, which equal Math.fround of the double operation; denormals are not flushed
 * (the Wasm spec forbids it); neg and abs flip or clear the sign bit like -x and Math.abs;
 * comparisons give lane masks (NaN compares false, except ne); where is a bitselect. A bool
 * output stores each mask lane as a byte 0 or 1, like the JS path.
 *
 * All kernels share one Wasm memory, which grows to the largest need and stays. A call walks the
 * elements in chunks that stay in cache: copy each contiguous input's chunk in, run the vector
 * loop, copy each output's chunk out. Scalar inputs are written once per call to a small area at
 * the start of the memory and splatted before the loop; literals are v128 constants; a row
 * input's region is filled once per call with the row repeated (chunks hold whole rows). Chunks
 * are padded to whole vectors: the extra lanes compute on stale data and are never copied out,
 * so no scalar tail loop is needed.
 *
 * A bool input read in full (a mask computed by an earlier cluster, such as ReLU's in its
 * backward pass) is copied in as bytes and widened to lane masks, four bytes per vector.
 *
 * A sum over leading axes (a bias gradient: [batch, n] summed over the batch, n a multiple of 4)
 * closes the loop like in JS: chunks hold whole rows, the summed value goes to its own region,
 * and after each chunk's loop a second loop adds its rows, in order, into a float64 row of
 * partial sums (f64x2.promote_low is exact and f64x2.add rounds once, like the JS `A[j] += v`),
 * which is rounded to float32 at the end; so the result is bit-identical to the JS kernel and
 * eager. Other reductions (over trailing axes, max, min, prod), other primitives or dtypes,
 * column broadcasts and other strides, and tiny clusters return undefined and take the JS path.
 */
import { isElementwise } from '../../../primitives';
import { Lit, Var, type Atom, type Eqn } from '../../../jaxpr';
import type { Cluster } from '../../../program';
import { sizeOf } from '../../../shape';
import { exprRow, JS_ONLY, type Lanes, type WasmRow } from '../expr';
import type { FusedKernel } from './js';
import { I32, V128, buildModule, get, i32add, i32c, i32ltS, set, brIf, loop, type Code } from '../wasm/emit';
import { F32X4, f32x4const, f32x4high, f64x2add, f64x2promoteLowF32x4, i16x8extendLowI8x16U, i16x8narrowI32x4U, i32shrU, i32store, i32x4const, i32x4extendLowI16x8U, i32x4extractLane0, i32x4ne, i8x16narrowI16x8U, v128and, v128load, v128load32splat, v128load32zero, v128store } from '../wasm/simd';

/** Below this many elements the copies in and out cost more than the JS loop. */
export const WASM_FUSED_MIN = 64;
/** Elements per chunk: every array's chunk stays in L1/L2 between the copy and the loop. */
export const DEFAULT_CHUNK = 4096;

// --- the shared memory ----------------------------------------------------------------------------

let memory: WebAssembly.Memory | null | undefined;
let heapView: Float32Array | undefined;
let byteView: Uint8Array | undefined;
let intView: Int32Array | undefined;
let doubleView: Float64Array | undefined;

/** The shared memory, or null when this runtime lacks WebAssembly SIMD. */
function sharedMemory(): WebAssembly.Memory | null {
  if (memory !== undefined) return memory;
  try {
    // A probe: one function that splats and adds f32x4 values.
    const probe = buildModule([{ params: [], results: [], locals: [V128], body: [...f32x4const(1), ...f32x4const(2), ...F32X4.add!, ...set(0)] }], { min: 1, max: undefined, shared: false });
    memory = typeof WebAssembly !== 'undefined' && WebAssembly.validate(probe) ? new WebAssembly.Memory({ initial: 1 }) : null;
  } catch {
    memory = null;
  }
  return memory;
}

/** A Float32Array over the whole memory, at least `bytes` long (growing detaches older views). */
function heap(bytes: number): Float32Array {
  const m = memory!;
  const need = bytes - m.buffer.byteLength;
  if (need > 0) m.grow(Math.ceil(need / 65536));
  if (!heapView || heapView.buffer !== m.buffer) heapView = new Float32Array(m.buffer);
  return heapView;
}

/** A byte view of the memory (after heap() made it large enough). */
function bytes(): Uint8Array {
  if (!byteView || byteView.buffer !== memory!.buffer) byteView = new Uint8Array(memory!.buffer);
  return byteView;
}

/** An int32 view of the memory (after heap() made it large enough), to write mask bits. */
function ints(): Int32Array {
  if (!intView || intView.buffer !== memory!.buffer) intView = new Int32Array(memory!.buffer);
  return intView;
}

/** A float64 view of the memory (after heap() made it large enough), for partial sums. */
function doubles(): Float64Array {
  if (!doubleView || doubleView.buffer !== memory!.buffer) doubleView = new Float64Array(memory!.buffer);
  return doubleView;
}

/** Whether this runtime runs the Wasm SIMD kernels. */
export function wasmSimdAvailable(): boolean {
  return sharedMemory() !== null;
}

/** The size of the shared memory in bytes (0 before the first kernel), for tests. */
export function wasmMemoryBytes(): number {
  return memory ? memory.buffer.byteLength : 0;
}

/** Counters for tests and benchmarks: kernels compiled, calls run. */
export const wasmFusedStats = { compiled: 0, calls: 0 };

// --- support check ------------------------------------------------------------------------------

/** f32 lanes hold float32 values, mask lanes bool values. */
const lanesOf = (dtype: string): Lanes | undefined => (dtype === 'float32' ? 'f32' : dtype === 'bool' ? 'mask' : undefined);

/** The equation's Wasm row, when the dtypes of its operands and result fit it (else why not). */
function wasmRowFor(e: Eqn): WasmRow | string {
  const row = isElementwise(e.prim) ? exprRow(e.prim).wasm : JS_ONLY;
  if (row === JS_ONLY) return `primitive ${e.prim}`;
  const ins = e.inputs.map((a) => lanesOf(a.aval.dtype));
  const out = lanesOf(e.outs[0]!.aval.dtype);
  const operandsFit = row.operands === 'any' ? ins.length === 1 && ins[0] !== undefined : row.operands.length === ins.length && row.operands.every((k, i) => k === ins[i]);
  const resultFits = out !== undefined && (row.result === 'first' ? out === ins[0] : out === row.result);
  return operandsFit && resultFits ? row : `${e.prim} of ${e.inputs.map((a) => a.aval.dtype).join(', ')} to ${e.outs[0]!.aval.dtype}`;
}

interface Plan {
  readonly n: number;
  /** Per cluster input: how it is read. */
  readonly reads: readonly ('contiguous' | 'scalar' | 'literal' | 'periodic')[];
  /** Per cluster input: for a periodic read (a row broadcast over leading axes), the row length. */
  readonly periods: readonly number[];
  /** Per cluster output: float32 values, or a bool mask stored as bytes. */
  readonly outputKinds: readonly Lanes[];
  /** Per cluster input: float32 values or a bool mask. */
  readonly inputKinds: readonly Lanes[];
  /** Every chunk but the last is a multiple of this many elements (4, and every period). */
  readonly unit: number;
  /** For a sum over leading axes: the length of the kept row (a multiple of 4). */
  readonly sumRow?: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;
/** The largest chunk (elements) a kernel may use. */
const MAX_CHUNK = 1 << 16;

/** The plan of a supported cluster, or the reason it is not supported. */
export function planWasm(c: Cluster): Plan | string {
  const n = sizeOf(c.shape);
  let sumRow: number | undefined;
  if (c.reduce) {
    const { prim, axes, input } = c.reduce;
    const leading = axes.length < c.shape.length && axes.every((a, i) => a === i);
    if (prim !== 'reduceSum' || !leading) return `reduction ${prim} over axes [${axes}]`;
    sumRow = sizeOf(c.shape.slice(axes.length));
    if (sumRow % 4 !== 0) return `a sum into rows of ${sumRow} elements (not a multiple of 4)`;
    if (input.aval.dtype !== 'float32' || c.reduce.out.aval.dtype !== 'float32') return `a sum of ${input.aval.dtype}`;
  }
  if (n < WASM_FUSED_MIN) return `only ${n} elements`;
  if (n * 4 >= 2 ** 31) return 'too large';
  // Row-major strides of the iteration shape; axes of size 1 never move, so their strides are free.
  const contiguous: number[] = [];
  for (let i = c.shape.length - 1, acc = 1; i >= 0; acc *= c.shape[i]!, i--) contiguous[i] = acc;
  const reads: Plan['reads'][number][] = [];
  const periods: number[] = [];
  const inputKinds: Lanes[] = [];
  for (const inp of c.inputs) {
    const dt = inp.atom.aval.dtype;
    // A bool input is a where condition: a literal or a broadcast scalar becomes a lane mask.
    if (dt !== 'float32' && dt !== 'bool') return `input of dtype ${dt}`;
    inputKinds.push(dt === 'bool' ? 'mask' : 'f32');
    const moving = c.shape.map((_, i) => i).filter((i) => c.shape[i]! > 1);
    // A row broadcast: zero strides on leading axes, contiguous on the trailing ones from `first`.
    const first = moving.find((i) => inp.strides[i] !== 0) ?? 0;
    periods.push(sizeOf(c.shape.slice(first)));
    if (inp.atom instanceof Lit) reads.push('literal');
    else if (moving.every((i) => inp.strides[i] === 0)) reads.push('scalar');
    else if (moving.every((i) => inp.strides[i] === contiguous[i])) reads.push('contiguous');
    else if (moving.every((i) => (i < first ? inp.strides[i] === 0 : inp.strides[i] === contiguous[i]))) reads.push('periodic');
    else return `input read with strides [${inp.strides}]`;
  }
  for (const e of c.eqns) {
    const row = wasmRowFor(e);
    if (typeof row === 'string') return row;
  }
  const outputKinds: Lanes[] = [];
  for (const o of c.outputs) {
    const lanes = lanesOf(o.aval.dtype);
    if (!lanes) return `output of dtype ${o.aval.dtype}`;
    outputKinds.push(lanes);
  }
  // Chunks hold whole periods, so a periodic input's region is filled once per call.
  // A sum's chunks hold whole rows too, so each chunk's rows add into the same partial sums.
  const unit = reads.reduce((u, r, j) => (r === 'periodic' ? lcm(u, periods[j]!) : u), sumRow ?? 4);
  if (unit > MAX_CHUNK && unit < n) return `a broadcast period of ${unit} elements`;
  return { n, reads, periods, inputKinds, outputKinds, unit, sumRow };
}

/** Which code a cluster compiles to (for tests): 'wasm' or 'js'. */
export function kernelKind(c: Cluster): 'wasm' | 'js' {
  return wasmSimdAvailable() && typeof planWasm(c) !== 'string' ? 'wasm' : 'js';
}

// --- code generation ----------------------------------------------------------------------------

/**
 * Compile a cluster to a Wasm SIMD kernel with compileCluster's calling convention, or undefined
 * when the cluster is not supported (or Wasm SIMD is unavailable): the caller then uses JS.
 */
export function compileClusterWasm(c: Cluster, options: { chunk?: number } = {}): FusedKernel | undefined {
  const plan = planWasm(c);
  if (typeof plan === 'string' || !sharedMemory()) return undefined;
  const { n, reads, periods, inputKinds, outputKinds, unit, sumRow } = plan;
  const round4 = (x: number) => (x + 3) & ~3;
  const chunk = Math.min(Math.max(unit, Math.floor((options.chunk ?? DEFAULT_CHUNK) / unit) * unit), round4(n));

  // Memory layout (bytes): scalars (4 each) | region per contiguous or periodic input | region per
  // output | for a sum: the summed values' region, then the float64 partial sums.
  const scalars = reads.flatMap((r, j) => (r === 'scalar' ? [j] : []));
  const streamed = reads.flatMap((r, j) => (r === 'contiguous' ? [j] : []));
  const periodic = reads.flatMap((r, j) => (r === 'periodic' ? [j] : []));
  const regionBytes = chunk * 4;
  const dataAt = (scalars.length * 4 + 15) & ~15;
  const scalarAt = new Map(scalars.map((j, k) => [j, k * 4]));
  const regioned = [...streamed, ...periodic];
  const inputAt = new Map(regioned.map((j, k) => [j, dataAt + k * regionBytes]));
  const outputAt = c.outputs.map((_, k) => dataAt + (regioned.length + k) * regionBytes);
  const summedAt = dataAt + (regioned.length + c.outputs.length) * regionBytes;
  const sumsAt = summedAt + regionBytes;
  const totalBytes = sumRow === undefined ? summedAt : sumsAt + sumRow * 8;

  // Locals: 0 = byte count (param), 1 = i, 2 = a sum's row start, then one v128 per input and per equation.
  const END = 0, I = 1, ROW = 2;
  const locals: number[] = [I32, I32];
  const local = new Map<Atom | number, number>();
  const newLocal = () => {
    locals.push(V128);
    return locals.length; // params come first: local index = 1 + position in locals
  };
  const prologue: Code = [];
  const body: Code = [];
  c.inputs.forEach((inp, j) => {
    const l = newLocal();
    local.set(j, l);
    const value = reads[j] === 'literal' ? (inp.atom as Lit).value.dataSync()[0]! : 0;
    if (reads[j] === 'literal' && inputKinds[j] === 'mask') prologue.push(...i32x4const(value ? -1 : 0), ...set(l));
    else if (reads[j] === 'literal') prologue.push(...f32x4const(Math.fround(value)), ...set(l));
    else if (reads[j] === 'scalar') prologue.push(...i32c(0), ...v128load32splat(scalarAt.get(j)!), ...set(l));
    else if (reads[j] === 'contiguous' && inputKinds[j] === 'mask') {
      // Bool bytes at i / 4: four of them widened to i32 lanes, then to all-one or all-zero masks.
      body.push(...get(I), ...i32c(2), ...i32shrU, ...v128load32zero(inputAt.get(j)!), ...i16x8extendLowI8x16U, ...i32x4extendLowI16x8U, ...i32x4const(0), ...i32x4ne, ...set(l));
    } else body.push(...get(I), ...v128load(inputAt.get(j)!), ...set(l));
  });
  const localOf = (a: Atom): number => {
    if (a instanceof Var && local.has(a)) return local.get(a)!;
    const j = c.reads.get(a);
    if (j === undefined) throw new Error('jit: internal: a fused operand has no source');
    return local.get(j)!;
  };
  const operand = (a: Atom): Code => get(localOf(a));
  for (const e of c.eqns) {
    const out = e.outs[0]!;
    const row = wasmRowFor(e) as WasmRow;
    if (row.emit === null) {
      local.set(out, localOf(e.inputs[0]!));
      continue;
    }
    const l = newLocal();
    local.set(out, l);
    body.push(...row.emit(e.inputs.map(operand)), ...set(l));
  }
  c.outputs.forEach((v, k) => {
    if (outputKinds[k] === 'f32') body.push(...get(I), ...get(local.get(v)!), ...v128store(outputAt[k]!));
    else {
      // A bool output: lanes masked to 0 or 1, narrowed to 4 bytes, stored at outputAt + i / 4.
      const t = newLocal();
      body.push(
        ...get(I), ...i32c(2), ...i32shrU,
        ...get(local.get(v)!), ...i32x4const(1), ...v128and, ...set(t),
        ...get(t), ...get(t), ...i16x8narrowI32x4U, ...set(t),
        ...get(t), ...get(t), ...i8x16narrowI16x8U, ...i32x4extractLane0,
        ...i32store(outputAt[k]!),
      );
    }
  });
  const sumLoop: Code = [];
  if (sumRow !== undefined) {
    const v = newLocal(), acc = newLocal();
    body.push(...get(I), ...get(localOf(c.reduce!.input)), ...v128store(summedAt));
    // Row by row (in order), lanes j..j+3 of a row into partial sums j..j+3 (float64, 8 bytes each).
    // `lanes` pushes a vector whose low two lanes are the pair to add.
    const addHalf = (lanes: Code, at: number): Code => [
      ...get(I), ...get(I), ...i32add, ...v128load(at), ...set(acc),
      ...get(I), ...get(I), ...i32add,
      ...get(acc), ...lanes, ...f64x2promoteLowF32x4, ...f64x2add,
      ...v128store(at),
    ];
    const inner = [
      ...get(ROW), ...get(I), ...i32add, ...v128load(summedAt), ...set(v),
      ...addHalf(get(v), sumsAt), ...addHalf([...get(v), ...get(v), ...f32x4high], sumsAt + 16),
    ];
    sumLoop.push(
      ...i32c(0), ...set(ROW),
      ...loop(
        i32c(0), set(I),
        loop(inner, get(I), i32c(16), i32add, set(I), get(I), i32c(sumRow * 4), i32ltS, brIf(0)),
        get(ROW), i32c(sumRow * 4), i32add, set(ROW), get(ROW), get(END), i32ltS, brIf(0),
      ),
    );
  }
  // do { body; i += 16 } while (i < end): every call has at least one vector.
  const fn: Code = [
    ...prologue,
    ...i32c(0), ...set(I),
    ...loop(body, get(I), i32c(16), i32add, set(I), get(I), get(END), i32ltS, brIf(0)),
    ...sumLoop,
  ];
  let run: (bytes: number) => void;
  try {
    const bytes = buildModule([{ params: [I32], results: [], locals, body: fn, name: 'k' }], { min: 1, max: undefined, shared: false });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: memory! } });
    run = inst.exports.k as (bytes: number) => void;
  } catch {
    return undefined;
  }
  wasmFusedStats.compiled++;

  const nOut = c.outputs.length;
  const streamedAt = streamed.map((j) => inputAt.get(j)! >> 2);
  const periodicAt = periodic.map((j) => inputAt.get(j)! >> 2);
  const periodOf = periodic.map((j) => periods[j]!);
  const periodicMask = periodic.map((j) => inputKinds[j] === 'mask');
  const streamedMask = streamed.map((j) => inputKinds[j] === 'mask');
  const scalarSlots = scalars.map((j) => scalarAt.get(j)! >> 2);
  const scalarMask = scalars.map((j) => inputKinds[j] === 'mask');
  const anyMask = scalarMask.some(Boolean);
  const outAt = outputAt.map((b) => b >> 2);
  const outBool = outputKinds.map((k) => k === 'mask');
  const filled = Math.min(chunk, n);
  const sumsFrom = sumsAt >> 3;
  return (ins, outs) => {
    wasmFusedStats.calls++;
    const h = heap(totalBytes);
    if (sumRow !== undefined) doubles().fill(0, sumsFrom, sumsFrom + sumRow);
    for (let k = 0; k < scalars.length; k++) if (!scalarMask[k]) h[scalarSlots[k]!] = ins[scalars[k]!]![0]!;
    if (anyMask) {
      // Masks are all-one or all-zero lanes: write their bits as integers.
      const bits = ints();
      for (let k = 0; k < scalars.length; k++) if (scalarMask[k]) bits[scalarSlots[k]!] = ins[scalars[k]!]![0] ? -1 : 0;
    }
    // A periodic input's region holds its row repeated; chunks start at multiples of the period.
    for (let k = 0; k < periodic.length; k++) {
      const src = ins[periodic[k]!]!, p = periodOf[k]!, at = periodicAt[k]!;
      if (periodicMask[k]) {
        // A bool row becomes mask lanes (all ones or zeros); copyWithin below copies bits exactly.
        const bits = ints();
        for (let e = 0; e < p; e++) bits[at + e] = src[e] ? -1 : 0;
      } else h.set(src.length === p ? (src as Float32Array) : (src as Float32Array).subarray(0, p), at);
      for (let done = p; done < filled; done *= 2) h.copyWithin(at + done, at, at + Math.min(done, filled - done));
    }
    for (let off = 0; off < n; off += chunk) {
      const len = Math.min(chunk, n - off);
      for (let k = 0; k < streamed.length; k++) {
        if (streamedMask[k]) {
          const src = ins[streamed[k]!] as Uint8Array;
          bytes().set(len === src.length ? src : src.subarray(off, off + len), streamedAt[k]! * 4);
          continue;
        }
        const src = ins[streamed[k]!] as Float32Array;
        h.set(len === src.length ? src : src.subarray(off, off + len), streamedAt[k]);
      }
      run(round4(len) * 4);
      for (let k = 0; k < nOut; k++) {
        if (outBool[k]) (outs[k] as Uint8Array).set(bytes().subarray(outAt[k]! * 4, outAt[k]! * 4 + len), off);
        else (outs[k] as Float32Array).set(h.subarray(outAt[k]!, outAt[k]! + len), off);
      }
    }
    // Float64 partial sums rounded to float32, like the JS kernel's R[q] = A[q].
    if (sumRow !== undefined) (outs[nOut] as Float32Array).set(doubles().subarray(sumsFrom, sumsFrom + sumRow));
  };
}
