// The going-deeper lab end to end: the verdict rule on synthetic curves,
// seed merging, one --quick run of every experiment with fixed seeds
// (asserting only the claims that are robust at this scale), the report
// files, and one-line errors for bad --data.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from '../helpers/harness.mjs';
import { runLab, parseArgs } from '../../lab/run.mjs';
import { Progress } from '../../lab/progress.mjs';
import { lineChart, niceTicks } from '../../lab/chart.mjs';
import { compareClaim, judge, tailMean, thresholdClaim, verdict } from '../../lab/verdict.mjs';
import { mergeChart, mergeTable } from '../../lab/seeds.mjs';

const test = suite('lab');
const root = new URL('../../', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'simdgrad-lab-'));

/** The summary rows of one experiment, by a piece of their claim. */
const row = (results, id, claimPart) => {
  const e = results.experiments.find((x) => x.id === id);
  const r = e.summary.find((s) => s.claim.includes(claimPart));
  if (!r) throw new Error(`${id}: no summary row about "${claimPart}" (rows: ${e.summary.map((s) => s.claim).join(' | ')})`);
  return r;
};

test('the arguments: defaults, experiment names, bad flags', () => {
  const o = parseArgs([]);
  assert.equal([o.data, o.seed, o.seeds, o.out, o.mode, o.quick, o.steps], ['mnist', 1, 3, 'lab-report', 'default', false, null]);
  assert.is(o.experiments.length, 7);
  const p = parseArgs(['depth', '--data', 'fashion', '--steps', '7', '--seed', '3', '--out', 'x', '--quick']);
  assert.equal([p.experiments, p.data, p.steps, p.seed, p.seeds, p.out, p.mode, p.quick], [['depth'], 'fashion', 7, 3, 2, 'x', 'quick', true]);
  assert.equal([parseArgs(['--full']).mode, parseArgs(['--full', '--seeds', '5']).seeds, parseArgs(['--data', 'cifar10:/x']).data], ['full', 5, 'cifar10:/x']);
  assert.throws(() => parseArgs(['--quick', '--full']), /--quick and --full exclude each other/);
  assert.throws(() => parseArgs(['nosuch']), /unknown experiment nosuch/);
  assert.throws(() => parseArgs(['--steps', 'many']), /--steps must be a non-negative integer/);
  assert.throws(() => parseArgs(['--seeds', '-1']), /--seeds must be a non-negative integer/);
  assert.throws(() => parseArgs(['--frobnicate']), /unknown option --frobnicate/);
});

