// 2-d pooling over planes: x is (P, H, W) with P = N C independent planes,
// the output (P, OH, OW). Windows start at o s - pad and span k taps d apart
// (d = dilation, 1 for averages); taps outside the input never contribute a
// value (max: -inf, average: see the divisor rules). Windows may run past the
// padded edge (ceilMode): they are clipped to the input like any other.

/**
 * out[p, oy, ox] = max over the window's taps, idx = h W + w of its first
 * maximum (as a float); NaN wins, like PyTorch. A window with no tap inside
 * the input (possible only with dilation) gives -inf and idx -1 (no gradient).
 * The common 2x2, stride 2, undilated, unpadded case runs 4 outputs per vector
 * step wherever those 4 windows lie inside the plane, a row's last step
 * overlapping the one before (same results: max and the first-maximum rule
 * are exact); clipped windows and rows narrower than 4 windows take the scalar rule.
 */
export function max_pool2d_f32(
  P: usize, H: usize, W: usize, kh: usize, kw: usize, sh: usize, sw: usize, ph: usize, pw: usize, dh: usize, dw: usize,
  OH: usize, OW: usize, xp: usize, outp: usize, idxp: usize,
): void {
  const pairs = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1;
  const fullCols = min<usize>(OW, W >> 1); // 2x2 windows ending inside the row
  for (let p: usize = 0; p < P; p++) {
    const plane = xp + ((p * H * W) << 2);
    for (let oy: usize = 0; oy < OH; oy++) {
      const q = ((p * OH + oy) * OW) << 2;
      let ox: usize = 0;
      if (pairs && (oy << 1) + 2 <= H && fullCols >= 4) {
        for (; ox + 4 <= fullCols; ox += 4) maxPool2x2Step(plane, W, oy, ox, outp + q + (ox << 2), idxp + q + (ox << 2));
        // the last whole windows as one more step ending at fullCols (it redoes
        // a few outputs with the same result)
        if (ox < fullCols) {
          ox = fullCols;
          maxPool2x2Step(plane, W, oy, ox - 4, outp + q + ((ox - 4) << 2), idxp + q + ((ox - 4) << 2));
        }
      }
      for (; ox < OW; ox++) maxWindow(plane, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oy, ox, outp + q + (ox << 2), idxp + q + (ox << 2));
    }
  }
}

/** The first tap start + i d (i >= 0) at or past 0. */
// @ts-ignore: decorator
@inline function firstTap(start: isize, d: usize): isize {
  return start >= 0 ? start : start + <isize>(((<usize>(-start) + d - 1) / d) * d);
}

/** One output of max_pool2d_f32 by the scalar rule: taps [a, b) step d per dim, clipped to the input. */
// @ts-ignore: decorator
@inline function maxWindow(
  plane: usize, H: usize, W: usize, kh: usize, kw: usize, sh: usize, sw: usize, ph: usize, pw: usize, dh: usize, dw: usize,
  oy: usize, ox: usize, outp: usize, idxp: usize,
): void {
  const y0 = <isize>(oy * sh) - <isize>ph, x0 = <isize>(ox * sw) - <isize>pw;
  const ya = firstTap(y0, dh), yb = min<isize>(y0 + <isize>((kh - 1) * dh + 1), <isize>H);
  const xa = firstTap(x0, dw), xb = min<isize>(x0 + <isize>((kw - 1) * dw + 1), <isize>W);
  if (ya >= yb || xa >= xb) {
    store<f32>(outp, -Infinity);
    store<f32>(idxp, -1);
    return;
  }
  let best: f32 = -Infinity;
  let at: usize = <usize>ya * W + <usize>xa;
  for (let y = <usize>ya; y < <usize>yb; y += dh) {
    for (let x = <usize>xa; x < <usize>xb; x += dw) {
      const v = load<f32>(plane + ((y * W + x) << 2));
      if (v > best || (v != v && best == best)) {
        best = v;
        at = y * W + x;
      }
    }
  }
  store<f32>(outp, best);
  store<f32>(idxp, <f32>at);
}

