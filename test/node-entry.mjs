// Node: every shared suite (test/suites) and every Node-only suite (test/node).
import { readdirSync } from 'node:fs';
import { runSuites } from './entry.mjs';

const only = process.argv[2];
const list = [];
for (const dir of ['suites', 'node']) {
  for (const f of readdirSync(new URL(dir, import.meta.url)).filter((f) => f.endsWith('.test.mjs')).sort()) {
    if (only && !f.includes(only)) continue;
    list.push([`${dir}/${f}`, () => import(new URL(`${dir}/${f}`, import.meta.url))]);
  }
}
const r = await runSuites(list);
// exit now (stdout to a pipe or file is synchronous on Linux): a lingering handle must not hold the run
process.exit(r.failed > 0 ? 1 : 0);
