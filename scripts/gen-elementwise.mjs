// Generates assembly/elementwise.generated.ts: one SIMD kernel per elementwise
// op from the tables below, so each op's loop is specialised without
// hand-copied variants; and src/runtime/elementwise-kernels.generated.ts, the
// kernel names of each table as TypeScript types, so the host's tables can
// never drift from the generated kernels. Run by `npm run build:wasm`.
import { writeFileSync } from 'node:fs';

// Expression builders for the activation entries: each returns the f32x4
// source text, so a formula reads like the math it implements.
const k = (c) => `f32x4.splat(${c})`;
const add = (a, b) => `f32x4.add(${a}, ${b})`;
const sub = (a, b) => `f32x4.sub(${a}, ${b})`;
const mul = (...xs) => xs.reduce((a, b) => `f32x4.mul(${a}, ${b})`);
const div = (a, b) => `f32x4.div(${a}, ${b})`;
const min = (a, b) => `f32x4.min(${a}, ${b})`;
const max = (a, b) => `f32x4.max(${a}, ${b})`;
const abs = (a) => `f32x4.abs(${a})`;
const neg = (a) => `f32x4.neg(${a})`;
const gt = (a, b) => `f32x4.gt(${a}, ${b})`;
const ge = (a, b) => `f32x4.ge(${a}, ${b})`;
const lt = (a, b) => `f32x4.lt(${a}, ${b})`;
const le = (a, b) => `f32x4.le(${a}, ${b})`;
const and = (a, b) => `v128.and(${a}, ${b})`;
const or = (a, b) => `v128.or(${a}, ${b})`;
/** a with the lanes of mask cleared. */
const andnot = (a, mask) => `v128.andnot(${a}, ${mask})`;
/** mask ? a : b per lane (masks are all-ones or all-zeros lanes from a comparison). */
const select = (mask, a, b) => `v128.bitselect(${a}, ${b}, ${mask})`;
const call = (f) => (a) => `${f}(${a})`;
const [vexp, verf, vexpm1, vtanh, vsigmoid, vsoftplus, vlog1p] = ['vexp', 'verf', 'vexpm1', 'vtanh', 'vsigmoid', 'vsoftplus', 'vlog1p'].map(call);

// PyTorch's constants (aten/src/ATen/native/cpu/Activation.cpp), as float64 literals rounded once to f32
const SQRT1_2 = Math.SQRT1_2;
const GELU_TANH_BETA = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5; // sqrt(2/pi)
const GELU_TANH_KAPPA = 0.044715;
const INV_SQRT_2PI = (2 / Math.sqrt(Math.PI)) * Math.SQRT1_2 * 0.5; // 1/sqrt(2 pi)
const ONE_SIXTH = Math.fround(1 / 6);

const hardSigmoidOf = (x) => div(min(max(add(x, k(3)), k(0)), k(6)), k(6));
const geluTanhInner = (x) => mul(k(GELU_TANH_BETA), add(x, mul(k(GELU_TANH_KAPPA), mul(x, x, x))));

/**
 * Unary ops over a contiguous range: out[i] = f(x[i], params...). `v` is the
 * f32x4 expression of `x`; `let` names intermediate values it uses.
 */