/**
 * Outputs (oy, ox..ox+3) of a 2x2 stride-2 pool: the window elements in scan
 * order (row 2oy: even, odd columns; row 2oy+1: even, odd), each replacing the
 * running maximum when greater, or NaN over a number.
 */
// @ts-ignore: decorator
@inline function maxPool2x2Step(plane: usize, W: usize, oy: usize, ox: usize, outp: usize, idxp: usize): void {
  const r0 = plane + ((2 * oy * W + 2 * ox) << 2), r1 = r0 + (W << 2);
  const a0 = v128.load(r0), a1 = v128.load(r0, 16), b0 = v128.load(r1), b1 = v128.load(r1, 16);
  const base = i32x4.add(i32x4.splat(<i32>(2 * oy * W + 2 * ox)), i32x4(0, 2, 4, 6));
  let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
  let at = base;
  let c = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
  let take = replaces(c, best);
  best = v128.bitselect(c, best, take);
  at = v128.bitselect(i32x4.add(base, i32x4.splat(1)), at, take);
  c = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
  take = replaces(c, best);
  best = v128.bitselect(c, best, take);
  at = v128.bitselect(i32x4.add(base, i32x4.splat(<i32>W)), at, take);
  c = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
  take = replaces(c, best);
  best = v128.bitselect(c, best, take);
  at = v128.bitselect(i32x4.add(base, i32x4.splat(<i32>W + 1)), at, take);
  v128.store(outp, best);
  v128.store(idxp, f32x4.convert_i32x4_s(at));
}

/** Lanes where candidate c replaces the running maximum: c > best, or c is NaN and best is not. */
// @ts-ignore: decorator
@inline function replaces(c: v128, best: v128): v128 {
  return v128.or(f32x4.gt(c, best), v128.and(f32x4.ne(c, c), f32x4.eq(best, best)));
}
/**
 * dx[p, idx[p, q]] += g[p, q] over the Q = OH OW outputs of each (H, W)
 * plane, in order, from dx = 0; idx -1 passes nothing. `pairs`: the windows
 * are the 2x2 stride-2 tiling of the plane (OH = H / 2, OW = W / 2, rounded
 * down), so each input takes at most one gradient: dx is written directly,
 * 4 windows per vector step (a row's last step overlapping the one before),
 * 0 + g where the index points, 0 elsewhere, the same values as the scatter.
 */
export function max_pool2d_bwd_f32(P: usize, H: usize, W: usize, OH: usize, OW: usize, gp: usize, idxp: usize, dxp: usize, pairs: bool): void {
  const HW = H * W, Q = OH * OW;
  if (!pairs) {
    memory.fill(dxp, 0, (P * HW) << 2);
    for (let p: usize = 0; p < P; p++) {
      const d = dxp + ((p * HW) << 2);
      for (let q: usize = 0; q < Q; q++) {
        const i = (p * Q + q) << 2;
        const k = load<f32>(idxp + i);
        if (k < 0) continue;
        const at = d + (<usize>k << 2);
        store<f32>(at, load<f32>(at) + load<f32>(gp + i));
      }
    }
    return;
  }
  for (let p: usize = 0; p < P; p++) {
    const d = dxp + ((p * HW) << 2);
    for (let oy: usize = 0; oy < OH; oy++) {
      const q = ((p * OH + oy) * OW) << 2;
      let ox: usize = 0;
      if (OW >= 4) {
        for (; ox + 4 <= OW; ox += 4) maxPool2x2BwdStep(d, W, oy, ox, gp + q + (ox << 2), idxp + q + (ox << 2));
        if (ox < OW) maxPool2x2BwdStep(d, W, oy, OW - 4, gp + q + ((OW - 4) << 2), idxp + q + ((OW - 4) << 2));
      } else {
        for (; ox < OW; ox++) {
          const g = load<f32>(gp + q + (ox << 2)), k = <isize>load<f32>(idxp + q + (ox << 2));
          const at = <isize>(2 * oy * W + 2 * ox);
          store<f32>(d + (<usize>at << 2), k == at ? 0 + g : 0);
          store<f32>(d + (<usize>at << 2), k == at + 1 ? 0 + g : 0, 4);
          store<f32>(d + (<usize>(at + <isize>W) << 2), k == at + <isize>W ? 0 + g : 0);
          store<f32>(d + (<usize>(at + <isize>W) << 2), k == at + <isize>W + 1 ? 0 + g : 0, 4);
        }
      }
      // an odd width leaves the last column out of every window
      if (W & 1) {
        store<f32>(d + ((2 * oy * W + W - 1) << 2), 0);
        store<f32>(d + (((2 * oy + 1) * W + W - 1) << 2), 0);
      }
    }
    // rows past the windows (an odd height)
    if ((OH << 1) < H) memory.fill(d + (((OH << 1) * W) << 2), 0, ((H - (OH << 1)) * W) << 2);
  }
}

