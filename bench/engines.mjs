// npm run bench:engines: the same training workloads (bench/engines/workloads.mjs)
// in every engine on this machine: Node, Deno and Bun as processes; Chromium,
// Firefox ESR and WebKitGTK through their drivers (test/engines/) on a page
// served with and without cross-origin isolation. Each pass of an engine runs
// every configuration it supports (kernels simd / relaxed-simd, 1 and 2
// threads) with a self-check hash per workload; passes alternate between
// engines (the order reversed every round: these machines drift). A result
// whose hash differs from its class's (plain SIMD: every engine; relaxed
// SIMD: engines whose multiply-add rounds alike) is marked invalid, not fast.
// Writes bench/results/engines.json, engines.html (SVG charts) and engines.md
// (a README table: plain SIMD on 1 thread, and the best valid configuration), prints a table.
//
//   node bench/engines.mjs [--size full|smoke] [--reps N] [--engines node,deno,bun,chromium,...] [--out DIR]
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BROWSERS, installed } from '../test/engines/browsers.mjs';
import { servePage } from '../test/engines/server.mjs';
import { stubNodeBuiltins } from '../scripts/node-stub.mjs';
import { workloads } from './engines/workloads.mjs';
import { median } from './lib/timing.mjs';
import { reportHtml } from './engines/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const PROCESS_ENGINES = {
  node: [process.execPath],
  deno: [join(root, 'node_modules/.bin/deno'), 'run', '--no-prompt'],
  bun: [join(root, 'node_modules/@oven/bun-linux-x64/bin/bun')],
};

/** The engines available here: [{ label, kind, name, isolated? }]; missing ones are listed with why. */
async function availableEngines(wanted) {
  const list = [], missing = [];
  for (const [name, [exe]] of Object.entries(PROCESS_ENGINES)) {
    if (!wanted(name)) continue;
    if (existsSync(exe)) list.push({ label: name, kind: 'process', name });
    else missing.push(`${name}: ${exe} missing (npm ci)`);
  }
  for (const [name, b] of Object.entries(BROWSERS)) {
    if (!wanted(name)) continue;
    if (!b.exe) missing.push(`${name}: not installed (${b.missing})`);
    else if (!(await installed(b.driver))) missing.push(`${name}: npm package ${b.driver} missing (npm ci)`);
    else for (const isolated of [true, false]) list.push({ label: `${name}${isolated ? ' (isolated)' : ''}`, kind: 'browser', name, isolated });
  }
  return { list, missing };
}

