/**
 * WGSL building blocks: storage types per dtype, literals, a library of helper functions with
 * the CPU backend's semantics (NaN-propagating max/min, the stable logistic, erf, integer
 * division and pow, float-to-int conversion like JS ToInt32), and the shader template every
 * kernel is generated from. Helpers are included in a shader only when its body calls them.
 */
import type { DType } from '../../dtype';

/** The element type a dtype is stored as: bool is u32 0/1. */
export type StorageType = 'f32' | 'i32' | 'u32';

export function storageType(dtype: DType): StorageType {
  return dtype === 'int32' ? 'i32' : dtype === 'bool' ? 'u32' : 'f32';
}

/** The WGSL type of a value in expressions: bool values are WGSL bools. */
export function valueType(dtype: DType): string {
  return dtype === 'int32' ? 'i32' : dtype === 'bool' ? 'bool' : 'f32';
}

/** Read element `idx` of buffer `buf` as a value of `dtype`. */
export function load(buf: string, dtype: DType, idx: string): string {
  return dtype === 'bool' ? `(${buf}[${idx}] != 0u)` : `${buf}[${idx}]`;
}

/** Convert a value of `dtype` to its storage representation. */
export function store(dtype: DType, v: string): string {
  return dtype === 'bool' ? `select(0u, 1u, ${v})` : v;
}

/** An exact f32 literal (finite values as bit patterns; inf and NaN through a runtime helper). */
export function f32Lit(v: number): string {
  if (Number.isNaN(v)) return 'wl_nan()';
  if (v === Infinity) return 'wl_inf()';
  if (v === -Infinity) return '(-wl_inf())';
  const f = Math.fround(v);
  if (Number.isInteger(f) && Math.abs(f) < 2 ** 24 && !Object.is(f, -0)) return `${f}.0`;
  const bits = new Uint32Array(new Float32Array([f]).buffer)[0]!;
  return `bitcast<f32>(0x${bits.toString(16)}u)`;
}

export function i32Lit(v: number): string {
  const i = v | 0;
  return i >= 0 ? `${i}i` : `bitcast<i32>(${i >>> 0}u)`;
}

export function u32Lit(v: number): string {
  return `${v >>> 0}u`;
}

/** A literal value of `dtype` (in value representation). */
export function literal(dtype: DType, v: number): string {
  if (dtype === 'bool') return v ? 'true' : 'false';
  return dtype === 'int32' ? i32Lit(v) : f32Lit(v);
}

/** A literal in storage representation. */
export function storageLiteral(dtype: DType, v: number): string {
  return dtype === 'bool' ? (v ? '1u' : '0u') : literal(dtype, v);
}

/**
 * Cody-Waite split of pi/2 into f32 parts: three of 8 significant bits, so q * part is exact for
 * |q| < 2^16 and the leading subtractions cancel exactly, and a full-precision tail. (With a
 * 12-bit second part q * part rounded, which tan near its poles amplified into 2e-5 errors.)
 */
function splitPiOver2(): string[] {
  const parts: number[] = [];
  let rest = Math.PI / 2;
  for (let k = 0; k < 3; k++) {
    const scale = 2 ** (7 - Math.floor(Math.log2(Math.abs(rest))));
    const part = Math.round(rest * scale) / scale;
    parts.push(part);
    rest -= part;
  }
  return [...parts, Math.fround(rest)].map(f32Lit);
}
const PIO2_PARTS = splitPiOver2();
/** log10(2) rounded to 12 significant bits: e * LOG10_2_HI is exact for every exponent e of a float32. */
const LOG10_2_HI = Math.round(Math.log10(2) * 4096) / 4096;

/** Polynomial coefficients fitted (least squares on Chebyshev nodes) against the CPU erf. */
const ERF_SMALL = [1.128379225730896, -0.37612637877464294, 0.11283785104751587, -0.02686556614935398, 0.005221400875598192, -0.0008489294559694827, 0.00011302773054922, -0.00000976972296484746];
const ERF_LARGE = [-1.556815266609192, -0.5290210247039795, 0.12623931467533112, -0.0366474911570549, 0.010961131192743778, -0.0031904771458357573, 0.0008815577602945268, -0.00022740094573237002, 0.000041373539716005325];

function horner(coeffs: readonly number[], u: string): string {
  let r = f32Lit(coeffs[coeffs.length - 1]!);
  for (let i = coeffs.length - 2; i >= 0; i--) r = `fma(${r}, ${u}, ${f32Lit(coeffs[i]!)})`;
  return r;
}