const unary = {
  neg: { v: 'f32x4.neg(x)' },
  abs: { v: 'f32x4.abs(x)' },
  sqrt: { v: 'f32x4.sqrt(x)' },
  exp: { v: 'vexp(x)' },
  log: { v: 'vlog(x)' },
  tanh: { v: 'vtanh(x)' },
  sigmoid: { v: 'vsigmoid(x)' },
  relu: { v: 'f32x4.max(x, f32x4.splat(0))' },
  sign: { v: 'v128.or(v128.and(f32x4.gt(x, f32x4.splat(0)), f32x4.splat(1)), v128.and(f32x4.lt(x, f32x4.splat(0)), f32x4.splat(-1)))' },
  affine: { params: ['scale', 'shift'], v: 'f32x4.add(f32x4.mul(x, scale), shift)' },
  clamp: { params: ['lo', 'hi'], v: 'f32x4.min(f32x4.max(x, lo), hi)' },
  leaky_relu: { params: ['slope'], v: 'v128.bitselect(x, f32x4.mul(x, slope), f32x4.gt(x, f32x4.splat(0)))' },
  pow: { params: ['p'], v: 'powv(x, p, p_)' },
  reciprocal: { v: 'f32x4.div(f32x4.splat(1), x)' },
  erf: { v: verf('x') },
  // Activations, with PyTorch's forward formulas (src/ops/unary.ts documents each).
  // elu/selu/celu: x > 0 ? poscoef x : negcoef (e^(negiptcoef x) - 1), with expm1 for accuracy near 0
  elu: { params: ['negcoef', 'poscoef', 'negiptcoef'], v: select(gt('x', k(0)), mul('x', 'poscoef'), mul(vexpm1(mul('x', 'negiptcoef')), 'negcoef')) },
  gelu: { v: mul('x', k(0.5), add(k(1), verf(mul('x', k(SQRT1_2))))) },
  // x (1 + tanh u) / 2 computed as x sigmoid(2u), equal in exact arithmetic, without 1 + tanh u cancelling for x << 0
  gelu_tanh: { v: mul('x', vsigmoid(mul(k(2), geluTanhInner('x')))) },
  silu: { v: div('x', add(k(1), vexp(neg('x')))) },
  mish: { v: mul('x', vtanh(vsoftplus('x'))) },
  // x beta > threshold ? x : log(1 + e^(beta x)) / beta
  softplus: { params: ['beta', 'threshold'], let: { bx: mul('x', 'beta') }, v: select(gt('bx', 'threshold'), 'x', div(vsoftplus('bx'), 'beta')) },
  hardsigmoid: { v: hardSigmoidOf('x') },
  hardswish: { v: div(mul('x', min(max(add('x', k(3)), k(0)), k(6))), k(6)) },
  // min(x, 0) - log1p(e^-|x|)
  log_sigmoid: { v: sub(min('x', k(0)), vlog1p(vexp(neg(abs('x'))))) },
  softsign: { v: div('x', add(k(1), abs('x'))) },
  // Math (src/ops/math.ts documents each).
  sin: { v: 'vsincos(x, false)' },
  cos: { v: 'vsincos(x, true)' },
  square: { v: mul('x', 'x') },
  rsqrt: { v: div(k(1), 'f32x4.sqrt(x)') },
  floor: { v: 'f32x4.floor(x)' },
  ceil: { v: 'f32x4.ceil(x)' },
  trunc: { v: 'f32x4.trunc(x)' },
  // round half to even (nearbyint)
  round: { v: 'f32x4.nearest(x)' },
  // PyTorch's round(x, decimals): t = 10^|decimals|; nearest(x t) / t for decimals > 0, nearest(x / t) t for decimals < 0
  round_decimals: { params: ['t', 'negative'], v: select(gt('negative', k(0)), mul('f32x4.nearest(' + div('x', 't') + ')', 't'), div('f32x4.nearest(' + mul('x', 't') + ')', 't')) },
};

/**
 * Fused backward kernels over same-shaped contiguous operands:
 * out[i] = f(a[i], b[i], params...) with a the saved forward input (or
 * output) and b the incoming gradient. Their own calling convention
 * (n, ap, bp, outp, params...) because several take scalars, which the 4-d
 * broadcasting binary kernels below have no place for; a backward's saved
 * tensor and gradient always have the output's shape.
 */