/** Gradients of windows (oy, ox..ox+3) of the 2x2 stride-2 tiling: each window's 4 inputs get 0 + g at its index, 0 elsewhere. */
// @ts-ignore: decorator
@inline function maxPool2x2BwdStep(d: usize, W: usize, oy: usize, ox: usize, gq: usize, iq: usize): void {
  const g = v128.load(gq), at = i32x4.trunc_sat_f32x4_s(v128.load(iq));
  const base = i32x4.add(i32x4.splat(<i32>(2 * oy * W + 2 * ox)), i32x4(0, 2, 4, 6));
  const zero = f32x4.splat(0);
  const t0 = f32x4.add(zero, v128.and(g, i32x4.eq(at, base)));
  const t1 = f32x4.add(zero, v128.and(g, i32x4.eq(at, i32x4.add(base, i32x4.splat(1)))));
  const b0 = f32x4.add(zero, v128.and(g, i32x4.eq(at, i32x4.add(base, i32x4.splat(<i32>W)))));
  const b1 = f32x4.add(zero, v128.and(g, i32x4.eq(at, i32x4.add(base, i32x4.splat(<i32>W + 1)))));
  const r0 = d + ((2 * oy * W + 2 * ox) << 2), r1 = r0 + (W << 2);
  v128.store(r0, v128.shuffle<f32>(t0, t1, 0, 4, 1, 5));
  v128.store(r0, v128.shuffle<f32>(t0, t1, 2, 6, 3, 7), 16);
  v128.store(r1, v128.shuffle<f32>(b0, b1, 0, 4, 1, 5));
  v128.store(r1, v128.shuffle<f32>(b0, b1, 2, 6, 3, 7), 16);
}

/**
 * PyTorch's divisor for the average window starting at (y0, x0): with
 * countIncludePad the window clipped to the padded input [-pad, size + pad)
 * (padding counts, the ceilMode overhang past size + pad does not), else the
 * number of input elements in it.
 */
// @ts-ignore: decorator
@inline function avgDivisor(y0: isize, kh: usize, H: usize, ph: usize, x0: isize, kw: usize, W: usize, pw: usize, includePad: bool): f32 {
  if (includePad) {
    const ye = min<isize>(y0 + <isize>kh, <isize>(H + ph)), xe = min<isize>(x0 + <isize>kw, <isize>(W + pw));
    return <f32>((ye - y0) * (xe - x0));
  }
  const ya = max<isize>(y0, 0), yb = min<isize>(y0 + <isize>kh, <isize>H);
  const xa = max<isize>(x0, 0), xb = min<isize>(x0 + <isize>kw, <isize>W);
  return <f32>((yb - ya) * (xb - xa));
}

/**
 * Average pooling, forward (backward false: out = window sum / divisor) or
 * backward (backward true: dx[window] += g / divisor, dx zeroed here; xp is g,
 * outp is dx). Windows of PyTorch's avg_pool2d; divisorOverride > 0 replaces
 * every window's divisor.
 */
