// Claims measured over several seeds and the verdict rule. An experiment's
// run (one seed) states each claim as a number per arm: a comparison
// ("a < b") or a threshold ("v > t"). Over the seeds each number gets a mean
// and a spread (the sample standard deviation across seeds), and
//
//   margin = how far the mean result is on the claimed side
//            (mean(b) - mean(a) for "a < b", mean(v) - t for "v > t"),
//   spread = the seed-to-seed spread of that margin
//            (sqrt(sd(a)^2 + sd(b)^2) for a comparison, sd(v) for a threshold),
//
//   holds          margin >  spread
//   does not hold  margin < -spread
//   inconclusive   otherwise (the difference is within the run-to-run noise).
//
// With one seed the spread is unknown and taken as 0: the verdict then only
// says on which side the single run fell, and the report says "1 seed".
// Quantities that span orders of magnitude (ratios of gradient norms) are
// judged on log10 of the value.

export const VERDICTS = ['holds', 'does not hold', 'inconclusive'];

/** The verdict for a mean margin on the claimed side and its seed-to-seed spread. */
export function verdict(margin, spread) {
  if (Number.isNaN(margin) || Number.isNaN(spread)) return 'inconclusive';
  if (margin > spread) return 'holds';
  if (margin < -spread) return 'does not hold';
  return 'inconclusive';
}

/** Mean and sample standard deviation (0 for one value). */
export function meanSd(values) {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

/** The mean of the last `frac` of a per-step curve (the "final" value of a training curve). */
export function tailMean(values, frac = 0.2) {
  const tail = values.slice(-Math.max(1, Math.floor(values.length * frac)));
  return tail.reduce((s, v) => s + v, 0) / tail.length;
}

/**
 * A comparison claimed by one seed's run: a `op` b, i.e. a below b ('<') or
 * above it ('>'), by more than `margin`. `a` and `b` are [label, value].
 */
export function compareClaim({ claim, paper, a, op, b, unit = 'num', log = false, margin = 0, detail }) {
  if (op !== '<' && op !== '>') throw new Error(`compareClaim: op must be '<' or '>', got ${op}`);
  return { claim, paper, kind: 'compare', values: [a, b], op, than: margin, unit, log, detail };
}

/** A threshold claimed by one seed's run: value `op` than ('>' or '<'). `value` is [label, value]. */
export function thresholdClaim({ claim, paper, value, op, than, unit = 'num', log = false, detail }) {
  if (op !== '<' && op !== '>') throw new Error(`thresholdClaim: op must be '<' or '>', got ${op}`);
  return { claim, paper, kind: 'threshold', values: [value], op, than, unit, log, detail };
}

// log10 of a value that under- or overflowed (a ratio of float32 norms that is 0 or Infinity) is
// clamped to ±50, just beyond float32's range (1e-45 .. 3e38): "smaller than anything float32 shows"
const LOG_CLAMP = 50;

const toScale = (v, log) => (log ? Math.max(-LOG_CLAMP, Math.min(LOG_CLAMP, Math.log10(v))) : v);

/** A number in a claim's unit. */
export function fmtValue(v, unit) {
  if (!Number.isFinite(v)) return String(v);
  switch (unit) {
    case 'pct': return `${(100 * v).toFixed(1)}%`;
    case 'steps': return v.toFixed(0);
    case 'exp': return v.toExponential(1);
    default: return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(2) : String(+v.toPrecision(3));
  }
}

/** mean ± sd of per-seed values in a claim's unit (geometric mean ×/÷ factor on a log scale). */
function fmtStat({ mean, sd, n }, unit, log) {
  if (log) return `${fmtValue(10 ** mean, 'exp')}${n > 1 ? ` ×/÷ ${(10 ** sd).toPrecision(2)}` : ''}`;
  if (n === 1) return fmtValue(mean, unit);
  const spread = unit === 'pct' ? `${(100 * sd).toFixed(1)}` : fmtValue(sd, unit);
  return `${fmtValue(mean, unit)} ± ${spread}`;
}

/**
 * Combines one claim as measured by each seed's run (the same claim, in
 * seed order) into {claim, paper, ours, verdict, margin, spread, perSeed}.
 */
export function judge(perSeed) {
  const first = perSeed[0];
  const n = perSeed.length;
  const stats = first.values.map((_, i) => meanSd(perSeed.map((r) => toScale(r.values[i][1], first.log))));
  const sign = first.op === '>' ? 1 : -1;
  let margin, spread;
  if (first.kind === 'compare') {
    margin = sign * (stats[0].mean - stats[1].mean) - toScale(first.than, false);
    spread = Math.hypot(stats[0].sd, stats[1].sd);
  } else {
    margin = sign * (stats[0].mean - toScale(first.than, first.log));
    spread = stats[0].sd;
  }
  const shown = first.values.map(([label], i) => `${label} ${fmtStat(stats[i], first.unit, first.log)}`);
  const threshold = first.kind === 'threshold' ? ` (claim ${first.op} ${first.log ? fmtValue(first.than, 'exp') : fmtValue(first.than, first.unit)})` : '';
  const seeds = n === 1 ? ' [1 seed: no spread]' : ` [${n} seeds, mean ± sd]`;
  const detail = first.detail ? `; ${perSeed.map((r) => r.detail).join(' | ')}` : '';
  return {
    claim: first.claim,
    paper: first.paper,
    ours: `${shown.join(' vs ')}${threshold}${seeds}${detail}`,
    verdict: verdict(margin, spread),
    margin,
    spread,
    perSeed: perSeed.map((r) => r.values.map(([label, v]) => [label, v])),
  };
}