const grad = {
  // the rectifier and squashing functions (a = y, the saved output; abs: a = x)
  relu_bwd: { v: and('b', gt('a', k(0))) },
  tanh_bwd: { v: mul('b', sub(k(1), mul('a', 'a'))) },
  sigmoid_bwd: { v: mul('b', mul('a', sub(k(1), 'a'))) },
  // d|x| = sign(x) g, zero at x = 0 like PyTorch
  abs_bwd: { v: mul('b', or(and(gt('a', k(0)), k(1)), and(lt('a', k(0)), k(-1)))) },
  // g 2/sqrt(pi) e^(-x^2)
  erf_bwd: { v: mul('b', k(2 / Math.sqrt(Math.PI)), vexp(neg(mul('a', 'a')))) },
  // elu_backward with is_result = false (what PyTorch's out-of-place elu/selu/celu record): a = x
  elu_bwd: {
    params: ['negcoef', 'poscoef', 'negiptcoef'],
    v: select(gt('a', k(0)), mul('b', 'poscoef'), mul('b', 'negiptcoef', 'negcoef', vexp(mul('a', 'negiptcoef')))),
  },
  // g (cdf + x pdf): cdf = (1 + erf(x / sqrt2)) / 2, pdf = e^(-x^2/2) / sqrt(2 pi)
  gelu_bwd: {
    let: { cdf: mul(k(0.5), add(k(1), verf(mul('a', k(SQRT1_2))))), pdf: mul(k(INV_SQRT_2PI), vexp(mul('a', 'a', k(-0.5)))) },
    v: mul('b', add('cdf', mul('a', 'pdf'))),
  },
  // g ((1 + t) / 2 + (x / 2) (1 - t^2) beta (1 + 3 kappa x^2)), t = tanh(u), u = beta (x + kappa x^3),
  // with (1 + t) / 2 = s = sigmoid(2u) and 1 - t^2 = 4 s sigmoid(-2u) (no cancellation near t = +-1)
  gelu_tanh_bwd: {
    let: { u2: mul(k(2), geluTanhInner('a')) },
    v: mul('b', add(vsigmoid('u2'), mul(k(2), 'a', vsigmoid('u2'), vsigmoid(neg('u2')), k(GELU_TANH_BETA), add(k(1), mul(k(3 * GELU_TANH_KAPPA), 'a', 'a'))))),
  },
  // g s (1 + x (1 - s)), s = sigmoid(x)
  silu_bwd: { let: { s: div(k(1), add(k(1), vexp(neg('a')))) }, v: mul('b', 's', add(k(1), mul('a', sub(k(1), 's')))) },
  // g (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x))
  mish_bwd: { let: { t: vtanh(vsoftplus('a')) }, v: mul('b', add('t', mul('a', vsigmoid('a'), sub(k(1), mul('t', 't'))))) },
  // x beta > threshold ? g : g sigmoid(beta x) (PyTorch writes g z / (z + 1), z = e^(beta x))
  softplus_bwd: { params: ['beta', 'threshold'], let: { bx: mul('a', 'beta') }, v: select(gt('bx', 'threshold'), 'b', mul('b', vsigmoid('bx'))) },
  // x <= lo || x >= hi ? 0 : g (0 at both bounds; NaN x passes g)
  hardtanh_bwd: { params: ['lo', 'hi'], v: andnot('b', or(le('a', 'lo'), ge('a', 'hi'))) },
  // g / 6 where -3 < x < 3, else 0
  hardsigmoid_bwd: { v: and(mul('b', k(ONE_SIXTH)), and(gt('a', k(-3)), lt('a', k(3)))) },
  // x < -3: 0; x <= 3: g (x / 3 + 1/2); x > 3: g
  hardswish_bwd: { v: select(lt('a', k(-3)), k(0), select(le('a', k(3)), mul('b', add(div('a', k(3)), k(0.5))), 'b')) },
  // g (m - s z / (1 + z)), z = e^-|x|, m = [x < 0], s = x < 0 ? 1 : -1
  log_sigmoid_bwd: {
    let: { z: vexp(neg(abs('a'))), negative: lt('a', k(0)) },
    v: mul(sub(and('negative', k(1)), mul(select('negative', k(1), k(-1)), div('z', add(k(1), 'z')))), 'b'),
  },
  // g / (1 + |x|)^2
  softsign_bwd: { let: { d: add(k(1), abs('a')) }, v: div('b', mul('d', 'd')) },
  // math (a = x): g cos x, -g sin x, g 2x
  sin_bwd: { v: mul('b', 'vsincos(a, true)') },
  cos_bwd: { v: neg(mul('b', 'vsincos(a, false)')) },
  square_bwd: { v: mul('b', mul(k(2), 'a')) },
  // math (a = y, the saved output): rsqrt -g y^3 / 2, reciprocal -g y^2
  rsqrt_bwd: { v: mul(mul(k(-0.5), 'b'), mul('a', 'a', 'a')) },
  reciprocal_bwd: { v: mul(neg('b'), mul('a', 'a')) },
};

