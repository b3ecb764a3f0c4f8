// Float64 references for the network ops (conv2d, pooling, batch norm),
// shared by their test suites and the property tests: plain loops, written
// for clarity, over { shape, data } arrays from ref.mjs.
import { nd } from './ref.mjs';

export const pair = (v) => (typeof v === 'number' ? [v, v] : v);

/** Direct float64 convolution: x (N,C,H,W), w (O,C/G,kh,kw), b (O) or null. */
export function refConv(x, w, b, { stride = 1, padding = 0, dilation = 1, groups = 1 } = {}) {
  const [N, C, H, W] = x.shape, [O, Cg, kh, kw] = w.shape;
  const [sh, sw] = pair(stride), [ph, pw] = pair(padding), [dh, dw] = pair(dilation);
  const OH = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, OW = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const Og = O / groups, out = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) {
    const g = Math.floor(o / Og);
    for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
      let s = b ? b.data[o] : 0;
      for (let c = 0; c < Cg; c++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
        const iy = oy * sh - ph + ky * dh, ix = ox * sw - pw + kx * dw;
        if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += x.data[((n * C + g * Cg + c) * H + iy) * W + ix] * w.data[((o * Cg + c) * kh + ky) * kw + kx];
      }
      out[((n * O + o) * OH + oy) * OW + ox] = s;
    }
  }
  return nd([N, O, OH, OW], out);
}

/**
 * Pools every (H, W) plane of x with window(oy, ox) -> [ya, yb, xa, xb, div, dy = 1, dx = 1]
 * (taps ya, ya + dy, ... below yb; taps outside the plane are skipped) and a
 * combiner: max (-Infinity for a window with no tap inside), or the sum over
 * div, div null meaning the number of taps inside the plane.
 */
export function refPool(x, OH, OW, window, kind) {
  const [H, W] = x.shape.slice(-2), P = x.data.length / (H * W);
  const out = new Float64Array(P * OH * OW);
  for (let p = 0; p < P; p++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    const [ya, yb, xa, xb, div, dy = 1, dx = 1] = window(oy, ox, H, W);
    let acc = kind === 'max' ? -Infinity : 0, inside = 0;
    for (let y = ya; y < yb; y += dy) for (let xx = xa; xx < xb; xx += dx) {
      if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
      const v = x.data[(p * H + y) * W + xx];
      acc = kind === 'max' ? Math.max(acc, v) : acc + v;
      inside++;
    }
    out[(p * OH + oy) * OW + ox] = kind === 'max' ? acc : acc / (div ?? inside);
  }
  return nd([...x.shape.slice(0, -2), OH, OW], out);
}

/**
 * PyTorch's pooled size of one dim: floor or (ceilMode) ceil of
 * (n + 2p - d (k - 1) - 1) / s, plus 1, minus 1 again in ceilMode when the
 * last window would start at or past n + p.
 */
export function poolOutSize(n, k, s, p, d, ceilMode) {
  const span = (n + 2 * p - d * (k - 1) - 1) / s;
  const o = (ceilMode ? Math.ceil(span) : Math.floor(span)) + 1;
  return ceilMode && (o - 1) * s >= n + p ? o - 1 : o;
}

/**
 * max/avg pooling with PyTorch's options. Average divisor: divisorOverride,
 * else with countIncludePad the window clipped to [-p, n + p) per dim, else
 * the number of input elements in the window.
 */
export function refWindowed(x, { kernelSize, stride, padding = 0, dilation = 1, ceilMode = false, countIncludePad = true, divisorOverride = null }, kind) {
  const [kh, kw] = pair(kernelSize), [sh, sw] = pair(stride ?? kernelSize), [ph, pw] = pair(padding), [dh, dw] = pair(dilation);
  const [H, W] = x.shape.slice(-2);
  const OH = poolOutSize(H, kh, sh, ph, dh, ceilMode), OW = poolOutSize(W, kw, sw, pw, dw, ceilMode);
  return refPool(x, OH, OW, (oy, ox) => {
    const ya = oy * sh - ph, xa = ox * sw - pw, yb = ya + dh * (kh - 1) + 1, xb = xa + dw * (kw - 1) + 1;
    const div = divisorOverride ?? (countIncludePad ? (Math.min(yb, H + ph) - ya) * (Math.min(xb, W + pw) - xa) : null);
    return [ya, yb, xa, xb, div, dh, dw];
  }, kind);
}