export function avg_pool2d_f32(
  P: usize, H: usize, W: usize, kh: usize, kw: usize, sh: usize, sw: usize, ph: usize, pw: usize,
  OH: usize, OW: usize, xp: usize, outp: usize, includePad: bool, backward: bool, divisorOverride: usize,
): void {
  if (backward) memory.fill(outp, 0, (P * H * W) << 2);
  for (let p: usize = 0; p < P; p++) {
    const plane = (backward ? outp : xp) + ((p * H * W) << 2);
    for (let oy: usize = 0; oy < OH; oy++) {
      const y0 = <isize>(oy * sh) - <isize>ph;
      const ya = <usize>max<isize>(y0, 0), yb = <usize>min<isize>(y0 + <isize>kh, <isize>H);
      for (let ox: usize = 0; ox < OW; ox++) {
        const x0 = <isize>(ox * sw) - <isize>pw;
        const xa = <usize>max<isize>(x0, 0), xb = <usize>min<isize>(x0 + <isize>kw, <isize>W);
        const div = divisorOverride > 0 ? <f32>divisorOverride : avgDivisor(y0, kh, H, ph, x0, kw, W, pw, includePad);
        windowStep(plane, W, ya, yb, xa, xb, (backward ? xp : outp) + (((p * OH + oy) * OW + ox) << 2), div, backward);
      }
    }
  }
}

/** Forward: *q = sum(window) / div. Backward: window += *q / div. */
// @ts-ignore: decorator
@inline function windowStep(plane: usize, W: usize, ya: usize, yb: usize, xa: usize, xb: usize, q: usize, div: f32, backward: bool): void {
  if (backward) {
    const g = load<f32>(q) / div;
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const at = plane + ((y * W + x) << 2);
        store<f32>(at, load<f32>(at) + g);
      }
    }
    return;
  }
  let s: f32 = 0;
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) s += load<f32>(plane + ((y * W + x) << 2));
  }
  store<f32>(q, s / div);
}

/**
 * Adaptive average pooling (PyTorch's windows: start = floor(o H / OH),
 * end = ceil((o + 1) H / OH)), forward or backward like avg_pool2d_f32.
 */
export function adaptive_avg_pool2d_f32(P: usize, H: usize, W: usize, OH: usize, OW: usize, xp: usize, outp: usize, backward: bool): void {
  if (backward) memory.fill(outp, 0, (P * H * W) << 2);
  for (let p: usize = 0; p < P; p++) {
    const plane = (backward ? outp : xp) + ((p * H * W) << 2);
    for (let oy: usize = 0; oy < OH; oy++) {
      const ya = (oy * H) / OH, yb = ((oy + 1) * H + OH - 1) / OH;
      for (let ox: usize = 0; ox < OW; ox++) {
        const xa = (ox * W) / OW, xb = ((ox + 1) * W + OW - 1) / OW;
        const div = <f32>((yb - ya) * (xb - xa));
        windowStep(plane, W, ya, yb, xa, xb, (backward ? xp : outp) + (((p * OH + oy) * OW + ox) << 2), div, backward);
      }
    }
  }
}

/**
 * Adaptive max pooling (PyTorch's windows, as adaptive_avg_pool2d_f32):
 * out = the window's maximum, idx = h W + w of its first maximum (NaN wins),
 * for max_pool2d_bwd_f32 to route the gradient.
 */
export function adaptive_max_pool2d_f32(P: usize, H: usize, W: usize, OH: usize, OW: usize, xp: usize, outp: usize, idxp: usize): void {
  for (let p: usize = 0; p < P; p++) {
    const plane = xp + ((p * H * W) << 2);
    for (let oy: usize = 0; oy < OH; oy++) {
      const ya = (oy * H) / OH, yb = ((oy + 1) * H + OH - 1) / OH;
      for (let ox: usize = 0; ox < OW; ox++) {
        const xa = (ox * W) / OW, xb = ((ox + 1) * W + OW - 1) / OW;
        let best: f32 = -Infinity;
        let at: usize = ya * W + xa;
        for (let y = ya; y < yb; y++) {
          for (let x = xa; x < xb; x++) {
            const v = load<f32>(plane + ((y * W + x) << 2));
            // a larger value, or the first NaN, takes over
            if (v > best || (v != v && best == best)) {
              best = v;
              at = y * W + x;
            }
          }
        }
        const q = ((p * OH + oy) * OW + ox) << 2;
        store<f32>(outp + q, best);
        store<f32>(idxp + q, <f32>at);
      }
    }
  }
}