/** A deterministic uniform [0, 1) stream (the test's own noise, independent of the engine). */
function noise(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** A synthetic training-error curve: exponential decay from 0.9 to `floor`, plus uniform noise of ± `jitter` per step and a per-seed offset. */
function curve(seed, floor, offset, jitter = 0.02, steps = 200) {
  const r = noise(seed);
  return Array.from({ length: steps }, (_, i) => floor + offset + (0.9 - floor) * Math.exp(-i / 30) + jitter * (2 * r() - 1));
}

test('the verdict rule: holds beyond the spread, does not hold when reversed beyond it, inconclusive within it', () => {
  assert.equal([verdict(1, 0.5), verdict(-1, 0.5), verdict(0.2, 0.5), verdict(-0.2, 0.5), verdict(NaN, 0), verdict(0.1, NaN)], ['holds', 'does not hold', 'inconclusive', 'inconclusive', 'inconclusive', 'inconclusive']);
  // three seeds: each seed shifts both arms' curves by its own offset (what a different init and data order does)
  const offsets = [-0.02, 0.0, 0.025];
  const runs = (floorA, floorB, spreadB = 1) => offsets.map((o, s) => compareClaim({ claim: 'A trains better than B', paper: 'A < B', a: ['A', tailMean(curve(10 + s, floorA, o))], op: '<', b: ['B', tailMean(curve(20 + s, floorB, o * spreadB))], unit: 'pct' }));
  const clear = judge(runs(0.1, 0.3));
  assert.is(clear.verdict, 'holds', clear.ours);
  assert.ok(clear.margin > 0.15 && clear.margin < 0.25 && clear.spread < 0.05, `${clear.margin} ${clear.spread}`);
  assert.match(clear.ours, /^A 10\.\d% ± \d\.\d vs B 30\.\d% ± \d\.\d \[3 seeds, mean ± sd\]$/);
  assert.is(judge(runs(0.3, 0.1)).verdict, 'does not hold');
  // B's seed-to-seed spread (offsets × 4) swamps a 1-point difference
  const noisy = judge(runs(0.1, 0.11, 4));
  assert.is(noisy.verdict, 'inconclusive', `${noisy.margin} ± ${noisy.spread}`);
  assert.equal(noisy.perSeed.length, 3);
  // one seed: no spread, the side the run fell on
  const single = judge(runs(0.1, 0.11).slice(0, 1));
  assert.is(single.verdict, 'holds');
  assert.ok(single.ours.includes('[1 seed: no spread]'));
  // thresholds, on a log scale for ratios: 1e-5 ± a factor of 10 is far below 1; 0.9 vs 1 with spread is not
  const logRows = [1e-6, 1e-5, 1e-4].map((v) => thresholdClaim({ claim: 'ratio < 1', paper: '', value: ['ratio', v], op: '<', than: 1, log: true }));
  const r = judge(logRows);
  assert.is(r.verdict, 'holds');
  assert.ok(Math.abs(r.margin - 5) < 1e-9 && Math.abs(r.spread - 1) < 1e-9, `${r.margin} ${r.spread}`);
  assert.is(judge([0.7, 0.9, 1.1].map((v) => thresholdClaim({ claim: 'v < 1', paper: '', value: ['v', v], op: '<', than: 1 }))).verdict, 'inconclusive');
  // an underflowed ratio (0) is clamped to 1e-50 on the log scale and still judged
  assert.is(judge([0, 1e-20].map((v) => thresholdClaim({ claim: 'r < 0.01', paper: '', value: ['r', v], op: '<', than: 0.01, log: true }))).verdict, 'holds');
});

test('seeds merge: chart series become mean with a ± sd band, table numbers mean ± sd', () => {
  const chart = (y) => ({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [[0, y], [1, 2 * y]] }] });
  const m = mergeChart([chart(1), chart(3)]);
  assert.equal(m.series[0].points, [[0, 2], [1, 4]]);
  const [x0, lo, hi] = m.series[0].band[0];
  assert.ok(x0 === 0 && Math.abs(lo - (2 - Math.SQRT2)) < 1e-12 && Math.abs(hi - (2 + Math.SQRT2)) < 1e-12);
  assert.match(m.bandNote, /mean of 2 seeds; band ± 1 sd/);
  const svg = lineChart(m);
  assert.is((svg.match(/<polygon/g) || []).length, 1);
  assert.ok(svg.includes('mean of 2 seeds'));
  const t = mergeTable([{ title: 'T', columns: ['arm', 'err'], rows: [['relu', 0.1]] }, { title: 'T', columns: ['arm', 'err'], rows: [['relu', 0.3]] }]);
  assert.equal(t.rows, [['relu', '0.2 ± 0.141']]);
  assert.is(t.title, 'T (over 2 seeds)');
});

