// Fused optimizer steps: one pass over a parameter, its gradient and its
// state, with torch.optim's update rules (see src/optim for the formulas).
// Tails run the same vector code on a splat, so a lane's result never
// depends on its position.

/** Four floats at p, or the one at p splat (a tail element). */
// @ts-ignore: decorator
@inline function lanesAt(full: bool, p: usize): v128 {
  return full ? v128.load(p) : f32x4.splat(load<f32>(p));
}

/** Stores four floats at p, or lane 0 alone (a tail element). */
// @ts-ignore: decorator
@inline function storeLanes(full: bool, p: usize, v: v128): void {
  if (full) v128.store(p, v);
  else store<f32>(p, f32x4.extract_lane(v, 0));
}

/**
 * SGD with momentum, weight decay and Nesterov, in place over n elements:
 *   d = g + wd p
 *   buf = first ? d : momentum buf + (1 - dampening) d      (when momentum != 0)
 *   d = nesterov ? d + momentum buf : buf                    (when momentum != 0)
 *   p -= lr d
 * bufp is ignored when momentum == 0; 1 - dampening comes from the host (double precision).
 */
export function sgd_step_f32(
  n: usize, pp: usize, gp: usize, bufp: usize,
  lr: f32, momentum: f32, oneMinusDampening: f32, wd: f32, nesterov: i32, first: i32,
): void {
  const vlr = f32x4.splat(lr), vmom = f32x4.splat(momentum), vdamp = f32x4.splat(oneMinusDampening), vwd = f32x4.splat(wd);
  const useMomentum = momentum != 0;
  let i: usize = 0;
  while (i < n) {
    const full = i + 4 <= n;
    const o = i << 2;
    const p = lanesAt(full, pp + o);
    const g = lanesAt(full, gp + o);
    let d = wd != 0 ? f32x4.add(g, f32x4.mul(vwd, p)) : g;
    if (useMomentum) {
      let buf: v128;
      if (first) {
        buf = d;
      } else {
        const b = lanesAt(full, bufp + o);
        buf = f32x4.add(f32x4.mul(vmom, b), f32x4.mul(vdamp, d));
      }
      storeLanes(full, bufp + o, buf);
      d = nesterov ? f32x4.add(d, f32x4.mul(vmom, buf)) : buf;
    }
    const np = f32x4.sub(p, f32x4.mul(vlr, d));
    storeLanes(full, pp + o, np);
    i += full ? 4 : 1;
  }
}

/**
 * Adam / AdamW, in place over n elements (stepSize = lr / (1 - beta1^t),
 * bc2sqrt = sqrt(1 - beta2^t), and the complements 1 - beta1, 1 - beta2,
 * 1 - lr wd, all computed by the host in double precision as PyTorch does):
 *   decoupled: p *= decay (= 1 - lr wd)   else: g += wd p
 *   m = m + (1 - beta1) (g - m)
 *   v = beta2 v + (1 - beta2) g^2
 *   amsgrad: vmax = max(vmax, v), use vmax for v below
 *   p -= stepSize m / (sqrt(v) / bc2sqrt + eps)
 * vmaxp is ignored unless amsgrad.
 */