/** Binary ops with 4-d broadcasting: out[i] = f(a[...], b[...]). */
const binary = {
  add: 'f32x4.add(a, b)',
  // max(0, a + b): an addition and the ReLU after it in one pass (a residual block's output)
  add_relu: 'f32x4.max(f32x4.add(a, b), f32x4.splat(0))',
  sub: 'f32x4.sub(a, b)',
  mul: 'f32x4.mul(a, b)',
  div: 'f32x4.div(a, b)',
  maximum: 'f32x4.max(a, b)',
  minimum: 'f32x4.min(a, b)',
  gt: 'v128.and(f32x4.gt(a, b), f32x4.splat(1))',
  lt: 'v128.and(f32x4.lt(a, b), f32x4.splat(1))',
  ge: 'v128.and(f32x4.ge(a, b), f32x4.splat(1))',
  le: 'v128.and(f32x4.le(a, b), f32x4.splat(1))',
  eq: 'v128.and(f32x4.eq(a, b), f32x4.splat(1))',
  ne: 'v128.and(f32x4.ne(a, b), f32x4.splat(1))',
};

let out = `// GENERATED by scripts/gen-elementwise.mjs from its op table. Do not edit.
import { vexp, vlog, vtanh, vsigmoid, verf, vexpm1, vlog1p, vsoftplus, vsincos } from './vmath';

/**
 * x^p per lane. Integral |p| <= 64 by repeated squaring (exact signs for
 * negative x, a reciprocal for p < 0); otherwise exp(p log x), NaN for x < 0.
 */
// @ts-ignore: decorator
@inline function powv(x: v128, p: v128, ps: f32): v128 {
  if (ps == Mathf.floor(ps) && Mathf.abs(ps) <= 64) {
    let e = <i32>Mathf.abs(ps);
    let base = x;
    let acc = f32x4.splat(1);
    while (e > 0) {
      if (e & 1) acc = f32x4.mul(acc, base);
      base = f32x4.mul(base, base);
      e >>= 1;
    }
    return ps < 0 ? f32x4.div(f32x4.splat(1), acc) : acc;
  }
  const y = vexp(f32x4.mul(p, vlog(f32x4.abs(x))));
  return v128.bitselect(f32x4.splat(NaN), y, f32x4.lt(x, f32x4.splat(0)));
}
`;

/** `const name = expr;` lines for an entry's intermediate values (its `let`), at the given indent. */
const lets = (entry, indent) => Object.entries(entry.let ?? {}).map(([n, e]) => `${indent}const ${n} = ${e};\n`).join('');

for (const [name, entry] of Object.entries(unary)) {
  const { params = [], v } = entry;
  const sig = params.map((p) => `, ${p}_: f32`).join('');
  const splats = params.map((p) => `  const ${p} = f32x4.splat(${p}_);\n`).join('');
  out += `
/** out[i] = ${name}(x[i]${params.map((p) => ', ' + p).join('')}) for i < n; out may equal x. */
export function ${name}_f32(n: usize, xp: usize, outp: usize${sig}): void {
${splats}  let i: usize = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(xp + (i << 2));
${lets(entry, '    ')}    v128.store(outp + (i << 2), ${v});
  }
  for (; i < n; i++) {
    const x = f32x4.splat(load<f32>(xp + (i << 2)));
${lets(entry, '    ')}    store<f32>(outp + (i << 2), f32x4.extract_lane(${v}, 0));
  }
}
`;
}