test('the chart module draws axes, ticks, a legend and one line per series', () => {
  assert.equal(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  const svg = lineChart({ title: 'T<1>', xLabel: 'step', yLabel: 'error', series: [{ name: 'a', points: [[0, 1], [1, 0.5]] }, { name: 'b', points: [[0, 0.8], [1, 0.1]], dashed: true }] });
  assert.ok(svg.startsWith('<svg'));
  assert.is((svg.match(/<polyline/g) || []).length, 2);
  assert.ok(svg.includes('T&lt;1&gt;') && svg.includes('>step<') && svg.includes('>error<'));
  const log = lineChart({ title: 'g', xLabel: 'x', yLabel: 'y', logY: true, series: [{ name: 'a', points: [[1, 1e-6], [2, 1e3]] }] });
  assert.ok(log.includes('(log scale)') && log.includes('>1e-6<') && log.includes('>100<'), log);
});

test('quick lab: every experiment runs on two seeds, robust claims hold, the report parses', async () => {
  let printed = '';
  const { results, reportPath, failed } = await runLab(['--quick', '--seed', '1', '--out', out], { stdout: { write: (s) => (printed += s) }, progress: new Progress({ quiet: true }) });
  assert.is(failed, false);
  // the budget is measured, not asserted (speed belongs in benchmarks): the CPU time is recorded and printed
  assert.type(results.meta.cpuSeconds, 'number');
  console.log(`  quick lab: ${results.meta.cpuSeconds.toFixed(0)} s of CPU`);
  assert.equal(results.meta.seeds, [1, 2]);
  assert.equal(results.experiments.map((e) => e.id), ['rectifiers', 'dropout', 'batchnorm', 'depth', 'init', 'regions', 'shattered']);
  for (const e of results.experiments) assert.is(e.incomplete, undefined, `${e.id}: ${e.incomplete}`);
  const holds = (id, claimPart) => assert.is(row(results, id, claimPart).verdict, 'holds', `${id}: ${row(results, id, claimPart).ours}`);
  // depth: without BN plain nets' gradients vanish toward the input, a residual net's stay within a small factor
  holds('depth', 'FC plain tanh and ReLU');
  holds('depth', 'FC residual ReLU');
  const depth = results.experiments.find((e) => e.id === 'depth');
  for (const { curves } of depth.perSeed) {
    const ratio = (p) => p[0].gradNorm / p.at(-1).gradNorm;
    assert.ok(ratio(curves.fcProbes['FC plain tanh']) < 0.01 && !(ratio(curves.fcProbes['FC plain ReLU']) > 0.01));
    assert.ok(ratio(curves.fcProbes['FC residual ReLU']) < 10 && ratio(curves.fcProbes['FC residual ReLU']) > 0.1);
    assert.equal(Object.keys(curves.train), ['plain-8', 'ResNet-8', 'plain-20', 'ResNet-20']);
  }
  // shattered gradients: deep plain decorrelates, shortcuts and looks-linear keep the correlation
  holds('shattered', 'plain nets: the gradient decorrelates');
  holds('shattered', 'residual shortcuts');
  holds('shattered', 'CReLU + looks-linear');
  // init: default init stays near chance where orthogonal and LSUV train
  holds('init', 'default init');
  holds('init', 'orthogonal and LSUV');
  // dropout shrinks the generalisation gap (in loss)
  holds('dropout', 'dropout shrinks the train-test loss gap');
  // batch norm: the statistics example is exact; the linear-region bound holds
  holds('batchnorm', 'BN output columns');
  holds('regions', '2^D');
  // claims that may fail at our scale: only that they are measured and given a verdict
  for (const e of results.experiments) for (const s of e.summary) assert.ok(['holds', 'does not hold', 'inconclusive'].includes(s.verdict), `${e.id}: ${s.claim}`);
  assert.ok(row(results, 'rectifiers', '4-layer CNN').ours.includes('[2 seeds, mean ± sd]'));
  // the report
  assert.ok(printed.includes('verdict') && printed.includes(`report: ${reportPath}`));
  const html = readFileSync(reportPath, 'utf8');
  const charts = results.experiments.reduce((n, e) => n + e.charts.length, 0);
  assert.is((html.match(/<svg /g) || []).length, charts);
  assert.ok((html.match(/<polygon/g) || []).length > 10, 'charts show seed bands');
  assert.ok(html.includes('<h2>Summary</h2>') && html.includes('inconclusive otherwise'));
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.is(json.experiments.length, 7);
  for (const e of json.experiments) assert.equal(e.perSeed.map((p) => p.seed), [1, 2]);
  const relu = json.experiments[0].perSeed.map((p) => p.curves.cnn.relu.loss);
  assert.ok(relu[0].length > 0 && relu[1].length > 0 && relu[0][0] !== relu[1][0], 'every seed\'s raw curves are in results.json');
});

/** Runs the CLI in a child process; returns {code, stderr}. */
function cli(...args) {
  const r = spawnSync(process.execPath, ['lab/run.mjs', ...args, '--out', join(out, 'cli')], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout };
}

test('a bad --data path or a corrupt file: one clear error line, non-zero exit, no stack', async () => {
  const missing = cli('regions', '--data', '/no/such/dir');
  assert.ok(missing.code !== 0);
  assert.is(missing.stderr.split('\n').length, 1, missing.stderr);
  assert.match(missing.stderr, /^lab: --data \/no\/such\/dir: no such directory/);
  const dir = join(out, 'corrupt');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(Buffer.from('this is not an IDX file')));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 1, 2]));
  const corrupt = cli('regions', '--data', dir);
  assert.ok(corrupt.code !== 0);
  assert.is(corrupt.stderr.split('\n').length, 1, corrupt.stderr);
  assert.match(corrupt.stderr, /train-images-idx3-ubyte\.gz: not an IDX file/);
  rmSync(join(dir, 'train-images-idx3-ubyte.gz'));
  const absent = cli('regions', '--data', dir);
  assert.match(absent.stderr, /has no train-images-idx3-ubyte/);
  assert.ok(!existsSync(join(out, 'cli', 'index.html')), 'no report for a failed run');
});

test.run();