export function adam_step_f32(
  n: usize, pp: usize, gp: usize, mp: usize, vp: usize, vmaxp: usize,
  oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, wd: f32, decay: f32, stepSize: f32, bc2sqrt: f32, amsgrad: i32, decoupled: i32,
): void {
  const vb1 = f32x4.splat(oneMinusBeta1), vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(oneMinusBeta2);
  const veps = f32x4.splat(eps), vwd = f32x4.splat(wd), vstep = f32x4.splat(stepSize), vbc2 = f32x4.splat(bc2sqrt);
  const vdecay = f32x4.splat(decay);
  let i: usize = 0;
  while (i < n) {
    const full = i + 4 <= n;
    const o = i << 2;
    let p = lanesAt(full, pp + o);
    let g = lanesAt(full, gp + o);
    let m = lanesAt(full, mp + o);
    let v = lanesAt(full, vp + o);
    if (wd != 0) {
      if (decoupled) p = f32x4.mul(p, vdecay);
      else g = f32x4.add(g, f32x4.mul(vwd, p));
    }
    m = f32x4.add(m, f32x4.mul(vb1, f32x4.sub(g, m)));
    v = f32x4.add(f32x4.mul(vb2, v), f32x4.mul(vb2c, f32x4.mul(g, g)));
    let vv = v;
    if (amsgrad) {
      const vm = lanesAt(full, vmaxp + o);
      vv = f32x4.max(vm, v);
      storeLanes(full, vmaxp + o, vv);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), vbc2), veps);
    p = f32x4.sub(p, f32x4.mul(vstep, f32x4.div(m, denom)));
    storeLanes(full, pp + o, p);
    storeLanes(full, mp + o, m);
    storeLanes(full, vp + o, v);
    i += full ? 4 : 1;
  }
}

/**
 * RMSprop, in place over n elements, with torch.optim.RMSprop's operation
 * order (the complement 1 - alpha comes from the host in double precision):
 *   g += wd p                                        (when wd != 0)
 *   v = alpha v + ((1 - alpha) g) g
 *   centered: gavg = lerp(gavg, g, 1 - alpha); avg = sqrt(v - gavg gavg) + eps
 *   else:     avg = sqrt(v) + eps
 *   momentum > 0: buf = momentum buf + g / avg;  p -= lr buf
 *   else:         p -= lr (g / avg)
 * lerp(a, b, w) is a + w (b - a) for w < 0.5, else b - (b - a) (1 - w), as
 * PyTorch computes it. bufp is ignored unless momentum > 0, gavgp unless centered.
 */
export function rmsprop_step_f32(
  n: usize, pp: usize, gp: usize, vp: usize, bufp: usize, gavgp: usize,
  lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32, wd: f32, momentum: f32, centered: i32,
): void {
  const vlr = f32x4.splat(lr), valpha = f32x4.splat(alpha), vcomp = f32x4.splat(oneMinusAlpha);
  const veps = f32x4.splat(eps), vwd = f32x4.splat(wd), vmom = f32x4.splat(momentum);
  const lerpLow = oneMinusAlpha < 0.5;
  const vlerpHigh = f32x4.splat(<f32>1 - oneMinusAlpha);
  const useMomentum = momentum > 0;
  let i: usize = 0;
  while (i < n) {
    const full = i + 4 <= n;
    const o = i << 2;
    let p = lanesAt(full, pp + o);
    let g = lanesAt(full, gp + o);
    let v = lanesAt(full, vp + o);
    if (wd != 0) g = f32x4.add(g, f32x4.mul(vwd, p));
    v = f32x4.add(f32x4.mul(v, valpha), f32x4.mul(f32x4.mul(vcomp, g), g));
    let avg: v128;
    if (centered) {
      let ga = lanesAt(full, gavgp + o);
      const diff = f32x4.sub(g, ga);
      ga = lerpLow ? f32x4.add(ga, f32x4.mul(vcomp, diff)) : f32x4.sub(g, f32x4.mul(diff, vlerpHigh));
      storeLanes(full, gavgp + o, ga);
      avg = f32x4.sqrt(f32x4.sub(v, f32x4.mul(ga, ga)));
    } else {
      avg = f32x4.sqrt(v);
    }
    avg = f32x4.add(avg, veps);
    if (useMomentum) {
      const b = lanesAt(full, bufp + o);
      const buf = f32x4.add(f32x4.mul(b, vmom), f32x4.div(g, avg));
      storeLanes(full, bufp + o, buf);
      p = f32x4.sub(p, f32x4.mul(vlr, buf));
    } else {
      p = f32x4.sub(p, f32x4.mul(vlr, f32x4.div(g, avg)));
    }
    storeLanes(full, pp + o, p);
    storeLanes(full, vp + o, v);
    i += full ? 4 : 1;
  }
}
