// Timing: warm each contender up, size a batch of iterations to a target
// duration, then alternate the contenders batch by batch so that load from
// other processes hits both alike; report medians of the per-batch times.

const now = () => performance.now();

/** Mean ms per iteration over `iters` calls of run (awaited when it returns a promise). */
async function batch(run, iters) {
  const t = now();
  for (let i = 0; i < iters; i++) {
    const r = run();
    if (r !== undefined && typeof r.then === 'function') await r;
  }
  return (now() - t) / iters;
}

/** Runs for at least warmupMs (so wasm tiers up), returns iterations per batchMs. */
async function warmAndSize(run, { warmupMs, batchMs }) {
  let iters = 1, spent = 0;
  const start = now();
  while (now() - start < warmupMs || spent === 0) {
    const t = await batch(run, iters);
    spent = t;
    if (t * iters < batchMs / 4) iters *= 2;
  }
  return Math.max(1, Math.round(batchMs / Math.max(spent, 1e-6)));
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Times contenders {name: run} alternately: `rounds` batches each.
 * Returns {name: {ms (median per iteration), samples, spread ((max - min) / median)}}.
 */
export async function alternate(contenders, { rounds = 7, warmupMs = 400, batchMs = 60 } = {}) {
  const names = Object.keys(contenders);
  const iters = {};
  for (const n of names) iters[n] = await warmAndSize(contenders[n], { warmupMs, batchMs });
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    // alternate the order too, so neither side always runs first
    for (const n of r % 2 ? [...names].reverse() : names) samples[n].push(await batch(contenders[n], iters[n]));
  }
  const out = {};
  for (const n of names) {
    const ms = median(samples[n]);
    out[n] = { ms, samples: samples[n], spread: (Math.max(...samples[n]) - Math.min(...samples[n])) / ms, iters: iters[n] };
  }
  return out;
}
