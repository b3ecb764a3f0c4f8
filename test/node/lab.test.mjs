// The going-deeper lab end to end: one --quick run of every experiment with a
// fixed seed, asserting only the claims that are robust at this scale, the
// report files, and one-line errors for bad --data.
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
  assert.equal([o.data, o.seed, o.out, o.quick, o.steps], ['mnist', 1, 'lab-report', false, null]);
  assert.is(o.experiments.length, 6);
  const p = parseArgs(['depth', '--data', 'fashion', '--steps', '7', '--seed', '3', '--out', 'x', '--quick']);
  assert.equal([p.experiments, p.data, p.steps, p.seed, p.out, p.quick], [['depth'], 'fashion', 7, 3, 'x', true]);
  assert.throws(() => parseArgs(['nosuch']), /unknown experiment nosuch/);
  assert.throws(() => parseArgs(['--steps', 'many']), /--steps must be a non-negative integer/);
  assert.throws(() => parseArgs(['--frobnicate']), /unknown option --frobnicate/);
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

test('quick lab: every experiment runs, robust claims hold, the report parses', async () => {
  let printed = '';
  const t0 = performance.now();
  const { results, reportPath, failed } = await runLab(['--quick', '--seed', '1', '--out', out], { stdout: { write: (s) => (printed += s) }, progress: new Progress({ quiet: true }) });
  const seconds = (performance.now() - t0) / 1000;
  assert.is(failed, false);
  assert.ok(seconds < 120, `quick lab took ${seconds.toFixed(0)} s`);
  assert.equal(results.experiments.map((e) => e.id), ['rectifiers', 'dropout', 'batchnorm', 'depth', 'init', 'regions']);
  for (const e of results.experiments) assert.is(e.incomplete, undefined, `${e.id}: ${e.incomplete}`);
  // depth: plain nets' gradients vanish toward the input, a residual net's stay within a small factor
  assert.is(row(results, 'depth', 'plain tanh/ReLU: gradients shrink').holds, true);
  assert.is(row(results, 'depth', 'residual: gradients stay').holds, true);
  const probes = results.experiments.find((e) => e.id === 'depth').curves.gradientProbes;
  const ratio = (p) => p.at(-1).gradNorm / p[0].gradNorm;
  assert.ok(ratio(probes['plain tanh']) > 100 && !(ratio(probes['plain ReLU']) < 100));
  assert.ok(ratio(probes['residual ReLU']) < 10 && ratio(probes['residual ReLU']) > 0.1);
  // init: default init stays near chance where orthogonal and LSUV train
  assert.is(row(results, 'init', 'default init').holds, true);
  assert.is(row(results, 'init', 'orthogonal and LSUV').holds, true);
  // dropout shrinks the generalisation gap (in loss)
  assert.is(row(results, 'dropout', 'dropout shrinks the train-test loss gap').holds, true);
  // batch norm: the statistics example is exact; the linear-region bound holds
  assert.is(row(results, 'batchnorm', 'BN output columns').holds, true);
  assert.is(row(results, 'regions', '2^D').holds, true);
  // claims that may fail at our scale: only that they are measured and given a verdict
  for (const e of results.experiments) for (const s of e.summary) assert.type(s.holds, 'boolean', `${e.id}: ${s.claim}`);
  assert.ok(row(results, 'rectifiers', '4-layer CNN').ours.length > 0);
  // the report
  assert.ok(printed.includes('verdict') && printed.includes(`report: ${reportPath}`));
  const html = readFileSync(reportPath, 'utf8');
  const charts = results.experiments.reduce((n, e) => n + e.charts.length, 0);
  assert.is((html.match(/<svg /g) || []).length, charts);
  assert.ok(html.includes('<h2>Summary</h2>'));
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.is(json.experiments.length, 6);
  assert.ok(json.experiments[0].curves.cnn.relu.loss.length > 0, 'every curve is in results.json');
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
