/**
 * A tiny WebAssembly binary emitter: just enough to write one-module numeric kernels from
 * TypeScript at load time, so no external toolchain or checked-in .wasm is needed.
 * Code is built as plain byte arrays (number[]) that callers concatenate.
 */

export type Code = number[];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

export function uleb(n: number): Code {
  const out: Code = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): Code {
  const out: Code = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function str(s: string): Code {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: Code[]): Code {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: Code): Code {
  return [id, ...uleb(body.length), ...body];
}

// --- instructions -----------------------------------------------------------------------------

export const get = (l: number): Code => [0x20, ...uleb(l)];
export const set = (l: number): Code => [0x21, ...uleb(l)];
export const tee = (l: number): Code => [0x22, ...uleb(l)];
export const i32c = (v: number): Code => [0x41, ...sleb(v | 0)];
export const i32add: Code = [0x6a];
export const i32sub: Code = [0x6b];
export const i32mul: Code = [0x6c];
export const i32shl: Code = [0x74];
export const i32ltS: Code = [0x48];
export const i32geS: Code = [0x4e];
export const i32ne: Code = [0x47];
export const i32eqz: Code = [0x45];
export const i32and: Code = [0x71];
export const i32divU: Code = [0x6e];
export const i32remU: Code = [0x70];
export const select: Code = [0x1b];
export const call = (f: number): Code => [0x10, ...uleb(f)];
export const br = (depth: number): Code => [0x0c, ...uleb(depth)];
export const brIf = (depth: number): Code => [0x0d, ...uleb(depth)];

const simd = (op: number, ...imm: Code): Code => [0xfd, ...uleb(op), ...imm];
const memarg = (align: number, offset: number): Code => [...uleb(align), ...uleb(offset)];
export const v128load = (offset = 0): Code => simd(0x00, ...memarg(4, offset));
export const v128store = (offset = 0): Code => simd(0x0b, ...memarg(4, offset));
export const v128load32splat = (offset = 0): Code => simd(0x09, ...memarg(2, offset));
/** i8x16.shuffle with 16 byte-lane indices (0-15 from the first operand, 16-31 from the second). */
export const i8x16shuffle = (lanes: readonly number[]): Code => simd(0x0d, ...lanes);
/** i8x16.shuffle of two f32x4 values by f32 lane (0-3 first operand, 4-7 second). */
export const f32x4shuffle = (l: readonly [number, number, number, number]): Code => i8x16shuffle(l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]));
export const f32load = (offset = 0): Code => [0x2a, ...memarg(2, offset)];
export const i32load = (offset = 0): Code => [0x28, ...memarg(2, offset)];
/** memory.copy (bulk memory): dst, src, byte count on the stack; overlapping ranges are fine (memmove). */
export const memoryCopy: Code = [0xfc, 0x0a, 0x00, 0x00];
export const f32store = (offset = 0): Code => [0x38, ...memarg(2, offset)];
export const f32x4add: Code = simd(0xe4);
export const f32x4mul: Code = simd(0xe6);
/**
 * f32x4.relaxed_madd(a, b, c) = a * b + c, fused or not as the hardware prefers (relaxed SIMD).
 * Within one process the choice is fixed, so results stay deterministic run to run.
 */
export const f32x4relaxedMadd: Code = simd(0x105);

/** `block (loop ...) end end` with the body free to `br 1` out and `br 0` back. */
export const block = (...body: Code[]): Code => [0x02, 0x40, ...body.flat(), 0x0b];
export const loop = (...body: Code[]): Code => [0x03, 0x40, ...body.flat(), 0x0b];
/** `if (cond on the stack) then else` with no result. */
export const ifElse = (then: Code, otherwise: Code): Code => [0x04, 0x40, ...then, 0x05, ...otherwise, 0x0b];

/**
 * `for (i = start; i < limit; i += step) body` over i32 locals. Inside `body`, branch depth 0
 * is the loop and 1 the enclosing block, so `body` must not branch itself.
 */
export function forRange(i: number, start: Code, limit: Code, step: Code, ...body: Code[]): Code {
  return [
    ...start, ...set(i),
    ...block(loop(get(i), limit, i32geS, brIf(1), ...body, get(i), step, i32add, set(i), br(0))),
  ];
}

/** min(a, b) of two i32 expressions (each evaluated once; both are pure in our uses). */
export const minS = (a: Code, b: Code): Code => [...a, ...b, ...a, ...b, ...i32ltS, ...select];

// --- module -----------------------------------------------------------------------------------

export interface FuncDef {
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** Extra locals, each a value type, numbered after the params. */
  readonly locals: readonly number[];
  readonly body: Code;
  /** Export name, if exported. */
  readonly name?: string;
}

/**
 * A module that imports its memory as env.memory (shared if asked, so workers can use the same
 * one) and defines `funcs`, each with its own type.
 */
export function buildModule(funcs: readonly FuncDef[], memory: { min: number; max: number | undefined; shared: boolean }): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const limits = memory.max === undefined
    ? [0x00, ...uleb(memory.min)]
    : [memory.shared ? 0x03 : 0x01, ...uleb(memory.min), ...uleb(memory.max)];
  const imports = [[...str('env'), ...str('memory'), 0x02, ...limits]];
  const exports = funcs.flatMap((f, i) => (f.name ? [[...str(f.name), 0x00, ...uleb(i)]] : []));
  const bodies = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}
