// Linear regions of random ReLU networks along a line: a ReLU MLP is
// piecewise linear, and along a line x(t) = c + t u its pieces change exactly
// where the activation pattern (the sign of every pre-activation) changes.
// Patterns are computed in batches of points on the engine (matmul, gt, ne,
// sum); consecutive points with different patterns mark a boundary. Sampling
// can miss pieces shorter than the spacing, so the count is a lower bound;
// it is taken at two resolutions to show it has converged.
import { thresholdClaim } from '../verdict.mjs';

/** He-initialised random layers: W ~ N(0, 2 / fan_in), b ~ N(0, 0.1^2). */
function randomNet(sg, inputs, width, depth) {
  const layers = [];
  let w = inputs;
  for (let d = 0; d < depth; d++) {
    layers.push({ W: sg.randn([w, width]).mul(Math.sqrt(2 / w)), b: sg.randn([width]).mul(0.1) });
    w = width;
  }
  return layers;
}

/** Number of linear pieces of the net along x(t) = c + t u, t in [-L, L], from `points` samples. */
export function countPieces(sg, layers, c, u, L, points, batch = 4096) {
  let boundaries = 0;
  let last = null;
  for (let start = 0; start < points; start += batch) {
    const n = Math.min(batch, points - start);
    const r = sg.scope(() => sg.noGrad(() => {
      const t = sg.arange(start, start + n).mul(2 * L / (points - 1)).sub(L).reshape([n, 1]);
      let h = c.add(t.mul(u));
      const pats = [];
      for (const { W, b } of layers) {
        const z = h.matmul(W).add(b);
        pats.push(z.gt(0));
        h = z.relu();
      }
      const p = sg.cat(pats, 1);
      const full = last === null ? p : sg.cat([last, p], 0);
      const m = full.shape[0];
      const changes = m < 2 ? 0 : full.narrow(0, 1, m - 1).ne(full.narrow(0, 0, m - 1)).sum(1).gt(0).sum().item();
      return { changes, tail: p.narrow(0, n - 1, 1).clone() };
    }));
    if (last !== null) last.dispose();
    last = r.tail;
    boundaries += r.changes;
  }
  last?.dispose();
  return boundaries + 1;
}

export default {
  id: 'regions',
  title: '6. Linear regions of random ReLU networks',
  claim: 'The number of linear pieces of a ReLU MLP along a line is at most 2^D ∏ W_d, and random networks come nowhere near it: the count grows roughly with the number of neurons, not exponentially with depth',
  source: 'Montúfar et al. 2014 (On the number of linear regions of deep neural networks); Hanin & Rolnick 2019 (Complexity of linear regions in deep networks)',
  paperFigure: 'bound 2^D ∏ W_d; random nets: pieces per unit length ~ number of neurons',
  cost: { quick: 0.2, default: 1.5, full: 1.5 },
  async run({ sg, seed, quick, progress, print }) {
    const inputs = 16;
    const widths = quick ? [8, 16] : [8, 16, 32];
    const depths = quick ? [1, 2, 4] : [1, 2, 3, 4, 6, 8];
    const points = quick ? 4096 : 16384;
    const L = 2 * Math.sqrt(inputs);
    const rows = [];
    const series = [];
    const configs = widths.flatMap((w) => depths.map((d) => [w, d]));
    progress.start('regions', configs.length);
    let done = 0;
    for (const w of widths) {
      const pts = [], bound = [];
      for (const d of depths) {
        sg.manualSeed(seed * 1000 + w * 10 + d);
        const { net, c, u } = sg.scope(() => {
          const dir = sg.randn([inputs]);
          return { net: randomNet(sg, inputs, w, d), c: sg.randn([inputs]), u: dir.div(dir.norm()) };
        });
        const coarse = countPieces(sg, net, c, u, L, points);
        const fine = countPieces(sg, net, c, u, L, points * 4);
        for (const { W, b } of net) W.dispose(), b.dispose();
        c.dispose();
        u.dispose();
        const kappa = 2 ** d * w ** d;
        rows.push([w, d, w * d, coarse, fine, kappa, fine / (w * d)]);
        pts.push([d, fine]);
        bound.push([d, kappa]);
        progress.update(++done, {});
      }
      series.push({ name: `width ${w}: measured`, points: pts }, { name: `width ${w}: bound 2^D W^D`, points: bound, dashed: true });
    }
    progress.done();
    const within = rows.every((r) => r[4] <= r[5]);
    const converged = rows.filter((r) => r[3] === r[4]).length;
    const maxRatio = Math.max(...rows.map((r) => r[4] / r[5]));
    const perNeuron = rows.map((r) => r[6]);
    for (const r of rows) print(`width ${r[0]} depth ${r[1]}: ${r[4]} pieces (${r[3]} at 1/4 the resolution), bound ${r[5].toExponential(2)}, ${r[6].toFixed(2)} per neuron`);
    return {
      setup: `random He-initialised ReLU MLPs on ${inputs}-d inputs (biases N(0, 0.1²)), widths ${widths.join('/')} × depths ${depths.join('/')}; the line c + t·u, |u| = 1, t ∈ [−${L.toFixed(0)}, ${L.toFixed(0)}], sampled at ${points} and ${4 * points} points`,
      charts: [{ title: 'Linear pieces along a line vs depth', xLabel: 'depth D (hidden layers)', yLabel: 'linear pieces', logY: true, series }],
      tables: [{ title: 'Pieces along the line', columns: ['width', 'depth', 'neurons', `pieces (${points} pts)`, `pieces (${4 * points} pts)`, 'bound 2^D ∏W_d', 'pieces per neuron'], rows }],
      summary: [
        thresholdClaim({ claim: 'pieces ≤ 2^D ∏ W_d', paper: 'bound (Montúfar et al.)', value: ['max measured/bound', maxRatio], op: '<', than: 1, log: true, detail: within ? 'every count within its bound' : 'a count above its bound' }),
        thresholdClaim({ claim: 'random nets: pieces grow ~ with neurons, not exponentially', paper: 'pieces ∝ neurons', value: ['max pieces per neuron', Math.max(...perNeuron)], op: '<', than: 4, detail: `${Math.min(...perNeuron).toFixed(2)}–${Math.max(...perNeuron).toFixed(2)} per neuron` }),
      ],
      notes: [`${converged} of ${rows.length} counts agree between the two resolutions (where they differ, the finer one is reported; counts are lower bounds).`],
    };
  },
};