/** Runs one pass of one engine; resolves to its SIMDGRAD-BENCH result (or throws with the engine's output). */
async function pass(engine, { size, pageDir, log }) {
  if (engine.kind === 'process') {
    const [exe, ...pre] = PROCESS_ENGINES[engine.name];
    const text = await new Promise((resolve) => {
      const p = spawn(exe, [...pre, join(root, 'bench/engines/entry.mjs'), `--size=${size}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      p.stdout.on('data', (d) => { out += d; for (const l of String(d).split('\n')) if (l.startsWith('progress ')) log(l.slice(9)); });
      p.stderr.on('data', (d) => (out += d));
      p.on('close', () => resolve(out));
    });
    return parse(engine, text);
  }
  const b = BROWSERS[engine.name];
  let text = '', finish;
  const done = new Promise((r) => (finish = r));
  const server = await servePage(pageDir, {
    isolated: engine.isolated,
    onLine: (l) => {
      if (l.startsWith('progress ')) log(l.slice(9));
      else text += l + '\n';
      if (l.startsWith('SIMDGRAD-BENCH') || l.startsWith('pageerror:')) finish();
    },
  });
  let close = async () => {};
  try {
    close = await b.open(`${server.url}?size=${size}`);
    await done;
  } finally {
    await close().catch(() => {});
    await server.close();
  }
  const r = parse(engine, text);
  r.engine.version = b.versionText ?? r.engine.version;
  return r;
}

function parse(engine, text) {
  const line = text.split('\n').find((l) => l.startsWith('SIMDGRAD-BENCH '));
  if (!line) throw new Error(`${engine.label}: no result line:\n${text.split('\n').slice(-15).join('\n')}`);
  return JSON.parse(line.slice('SIMDGRAD-BENCH '.length));
}

/** The bench page for browsers: the entry bundled (no node: import), the console relay, an index.html. */
async function buildPage(dir) {
  mkdirSync(dir, { recursive: true });
  await build({ entryPoints: [join(root, 'bench/engines/entry.mjs')], outfile: join(dir, 'bench.bundle.mjs'), bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'warning', plugins: [stubNodeBuiltins('the engine benchmark page')] });
  copyFileSync(join(root, 'test/engines/relay.mjs'), join(dir, 'relay.mjs'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>simdgrad engine benchmark</title><script type="module" src="relay.mjs"></script><script type="module" src="bench.bundle.mjs"></script>');
}


/**
 * Turns passes into rows: per engine × workload × kernels × threads, the
 * median over passes of each pass's median, the spread ((max - min) / median),
 * the figure, the hash and whether it is valid for its class, and the ratio
 * to Node's plain SIMD on one thread.
 */
export function summarise(passes, size) {
  const defs = Object.fromEntries(workloads(size).map((w) => [w.id, w]));
  const groups = new Map();
  for (const { engine, result } of passes) {
    for (const r of result.results) {
      const key = `${engine.label}|${r.workload}|${r.kernels}|${r.threads}`;
      const g = groups.get(key) ?? { engine: engine.label, fma: result.engine.fma, workload: r.workload, kernels: r.kernels, threads: r.threads, ms: [], hashes: new Set() };
      g.ms.push(r.ms);
      g.hashes.add(r.hash);
      groups.set(key, g);
    }
  }
  const rows = [...groups.values()].map((g) => {
    const ms = median(g.ms);
    const cls = g.kernels === 'simd' ? 'simd' : g.fma ? 'relaxed-simd, fused' : 'relaxed-simd, unfused';
    return { engine: g.engine, workload: g.workload, kernels: g.kernels, threads: g.threads, hashClass: cls, ms, spread: g.ms.length > 1 ? (Math.max(...g.ms) - Math.min(...g.ms)) / ms : 0, passes: g.ms.length, figure: defs[g.workload].figure(ms), unit: defs[g.workload].unit, hash: [...g.hashes].join('/'), consistent: g.hashes.size === 1 };
  });
  // the expected hash of each workload and class: the one most results give (Node's, for plain SIMD, when Node ran)
  for (const row of rows) {
    const peers = rows.filter((r) => r.workload === row.workload && r.hashClass === row.hashClass && r.consistent);
    const node = peers.find((r) => r.engine === 'node' && r.threads === 1);
    const counts = new Map();
    for (const p of peers) counts.set(p.hash, (counts.get(p.hash) ?? 0) + 1);
    const expected = node && row.hashClass === 'simd' ? node.hash : [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    row.expectedHash = expected;
    // passes of one engine that disagree with each other are invalid whatever the others say
    row.valid = row.consistent && row.hash === expected;
  }
  for (const row of rows) {
    const base = rows.find((r) => r.engine === 'node' && r.workload === row.workload && r.kernels === 'simd' && r.threads === 1);
    row.ratioToNodeSimd = base ? (defs[row.workload].lowerIsBetter ? base.ms / row.ms : row.figure / base.figure) : null;
  }
  return rows;
}

function table(rows, defs) {
  const lines = [];
  for (const w of defs) {
    lines.push(`\n${w.label} (${w.unit}, ${w.lowerIsBetter ? 'lower' : 'higher'} is better; ratio: speed relative to Node, plain SIMD, 1 thread)`);
    for (const r of rows.filter((r) => r.workload === w.id)) {
      const fig = r.figure >= 100 ? r.figure.toFixed(0) : r.figure >= 10 ? r.figure.toFixed(1) : r.figure.toFixed(2);
      lines.push(`  ${r.engine.padEnd(22)} ${r.kernels.padEnd(13)} ${String(r.threads).padStart(1)}t ${fig.padStart(9)} ±${(100 * r.spread).toFixed(0).padStart(3)}%  ${r.ratioToNodeSimd === null ? '' : r.ratioToNodeSimd.toFixed(2) + 'x'}  ${r.hash}${r.valid ? '' : `  INVALID (expected ${r.expectedHash})`}`);
    }
  }
  return lines.join('\n');
}

/** A Markdown table for the README: per workload and engine, plain SIMD on 1 thread and the best valid configuration. */
export function markdown(report) {
  const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const head = `| workload (unit) | ${report.engines.map((e) => e.label).join(' | ')} |\n| --- |${report.engines.map(() => ' --- |').join('')}`;
  const lines = report.workloads.map((w) => {
    const cells = report.engines.map((e) => {
      const mine = report.rows.filter((r) => r.engine === e.label && r.workload === w.id && r.valid);
      const plain = mine.find((r) => r.kernels === 'simd' && r.threads === 1);
      const best = [...mine].sort((a, b) => (w.lowerIsBetter ? a.figure - b.figure : b.figure - a.figure))[0];
      if (!best) return 'invalid';
      const tag = `${best.kernels === 'simd' ? '' : 'relaxed, '}${best.threads}t`;
      return `${plain ? fmt(plain.figure) : '–'}${best !== plain ? ` (${fmt(best.figure)} ${tag})` : ''}`;
    });
    return `| ${w.label} (${w.unit}) | ${cells.join(' | ')} |`;
  });
  return `${head}\n${lines.join('\n')}\n`;
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
  const size = opt('size', 'full');
  const reps = Number(opt('reps', size === 'smoke' ? 1 : 3));
  const only = opt('engines', null)?.split(',');
  const out = opt('out', join(root, 'bench/results'));
  const wanted = (name) => !only || only.includes(name);
  const { list, missing } = await availableEngines(wanted);
  for (const m of missing) console.log(`skipped ${m}`);
  if (list.length === 0) throw new Error('bench:engines: no engine to run');
  const pageDir = join(out, 'engines-page');
  await buildPage(pageDir);
  const passes = [];
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 ? [...list].reverse() : list;
    for (const engine of order) {
      const started = Date.now();
      const result = await pass(engine, { size, pageDir, log: (t) => process.stdout.write(`\r  ${engine.label}: ${t}`.padEnd(70).slice(0, 78)) });
      process.stdout.write('\r'.padEnd(79) + '\r');
      passes.push({ engine, result });
      console.log(`pass ${rep + 1}/${reps}: ${engine.label} (${result.engine.version}) ${((Date.now() - started) / 1000).toFixed(0)} s, ${result.results.length} results`);
    }
  }
  const rows = summarise(passes, size);
  const defs = workloads(size);
  const engines = list.map((e) => {
    const r = passes.find((p) => p.engine === e).result;
    return { label: e.label, version: r.engine.version, fma: r.engine.fma, threads: r.configs.threads, kernels: r.configs.kernels, threadsReason: r.engine.threadsReason, isolated: e.isolated ?? null };
  });
  const report = {
    date: new Date().toISOString(), size, reps,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, os: `${platform()} ${release()}` },
    engines, workloads: defs.map(({ id, label, unit, lowerIsBetter }) => ({ id, label, unit, lowerIsBetter })), rows,
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'engines.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(out, 'engines.html'), reportHtml(report));
  writeFileSync(join(out, 'engines.md'), markdown(report));
  console.log(table(rows, defs));
  console.log(`\n${report.machine.cpu}, ${report.machine.cores} cores; ${engines.map((e) => `${e.label}: ${e.version}`).join('; ')}`);
  const invalid = rows.filter((r) => !r.valid);
  console.log(`\nwrote ${join(out, 'engines.json')} and engines.html; ${rows.length} results, ${invalid.length} invalid`);
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
  process.exit(0);
}