interface Helper {
  readonly deps: readonly string[];
  readonly code: string;
}

const helpers: Record<string, Helper> = {
  wl_inf: { deps: [], code: `var<private> wl_inf_bits: u32 = 0x7f800000u;\nfn wl_inf() -> f32 { return bitcast<f32>(wl_inf_bits); }` },
  wl_nan: { deps: [], code: `var<private> wl_nan_bits: u32 = 0x7fc00000u;\nfn wl_nan() -> f32 { return bitcast<f32>(wl_nan_bits); }` },
  // Bit tests: a compiler may not fold them away the way it may fold x != x.
  wl_isnan: { deps: [], code: `fn wl_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }` },
  wl_finite: { deps: [], code: `fn wl_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }` },
  wl_truthy: { deps: ['wl_isnan'], code: `fn wl_truthy(x: f32) -> bool { return x != 0.0 && !wl_isnan(x); }` },
  wl_max: { deps: ['wl_isnan', 'wl_nan'], code: `fn wl_max(a: f32, b: f32) -> f32 { if (wl_isnan(a) || wl_isnan(b)) { return wl_nan(); } return select(b, a, a > b); }` },
  wl_min: { deps: ['wl_isnan', 'wl_nan'], code: `fn wl_min(a: f32, b: f32) -> f32 { if (wl_isnan(a) || wl_isnan(b)) { return wl_nan(); } return select(b, a, a < b); }` },
  // Builtins get NaN wrong on some drivers (SwiftShader: exp(NaN) = inf), so NaN is checked first.
  wl_exp: { deps: ['wl_isnan'], code: `fn wl_exp(x: f32) -> f32 { if (wl_isnan(x)) { return x; } return exp(x); }` },
  wl_log: { deps: ['wl_nan', 'wl_inf', 'wl_isnan'], code: `fn wl_log(x: f32) -> f32 { if (x < 0.0 || wl_isnan(x)) { return wl_nan(); } if (x == 0.0) { return -wl_inf(); } return log(x); }` },
  // log1p = 2 atanh(x / (2 + x)) near zero, where log(1 + x) would lose the low bits of x.
  wl_log1p: {
    deps: ['wl_log'],
    code: `fn wl_log1p(x: f32) -> f32 {
  if (abs(x) < 0.25) {
    let s = x / (2.0 + x);
    let z = s * s;
    return 2.0 * s * (1.0 + z * (${f32Lit(1 / 3)} + z * (0.2 + z * (${f32Lit(1 / 7)} + z * (${f32Lit(1 / 9)} + z * ${f32Lit(1 / 11)})))));
  }
  return wl_log(1.0 + x);
}`,
  },
  wl_expm1: {
    deps: ['wl_exp'],
    code: `fn wl_expm1(x: f32) -> f32 {
  if (abs(x) < 0.25) {
    return x * (1.0 + x * (0.5 + x * (${f32Lit(1 / 6)} + x * (${f32Lit(1 / 24)} + x * (${f32Lit(1 / 120)} + x * (${f32Lit(1 / 720)} + x * (${f32Lit(1 / 5040)} + x * (${f32Lit(1 / 40320)} + x * ${f32Lit(1 / 362880)}))))))));
  }
  return wl_exp(x) - 1.0;
}`,
  },
  // sin/cos: Cody-Waite reduction to [-pi/4, pi/4] and Cephes' minimax polynomials.
  wl_trig: {
    deps: ['wl_finite', 'wl_nan'],
    code: `fn wl_trig(x: f32, shift: u32) -> f32 {
  if (!wl_finite(x)) { return wl_nan(); }
  let q = round(x * ${f32Lit(2 / Math.PI)});
  let r = ${PIO2_PARTS.reduce((acc, part) => `(${acc} - q * ${part})`, 'x')};
  let z = r * r;
  let s = ((${f32Lit(-1.9515295891e-4)} * z + ${f32Lit(8.3321608736e-3)}) * z - ${f32Lit(1.6666654611e-1)}) * z * r + r;
  let c = ((${f32Lit(2.443315711809948e-5)} * z - ${f32Lit(1.388731625493765e-3)}) * z + ${f32Lit(4.166664568298827e-2)}) * z * z - 0.5 * z + 1.0;
  let k = (bitcast<u32>(i32(q)) + shift) & 3u;
  if (k == 0u) { return s; }
  if (k == 1u) { return c; }
  if (k == 2u) { return -s; }
  return -c;
}`,
  },
  wl_sin: { deps: ['wl_trig'], code: `fn wl_sin(x: f32) -> f32 { return wl_trig(x, 0u); }` },
  wl_cos: { deps: ['wl_trig'], code: `fn wl_cos(x: f32) -> f32 { return wl_trig(x, 1u); }` },
  wl_tanh: {
    deps: [],
    code: `fn wl_tanh(x: f32) -> f32 {
  let z = abs(x);
  if (z > 10.0) { return sign(x); }
  if (z >= 0.625) {
    let r = 1.0 - 2.0 / (exp(2.0 * z) + 1.0);
    return select(r, -r, x < 0.0);
  }
  let w = x * x;
  return ((((${f32Lit(-5.70498872745e-3)} * w + ${f32Lit(2.06390887954e-2)}) * w - ${f32Lit(5.37397155531e-2)}) * w + ${f32Lit(1.33314422036e-1)}) * w - ${f32Lit(3.33332819422e-1)}) * w * x + x;
}`,
  },
  // The stable logistic: never exponentiates a large positive number.
  wl_logistic: { deps: [], code: `fn wl_logistic(x: f32) -> f32 { if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); } let e = exp(x); return e / (1.0 + e); }` },
  wl_erf: {
    deps: ['wl_isnan'],
    code: `fn wl_erf(x: f32) -> f32 {
  if (wl_isnan(x)) { return x; }
  let a = abs(x);
  if (a < 1.0) { return x * ${horner(ERF_SMALL, 'x * x')}; }
  if (a >= 4.0) { return sign(x); }
  let r = 1.0 - exp(${horner(ERF_LARGE, '(a - 2.5) / 1.5')} - a * a);
  return select(r, -r, x < 0.0);
}`,
  },
  wl_sign: { deps: [], code: `fn wl_sign(x: f32) -> f32 { if (x > 0.0) { return 1.0; } if (x < 0.0) { return -1.0; } return x; }` },
  wl_atan: {
    deps: [],
    code: `fn wl_atan(v: f32) -> f32 {
  var x = abs(v);
  var y = 0.0;
  if (x > ${f32Lit(2.414213562373095)}) { y = ${f32Lit(Math.PI / 2)}; x = -1.0 / x; }
  else if (x > ${f32Lit(0.4142135623730950)}) { y = ${f32Lit(Math.PI / 4)}; x = (x - 1.0) / (x + 1.0); }
  let z = x * x;
  y = y + (((${f32Lit(8.05374449538e-2)} * z - ${f32Lit(1.38776856032e-1)}) * z + ${f32Lit(1.99777106478e-1)}) * z - ${f32Lit(3.33329491539e-1)}) * z * x + x;
  return select(y, -y, v < 0.0);
}`,
  },
  wl_atan2: {
    deps: ['wl_atan', 'wl_isnan', 'wl_nan'],
    code: `fn wl_atan2(y: f32, x: f32) -> f32 {
  if (wl_isnan(x) || wl_isnan(y)) { return wl_nan(); }
  let yneg = (bitcast<u32>(y) & 0x80000000u) != 0u;
  if (x == 0.0) {
    if (y == 0.0) {
      let xneg = (bitcast<u32>(x) & 0x80000000u) != 0u;
      let r = select(0.0, ${f32Lit(Math.PI)}, xneg);
      return select(r, -r, yneg);
    }
    return select(${f32Lit(Math.PI / 2)}, ${f32Lit(-Math.PI / 2)}, y < 0.0);
  }
  let a = wl_atan(y / x);
  if (x < 0.0) { return a + select(${f32Lit(Math.PI)}, ${f32Lit(-Math.PI)}, yneg); }
  return a;
}`,
  },
  // Issue 13's math. Builtins are avoided where their accuracy bounds are loose (asin/acos near
  // +-1, sinh near 0, exp2 and log2 away from 0): each helper reduces to an accurate core.
  wl_signbit: { deps: [], code: `fn wl_signbit(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }` },
  wl_tan: { deps: ['wl_trig'], code: `fn wl_tan(x: f32) -> f32 { return wl_trig(x, 0u) / wl_trig(x, 1u); }` },
  // asin x = atan(x / sqrt((1 - x)(1 + x))): 1 - |x| is exact near 1, where 1 - x^2 is not.
  wl_asin: {
    deps: ['wl_atan', 'wl_isnan', 'wl_nan', 'wl_signbit'],
    code: `fn wl_asin(x: f32) -> f32 {
  let a = abs(x);
  if (wl_isnan(x) || a > 1.0) { return wl_nan(); }
  if (a == 1.0) { return select(${f32Lit(Math.PI / 2)}, ${f32Lit(-Math.PI / 2)}, x < 0.0); }
  let r = wl_atan(a / sqrt((1.0 - a) * (1.0 + a)));
  return select(r, -r, wl_signbit(x));
}`,
  },
  // acos x = 2 atan(sqrt((1 - x) / (1 + x))): accurate at both ends.
  wl_acos: {
    deps: ['wl_atan', 'wl_isnan', 'wl_nan'],
    code: `fn wl_acos(x: f32) -> f32 {
  if (wl_isnan(x) || abs(x) > 1.0) { return wl_nan(); }
  return 2.0 * wl_atan(sqrt((1.0 - x) / (1.0 + x)));
}`,
  },
  // sinh = (E + E / (E + 1)) / 2 with E = expm1(|x|): no cancellation near 0; exp(|x| / 2)^2 / 2
  // in the tail, where exp(|x|) alone would overflow before sinh does.
  wl_sinh: {
    deps: ['wl_expm1', 'wl_exp', 'wl_signbit'],
    code: `fn wl_sinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 20.0) { let h = wl_exp(0.5 * a); r = (0.5 * h) * h; }
  else { let e = wl_expm1(a); r = 0.5 * (e + e / (e + 1.0)); }
  return select(r, -r, wl_signbit(x));
}`,
  },
  wl_cosh: {
    deps: ['wl_exp'],
    code: `fn wl_cosh(x: f32) -> f32 {
  let a = abs(x);
  if (a > 20.0) { let h = wl_exp(0.5 * a); return (0.5 * h) * h; }
  let e = wl_exp(a);
  return 0.5 * (e + 1.0 / e);
}`,
  },
  wl_asinh: {
    deps: ['wl_log', 'wl_log1p', 'wl_signbit'],
    code: `fn wl_asinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 4096.0) { r = wl_log(a) + ${f32Lit(Math.LN2)}; }
  else { r = wl_log1p(a + a * a / (1.0 + sqrt(1.0 + a * a))); }
  return select(r, -r, wl_signbit(x));
}`,
  },
  wl_acosh: {
    deps: ['wl_log', 'wl_log1p', 'wl_isnan', 'wl_nan'],
    code: `fn wl_acosh(x: f32) -> f32 {
  if (wl_isnan(x) || x < 1.0) { return wl_nan(); }
  if (x > 4096.0) { return wl_log(x) + ${f32Lit(Math.LN2)}; }
  let t = x - 1.0;
  return wl_log1p(t + sqrt(2.0 * t + t * t));
}`,
  },
  wl_atanh: {
    deps: ['wl_log1p', 'wl_isnan', 'wl_nan', 'wl_signbit'],
    code: `fn wl_atanh(x: f32) -> f32 {
  let a = abs(x);
  if (wl_isnan(x) || a > 1.0) { return wl_nan(); }
  let r = 0.5 * wl_log1p(2.0 * a / (1.0 - a));
  return select(r, -r, wl_signbit(x));
}`,
  },
  // x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172.
  // Returns (e, log m): exact at powers of two, a few ulps elsewhere.
  wl_logparts: {
    deps: [],
    code: `fn wl_logparts(x: f32) -> vec2f {
  var m = x;
  var e = 0.0;
  if (m < ${f32Lit(2 ** -126)}) { m = m * 8388608.0; e = -23.0; }
  let bits = bitcast<u32>(m);
  e = e + f32(i32((bits >> 23u) & 0xffu) - 127i);
  m = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (m > ${f32Lit(Math.SQRT2)}) { m = 0.5 * m; e = e + 1.0; }
  let s = (m - 1.0) / (m + 1.0);
  let z = s * s;
  return vec2f(e, 2.0 * s + 2.0 * s * z * (${f32Lit(1 / 3)} + z * (0.2 + z * (${f32Lit(1 / 7)} + z * (${f32Lit(1 / 9)} + z * ${f32Lit(1 / 11)})))));
}`,
  },
  // NaN, negatives, zero and +inf first: the reduction handles positive finite values.
  wl_logspecial: {
    deps: ['wl_isnan', 'wl_nan', 'wl_inf', 'wl_finite'],
    code: `fn wl_logspecial(x: f32) -> f32 { if (wl_isnan(x) || x < 0.0) { return wl_nan(); } if (x == 0.0) { return -wl_inf(); } return x; }`,
  },
  wl_log2: {
    deps: ['wl_logparts', 'wl_logspecial', 'wl_finite'],
    code: `fn wl_log2(x: f32) -> f32 {
  if (!(wl_finite(x) && x > 0.0)) { return wl_logspecial(x); }
  let p = wl_logparts(x);
  return p.x + p.y * ${f32Lit(Math.LOG2E)};
}`,
  },
  // e log10(2) as an exact product with a 12-bit head plus a small tail.
  wl_log10: {
    deps: ['wl_logparts', 'wl_logspecial', 'wl_finite'],
    code: `fn wl_log10(x: f32) -> f32 {
  if (!(wl_finite(x) && x > 0.0)) { return wl_logspecial(x); }
  let p = wl_logparts(x);
  return p.x * ${f32Lit(LOG10_2_HI)} + (p.x * ${f32Lit(Math.log10(2) - LOG10_2_HI)} + p.y * ${f32Lit(Math.LOG10E)});
}`,
  },
  // 2^x = 2^f 2^n, n = round(x), |f| <= 1/2; ldexp in two halves so each exponent stays in range.
  wl_exp2: {
    deps: ['wl_isnan', 'wl_inf'],
    code: `fn wl_exp2(x: f32) -> f32 {
  if (wl_isnan(x)) { return x; }
  if (x >= 128.0) { return wl_inf(); }
  if (x < -150.0) { return 0.0; }
  let n = i32(round(x));
  let r = exp((x - f32(n)) * ${f32Lit(Math.LN2)});
  let h = n / 2i;
  return ldexp(ldexp(r, h), n - h);
}`,
  },
  // C's fmod, exactly: subtract |y| 2^k for the largest fitting k; each subtraction is exact
  // (Sterbenz), and k falls every step, so at most ~280 steps.
  wl_fmod: {
    deps: ['wl_isnan', 'wl_nan', 'wl_finite', 'wl_signbit'],
    code: `fn wl_fmod(x: f32, y: f32) -> f32 {
  if (wl_isnan(x) || wl_isnan(y) || !wl_finite(x) || y == 0.0) { return wl_nan(); }
  let ay = abs(y);
  var r = abs(x);
  if (!wl_finite(y) || r < ay) { return x; }
  let ey = frexp(ay).exp;
  for (var i = 0; i < 300 && r >= ay; i++) {
    let k = frexp(r).exp - ey;
    var d = ldexp(ldexp(ay, k / 2i), k - k / 2i);
    if (d > r) { d = 0.5 * d; }
    r = r - d;
  }
  return select(r, -r, wl_signbit(x));
}`,
  },
  // int32 x % 0 is 0 (JS: ToInt32(NaN)), and x % -1 is 0 (avoiding INT_MIN % -1).
  wl_irem: { deps: [], code: `fn wl_irem(a: i32, b: i32) -> i32 { if (b == 0i || b == -1i) { return 0i; } return a % b; }` },
  // Math.pow semantics, including negative bases with integral exponents.
  wl_pow: {
    deps: ['wl_isnan', 'wl_nan', 'wl_inf'],
    code: `fn wl_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (wl_isnan(a) || wl_isnan(b)) { return wl_nan(); }
  if (a == 1.0) { return 1.0; }
  let oddInt = b == floor(b) && abs(b) < 16777216.0 && 0.5 * b != floor(0.5 * b);
  if (a == 0.0) {
    let r = select(wl_inf(), 0.0, b > 0.0);
    let neg = (bitcast<u32>(a) & 0x80000000u) != 0u;
    return select(r, -r, neg && oddInt);
  }
  let r = exp2(b * log2(abs(a)));
  if (a < 0.0) {
    if (b != floor(b)) { return wl_nan(); }
    if (oddInt) { return -r; }
  }
  return r;
}`,
  },
  // Integer division truncates toward zero and x / 0 = 0 (JS: ToInt32(a / b)).
  wl_idiv: { deps: [], code: `fn wl_idiv(a: i32, b: i32) -> i32 { if (b == 0i) { return 0i; } return a / b; }` },
  wl_ipow: {
    deps: [],
    code: `fn wl_ipow(a: i32, b: i32) -> i32 {
  if (b < 0i) {
    if (a == 1i) { return 1i; }
    if (a == -1i) { return select(1i, -1i, (b & 1i) != 0i); }
    return 0i;
  }
  var r = 1i;
  var base = a;
  var e = u32(b);
  while (e > 0u) {
    if ((e & 1u) != 0u) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}`,
  },
  // float -> int32 like JS (Math.trunc, then ToInt32: NaN and infinities give 0, others wrap).
  wl_f2i: {
    deps: ['wl_finite'],
    code: `fn wl_f2i(x: f32) -> i32 {
  if (!wl_finite(x)) { return 0i; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  let m = t - floor(t / 4294967296.0) * 4294967296.0;
  return bitcast<i32>(u32(m));
}`,
  },
  wl_threefry: {
    deps: [],
    code: `fn wl_rotl(x: u32, r: u32) -> u32 { return (x << r) | (x >> (32u - r)); }
fn wl_threefry(k0: u32, k1: u32, c0: u32, c1: u32) -> vec2u {
  let ks = array<u32, 3>(k0, k1, k0 ^ k1 ^ 0x1bd11bdau);
  let rot = array<u32, 8>(13u, 15u, 26u, 6u, 17u, 29u, 16u, 24u);
  var x0 = c0 + k0;
  var x1 = c1 + k1;
  for (var g = 0u; g < 5u; g++) {
    let base = (g % 2u) * 4u;
    for (var r = 0u; r < 4u; r++) {
      x0 = x0 + x1;
      x1 = wl_rotl(x1, rot[base + r]);
      x1 = x1 ^ x0;
    }
    x0 = x0 + ks[(g + 1u) % 3u];
    x1 = x1 + ks[(g + 2u) % 3u] + g + 1u;
  }
  return vec2u(x0, x1);
}`,
  },
};