export function refAdaptive(x, size) {
  const [OH, OW] = pair(size);
  const [H, W] = x.shape.slice(-2);
  return refPool(x, OH, OW, (oy, ox) => {
    const ya = Math.floor((oy * H) / OH), yb = Math.ceil(((oy + 1) * H) / OH);
    const xa = Math.floor((ox * W) / OW), xb = Math.ceil(((ox + 1) * W) / OW);
    return [ya, yb, xa, xb, (yb - ya) * (xb - xa)];
  }, 'avg');
}

/** Per-channel (mean, biased var) of x laid out (N, C, L...). */
export function refStats(x) {
  const [N, C] = x.shape, L = x.data.length / (N * C);
  const mean = new Float64Array(C), v = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) s += x.data[(n * C + c) * L + l];
    mean[c] = s / (N * L);
    let q = 0;
    for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) q += (x.data[(n * C + c) * L + l] - mean[c]) ** 2;
    v[c] = q / (N * L);
  }
  return { mean, v, M: N * L };
}

/** y = (x - mean) / sqrt(var + eps) w + b, with the given per-channel statistics. */
export function refNorm(x, mean, v, w, b, eps = 1e-5) {
  const [N, C] = x.shape, L = x.data.length / (N * C);
  const out = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let l = 0; l < L; l++) {
    const i = (n * C + c) * L + l;
    out[i] = ((x.data[i] - mean[c]) / Math.sqrt(v[c] + eps)) * (w ? w.data[c] : 1) + (b ? b.data[c] : 0);
  }
  return nd(x.shape, out);
}

/**
 * Float64 transposed convolution in scatter form: x (N,C,H,W), w (C,O/G,kh,kw), b (O) or null;
 * out[n, o, i s - p + ky d, j s - p + kx d] += x[n, c, i, j] w[c, o, ky, kx] within groups.
 */
export function refConvTranspose(x, w, b, { stride = 1, padding = 0, outputPadding = 0, dilation = 1, groups = 1 } = {}) {
  const [N, C, H, W] = x.shape, [, Og, kh, kw] = w.shape;
  const [sh, sw] = pair(stride), [ph, pw] = pair(padding), [oph, opw] = pair(outputPadding), [dh, dw] = pair(dilation);
  const O = Og * groups, Cg = C / groups;
  const OH = (H - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1, OW = (W - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1;
  const out = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let q = 0; q < OH * OW; q++) out[(n * O + o) * OH * OW + q] = b ? b.data[o] : 0;
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const g = Math.floor(c / Cg);
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      const v = x.data[((n * C + c) * H + i) * W + j];
      for (let og = 0; og < Og; og++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
        const y = i * sh - ph + ky * dh, xx = j * sw - pw + kx * dw;
        if (y < 0 || y >= OH || xx < 0 || xx >= OW) continue;
        out[((n * O + g * Og + og) * OH + y) * OW + xx] += v * w.data[((c * Og + og) * kh + ky) * kw + kx];
      }
    }
  }
  return nd([N, O, OH, OW], out);
}

/** Float64 gradients of refConv for an output gradient g: { dx, dw } (sums over every output that reads each input / weight). */
export function refConvGrads(x, w, g, { stride = 1, padding = 0, dilation = 1, groups = 1 } = {}) {
  const [N, C, H, W] = x.shape, [O, Cg, kh, kw] = w.shape, [, , OH, OW] = g.shape;
  const [sh, sw] = pair(stride), [ph, pw] = pair(padding), [dh, dw] = pair(dilation);
  const Og = O / groups, dx = new Float64Array(x.data.length), dwt = new Float64Array(w.data.length);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) {
    const grp = Math.floor(o / Og);
    for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
      const gv = g.data[((n * O + o) * OH + oy) * OW + ox];
      for (let c = 0; c < Cg; c++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
        const iy = oy * sh - ph + ky * dh, ix = ox * sw - pw + kx * dw;
        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
        const xi = ((n * C + grp * Cg + c) * H + iy) * W + ix, wi = ((o * Cg + c) * kh + ky) * kw + kx;
        dx[xi] += gv * w.data[wi];
        dwt[wi] += gv * x.data[xi];
      }
    }
  }
  return { dx: nd(x.shape, dx), dw: nd(w.shape, dwt) };
}
