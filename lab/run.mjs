#!/usr/bin/env node
// The going-deeper lab: `npm run lab -- [experiment...] [--data mnist|fashion|cifar10:DIR|DIR]
// [--seeds N] [--seed S] [--steps N] [--out DIR] [--quick|--full]`. Runs every
// experiment once per seed, judges each claim over the seeds, prints the
// summary table and writes DIR/index.html and DIR/results.json.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { LabError, loadData } from './datasets.mjs';
import { MissingModule } from './nets.mjs';
import { Progress } from './progress.mjs';
import { summaryText, writeReport } from './report.mjs';
import { combineSeeds, seedList } from './seeds.mjs';
import { EXPERIMENTS } from './experiments/index.mjs';

const USAGE = `usage: npm run lab -- [${EXPERIMENTS.map((e) => e.id).join('|')} ...] [--data mnist|fashion|cifar10:DIR|DIR] [--seeds N] [--seed S] [--steps N] [--out DIR] [--quick|--full]`;

/** Seeds per mode unless --seeds is given. */
export const DEFAULT_SEEDS = { quick: 2, default: 3, full: 3 };

/** CPU seconds one seed of an experiment takes in a mode, on the 2-core machine of the README (for the up-front estimate). */
export function expectedSeconds(opts) {
  // each experiment declares cost: {quick, default, full}, its CPU seconds per seed as measured on that machine
  return opts.experiments.reduce((s, id) => s + (EXPERIMENTS.find((e) => e.id === id).cost?.[opts.mode] ?? 0), 0) * opts.seeds;
}

export function parseArgs(argv) {
  const opts = { experiments: [], data: 'mnist', steps: null, seed: 1, seeds: null, out: 'lab-report', mode: 'default' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new LabError(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    const int = (name, v) => {
      if (!/^\d+$/.test(v)) throw new LabError(`${name} must be a non-negative integer, got ${v}`);
      return Number(v);
    };
    if (a === '--data') opts.data = value();
    else if (a === '--steps') opts.steps = Math.max(1, int('--steps', value()));
    else if (a === '--seed') opts.seed = int('--seed', value());
    else if (a === '--seeds') opts.seeds = Math.max(1, int('--seeds', value()));
    else if (a === '--out') opts.out = value();
    else if (a === '--quick' || a === '--full') {
      const mode = a.slice(2);
      if (opts.mode !== 'default' && opts.mode !== mode) throw new LabError(`--quick and --full exclude each other\n${USAGE}`);
      opts.mode = mode;
    }
    else if (a === '--help' || a === '-h') throw new LabError(USAGE);
    else if (a.startsWith('--')) throw new LabError(`unknown option ${a}\n${USAGE}`);
    else if (!EXPERIMENTS.some((e) => e.id === a)) throw new LabError(`unknown experiment ${a} (one of ${EXPERIMENTS.map((e) => e.id).join(', ')})`);
    else opts.experiments.push(a);
  }
  if (opts.experiments.length === 0) opts.experiments = EXPERIMENTS.map((e) => e.id);
  opts.seeds ??= DEFAULT_SEEDS[opts.mode];
  opts.quick = opts.mode === 'quick';
  return opts;
}

/** CPU seconds (user + system) this process has used, all threads. */
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Runs the lab; returns {results, reportPath, failed}. `io` overrides the streams (tests). */
export async function runLab(argv, { stdout = process.stdout, progress = new Progress() } = {}) {
  const opts = parseArgs(argv);
  const dist = new URL('../dist/index.js', import.meta.url);
  if (!existsSync(dist)) throw new LabError('dist/index.js is missing: run npm run build first');
  const sg = await import(dist.href);
  const t0 = performance.now(), cpu0 = cpuSeconds();
  const seeds = seedList(opts.seed, opts.seeds);
  const expected = expectedSeconds(opts);
  const data = await loadData(sg, opts.data, { log: (m) => progress.log(m) });
  progress.log(`data: ${data.name}: ${data.train.length} train, ${data.test.length} test samples of ${data.train.sampleShape.join('x')}`);
  progress.log(`lab: ${opts.mode} run, ${opts.experiments.length} experiment(s) x ${seeds.length} seed(s) (${seeds.join(', ')})${opts.steps ? `, --steps ${opts.steps}` : ''}; expected about ${Math.ceil(expected / 60)} min on 2 idle cores${opts.steps || !opts.data.match(/^(mnist|fashion)$/) ? ' at the default step budgets and MNIST sizes' : ''}`);
  const results = {
    meta: { data: data.name, dataDir: data.dir, seeds, mode: opts.mode, steps: opts.steps, quick: opts.quick, date: new Date().toISOString(), machine: `${cpus().length} cores, Node ${process.version}`, seconds: 0, cpuSeconds: 0, expectedSeconds: expected },
    experiments: [],
  };
  let failed = false;
  for (const id of opts.experiments) {
    const exp = EXPERIMENTS.find((e) => e.id === id);
    progress.log(`\n== ${exp.title}\n   claim: ${exp.claim}\n   source: ${exp.source}`);
    const started = performance.now(), cpuStarted = cpuSeconds();
    const entry = { id: exp.id, title: exp.title, claim: exp.claim, source: exp.source, paperFigure: exp.paperFigure, charts: [], tables: [], printed: [], summary: [], notes: [] };
    try {
      const perSeed = [];
      for (const seed of seeds) {
        const tag = seeds.length > 1 ? `[seed ${seed}] ` : '';
        if (tag) progress.log(`-- seed ${seed} (${perSeed.length + 1} of ${seeds.length})`);
        const ctx = { sg, data, seed, mode: opts.mode, quick: opts.quick, steps: opts.steps, progress, print: (line) => { entry.printed.push(tag + line); progress.log(tag + line); } };
        perSeed.push({ seed, ...(await exp.run(ctx)) });
      }
      Object.assign(entry, combineSeeds(perSeed));
    } catch (e) {
      if (e instanceof MissingModule) entry.incomplete = e.message;
      else {
        failed = true;
        entry.incomplete = `error: ${e.message}`;
        progress.log(e.stack);
      }
      progress.done();
      progress.log(`   incomplete: ${entry.incomplete}`);
    }
    entry.seconds = (performance.now() - started) / 1000;
    entry.cpuSeconds = cpuSeconds() - cpuStarted;
    results.experiments.push(entry);
  }
  results.meta.seconds = (performance.now() - t0) / 1000;
  results.meta.cpuSeconds = cpuSeconds() - cpu0;
  const reportPath = writeReport(opts.out, results);
  stdout.write(`\n${summaryText(results)}\n\nreport: ${reportPath} (${results.meta.seconds.toFixed(0)} s wall, ${results.meta.cpuSeconds.toFixed(0)} s CPU)\n`);
  return { results, reportPath, failed };
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  try {
    const { failed } = await runLab(process.argv.slice(2));
    process.exitCode = failed ? 1 : 0;
  } catch (e) {
    if (e instanceof LabError) {
      process.stderr.write(`lab: ${e.message}\n`);
      process.exitCode = 2;
    } else throw e;
  }
}
