// The engine benchmark's entry in every engine: Node, Deno and Bun run this
// file (`--size=smoke|full`), browsers a bundle of it (`?size=`). It prints
// progress lines and one result line, SIMDGRAD-BENCH {json}.
import * as sg from '../../dist/index.js';
import { measure } from './measure.mjs';

const inPage = typeof document !== 'undefined';
const args = globalThis.Deno ? globalThis.Deno.args : inPage ? [] : globalThis.process.argv.slice(2);
const query = inPage ? new URLSearchParams(location.search) : new URLSearchParams(args.map((a) => a.replace(/^--/, '')).join('&'));
const size = query.get('size') ?? 'full';
/** The smoke size times one short batch: it checks the harness, not the speed. */
const timing = size === 'smoke' ? { warmupMs: 10, samples: 1, sampleMs: 5 } : {};
const result = await measure(sg, { size, ...timing, onProgress: (t) => console.log(`progress ${t}`) });
console.log('SIMDGRAD-BENCH ' + JSON.stringify(result));
// the idle workers never hold a process, but say so plainly
if (!inPage) globalThis.process?.exit?.(0);
