// One experiment run once per seed, combined into one report entry: the
// claims judged over the seeds (verdict.mjs), each chart's series as the
// mean over the seeds with a band of ± one standard deviation, each table's
// numbers as mean ± sd, and every seed's raw curves kept for results.json.
import { judge, meanSd } from './verdict.mjs';

/** The seeds of a run: `count` consecutive seeds from `first`. */
export const seedList = (first, count) => Array.from({ length: count }, (_, i) => first + i);

/**
 * One chart from the same chart of every seed: per series (matched by name)
 * and x, the mean of the seeds' y values and a band [x, mean - sd, mean + sd]
 * (x values some seeds lack, e.g. after an early stop, use the seeds that have them).
 * A chart marked seedOnly (one seed's raw signal, which averaging would blur) is the first seed's.
 */
export function mergeChart(charts) {
  if (charts.length === 1 || charts[0].seedOnly) return charts[0];
  const first = charts[0];
  const series = first.series.map((s) => {
    const byX = new Map();
    for (const c of charts) {
      const match = c.series.find((t) => t.name === s.name);
      for (const [x, y] of match?.points ?? []) {
        if (!byX.has(x)) byX.set(x, []);
        if (Number.isFinite(y)) byX.get(x).push(first.logY ? Math.log10(y) : y);
      }
    }
    const xs = [...byX.keys()].filter((x) => byX.get(x).length > 0).sort((a, b) => a - b);
    const back = (v) => (first.logY ? 10 ** v : v);
    const stats = xs.map((x) => [x, meanSd(byX.get(x))]);
    return {
      ...s,
      points: stats.map(([x, st]) => [x, back(st.mean)]),
      band: stats.map(([x, st]) => [x, back(st.mean - st.sd), back(st.mean + st.sd)]),
    };
  });
  return { ...first, series, bandNote: `mean of ${charts.length} seeds; band ± 1 sd${first.logY ? ' (of log10)' : ''}` };
}

const fmtCell = (v) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(2) : String(+v.toPrecision(3)));

/** One table from the same table of every seed: numeric cells as mean ± sd, other cells kept when all seeds agree, else joined with ' | '. */
export function mergeTable(tables) {
  if (tables.length === 1) return tables[0];
  const first = tables[0];
  const rows = first.rows.map((row, r) =>
    row.map((cell, c) => {
      const cells = tables.map((t) => t.rows[r]?.[c]);
      if (cells.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        const { mean, sd } = meanSd(cells);
        return `${fmtCell(mean)} ± ${fmtCell(sd)}`;
      }
      const text = cells.map((v) => (typeof v === 'number' ? fmtCell(v) : String(v)));
      return text.every((t) => t === text[0]) ? text[0] : text.join(' | ');
    }),
  );
  return { ...first, title: `${first.title} (over ${tables.length} seeds)`, rows };
}

/**
 * Combines the per-seed results [{seed, setup, charts, tables, summary,
 * notes, curves}] of one experiment into its report entry fields.
 */
export function combineSeeds(perSeed) {
  const seeds = perSeed.map((r) => r.seed);
  const first = perSeed[0];
  const nth = (key, i) => perSeed.map((r) => r[key]?.[i]);
  return {
    seeds,
    setup: `${first.setup ?? ''}; ${seeds.length === 1 ? `seed ${seeds[0]}` : `${seeds.length} seeds (${seeds.join(', ')}): every arm runs once per seed, the seed fixing both the initial weights and the data order`}`,
    charts: (first.charts ?? []).map((_, i) => mergeChart(nth('charts', i))),
    tables: (first.tables ?? []).map((_, i) => mergeTable(nth('tables', i))),
    summary: (first.summary ?? []).map((_, i) => judge(nth('summary', i))),
    notes: [...new Set(perSeed.flatMap((r) => r.notes ?? []))],
    perSeed: perSeed.map((r) => ({ seed: r.seed, curves: r.curves ?? null })),
  };
}