/** The helper definitions `code` calls, dependencies first. */
function helpersFor(code: string): string {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const h = helpers[name];
    if (!h) return;
    h.deps.forEach(visit);
    out.push(h.code);
  };
  for (const m of code.matchAll(/\b(wl_[a-z0-9]+)\(/g)) visit(m[1]!);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The shader template

export interface BindingDecl {
  readonly name: string;
  readonly type: StorageType;
  readonly write: boolean;
}

export const MAX_GRID_DIM = 65535;

/** Split a linear workgroup count into an (x, y) grid within the per-dimension limit. */
export function gridFor(workgroups: number): [number, number] {
  if (workgroups <= MAX_GRID_DIM) return [workgroups, 1];
  return [MAX_GRID_DIM, Math.ceil(workgroups / MAX_GRID_DIM)];
}

/**
 * A compute shader over `workgroups` linear workgroups of `wgSize` invocations. The body sees
 * `wid` (linear workgroup id, < workgroups) and `lid` (local index). Bindings the body does not
 * mention are dropped (an 'auto' layout would drop them too); the kept ones are returned.
 */
export function shader(opts: { bindings: readonly BindingDecl[]; workgroups: number; wgSize: number; body: string; decls?: string }): { code: string; used: number[] } {
  const used: number[] = [];
  opts.bindings.forEach((b, i) => {
    if (new RegExp(`\\b${b.name}\\[`).test(opts.body)) used.push(i);
  });
  const decls = used.map((i, slot) => {
    const b = opts.bindings[i]!;
    return `@group(0) @binding(${slot}) var<storage, ${b.write ? 'read_write' : 'read'}> ${b.name}: array<${b.type}>;`;
  });
  const main = `@compute @workgroup_size(${opts.wgSize})
fn main(@builtin(workgroup_id) wg3: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let wid = wg3.x + wg3.y * nwg.x;
  if (wid >= ${opts.workgroups}u) { return; }
${opts.body}
}`;
  const code = [helpersFor(opts.body + (opts.decls ?? '')), ...decls, opts.decls ?? '', main].filter((s) => s).join('\n');
  return { code, used };
}

/** Local names for generated code: `e.let(expr)` binds a fresh name and returns it. */
export class Emit {
  readonly lines: string[] = [];
  private n = 0;
  constructor(private readonly prefix = 'v') {}
  let(expr: string, hint = this.prefix): string {
    const name = `${hint}${this.n++}`;
    this.lines.push(`let ${name} = ${expr};`);
    return name;
  }
  line(s: string): void {
    this.lines.push(s);
  }
  code(indent = '  '): string {
    return this.lines.map((l) => indent + l).join('\n');
  }
}
