#!/usr/bin/env node
// The going-deeper lab: `npm run lab -- [experiment...] [--data mnist|fashion|DIR]
// [--steps N] [--seed S] [--out DIR] [--quick]`. Runs the experiments, prints
// the summary table and writes DIR/index.html and DIR/results.json.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { LabError, loadData } from './datasets.mjs';
import { MissingModule } from './nets.mjs';
import { Progress } from './progress.mjs';
import { summaryText, writeReport } from './report.mjs';
import { EXPERIMENTS } from './experiments/index.mjs';

const USAGE = `usage: npm run lab -- [${EXPERIMENTS.map((e) => e.id).join('|')} ...] [--data mnist|fashion|DIR] [--steps N] [--seed S] [--out DIR] [--quick]`;

export function parseArgs(argv) {
  const opts = { experiments: [], data: 'mnist', steps: null, seed: 1, out: 'lab-report', quick: false };
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
    else if (a === '--out') opts.out = value();
    else if (a === '--quick') opts.quick = true;
    else if (a === '--help' || a === '-h') throw new LabError(USAGE);
    else if (a.startsWith('--')) throw new LabError(`unknown option ${a}\n${USAGE}`);
    else if (!EXPERIMENTS.some((e) => e.id === a)) throw new LabError(`unknown experiment ${a} (one of ${EXPERIMENTS.map((e) => e.id).join(', ')})`);
    else opts.experiments.push(a);
  }
  if (opts.experiments.length === 0) opts.experiments = EXPERIMENTS.map((e) => e.id);
  return opts;
}

/** Runs the lab; returns {results, reportPath, failed}. `io` overrides the streams (tests). */
export async function runLab(argv, { stdout = process.stdout, progress = new Progress() } = {}) {
  const opts = parseArgs(argv);
  const dist = new URL('../dist/index.js', import.meta.url);
  if (!existsSync(dist)) throw new LabError('dist/index.js is missing: run npm run build first');
  const sg = await import(dist.href);
  const t0 = performance.now();
  const data = await loadData(sg, opts.data, { log: (m) => progress.log(m) });
  progress.log(`data: ${data.name}: ${data.train.length} train, ${data.test.length} test samples of ${data.train.sampleShape.join('x')}`);
  const results = {
    meta: { data: data.name, dataDir: data.dir, seed: opts.seed, steps: opts.steps, quick: opts.quick, date: new Date().toISOString(), machine: `${cpus().length} cores, Node ${process.version}`, seconds: 0 },
    experiments: [],
  };
  let failed = false;
  for (const id of opts.experiments) {
    const exp = EXPERIMENTS.find((e) => e.id === id);
    progress.log(`\n== ${exp.title}\n   claim: ${exp.claim}\n   source: ${exp.source}`);
    const started = performance.now();
    const entry = { id: exp.id, title: exp.title, claim: exp.claim, source: exp.source, paperFigure: exp.paperFigure, charts: [], tables: [], printed: [], summary: [], notes: [] };
    try {
      const ctx = { sg, data, seed: opts.seed, quick: opts.quick, steps: opts.steps, progress, print: (line) => { entry.printed.push(line); progress.log(line); } };
      Object.assign(entry, await exp.run(ctx));
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
    results.experiments.push(entry);
  }
  results.meta.seconds = (performance.now() - t0) / 1000;
  const reportPath = writeReport(opts.out, results);
  stdout.write(`\n${summaryText(results)}\n\nreport: ${reportPath} (${results.meta.seconds.toFixed(0)} s)\n`);
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