for (const [name, entry] of Object.entries(grad)) {
  const { params = [], v } = entry;
  const sig = params.map((p) => `, ${p}_: f32`).join('');
  const splats = params.map((p) => `  const ${p} = f32x4.splat(${p}_);\n`).join('');
  out += `
/** out[i] = ${name}(a[i], b[i]${params.map((p) => ', ' + p).join('')}) for i < n: a the saved tensor, b the gradient; out may equal either. */
export function ${name}_f32(n: usize, ap: usize, bp: usize, outp: usize${sig}): void {
${splats}  let i: usize = 0;
  for (; i + 4 <= n; i += 4) {
    const a = v128.load(ap + (i << 2));
    const b = v128.load(bp + (i << 2));
${lets(entry, '    ')}    v128.store(outp + (i << 2), ${v});
  }
  for (; i < n; i++) {
    const a = f32x4.splat(load<f32>(ap + (i << 2)));
    const b = f32x4.splat(load<f32>(bp + (i << 2)));
${lets(entry, '    ')}    store<f32>(outp + (i << 2), f32x4.extract_lane(${v}, 0));
  }
}
`;
}

for (const [name, v] of Object.entries(binary)) {
  out += `
/**
 * out = ${name}(a, b) over a 4-d index space d0..d3 with element strides
 * (0 where an operand is broadcast); out is contiguous.
 */
export function ${name}_f32(
  d0: usize, d1: usize, d2: usize, d3: usize,
  ap: usize, a0: usize, a1: usize, a2: usize, a3: usize,
  bp: usize, b0: usize, b1: usize, b2: usize, b3: usize,
  outp: usize,
): void {
  let o = outp;
  for (let i0: usize = 0; i0 < d0; i0++) {
    for (let i1: usize = 0; i1 < d1; i1++) {
      for (let i2: usize = 0; i2 < d2; i2++) {
        const ar = ap + ((i0 * a0 + i1 * a1 + i2 * a2) << 2);
        const br = bp + ((i0 * b0 + i1 * b1 + i2 * b2) << 2);
        let j: usize = 0;
        if (a3 == 1 && b3 == 1) {
          // both contiguous
          for (; j + 4 <= d3; j += 4) {
            const a = v128.load(ar + (j << 2));
            const b = v128.load(br + (j << 2));
            v128.store(o + (j << 2), ${v});
          }
        } else if (a3 == 0 && b3 == 1) {
          // a broadcast along the row
          const a = f32x4.splat(load<f32>(ar));
          for (; j + 4 <= d3; j += 4) {
            const b = v128.load(br + (j << 2));
            v128.store(o + (j << 2), ${v});
          }
        } else if (a3 == 1 && b3 == 0) {
          // b broadcast along the row
          const b = f32x4.splat(load<f32>(br));
          for (; j + 4 <= d3; j += 4) {
            const a = v128.load(ar + (j << 2));
            v128.store(o + (j << 2), ${v});
          }
        }
        // general strides and the tail, one lane at a time
        for (; j < d3; j++) {
          const a = f32x4.splat(load<f32>(ar + ((j * a3) << 2)));
          const b = f32x4.splat(load<f32>(br + ((j * b3) << 2)));
          store<f32>(o + (j << 2), f32x4.extract_lane(${v}, 0));
        }
        o += d3 << 2;
      }
    }
  }
}
`;
}

writeFileSync(new URL('../assembly/elementwise.generated.ts', import.meta.url), out);

/** A union type of the kernels `<name>_f32` of a table. */
const kernelUnion = (table) => Object.keys(table).map((name) => `'${name}_f32'`).join(' | ');
writeFileSync(new URL('../src/runtime/elementwise-kernels.generated.ts', import.meta.url), `// GENERATED by scripts/gen-elementwise.mjs from its op tables (with assembly/elementwise.generated.ts). Do not edit.

/** Unary kernels: (n, x, out, params...), out[i] = f(x[i]). */
export type UnaryKernel = ${kernelUnion(unary)};

/** Gradient kernels: (n, saved, grad, out, params...), out[i] = f'(saved[i]) grad[i]. */
export type GradKernel = ${kernelUnion(grad)};

/** Broadcast binary kernels: (d0..d3, a, a's 4 strides, b, b's 4 strides, out). */
export type BinaryKernel = ${kernelUnion(binary)};
`);
