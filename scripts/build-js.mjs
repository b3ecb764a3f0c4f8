// Bundles src/ into dist/index.js (ESM, kernel bytes embedded by esbuild's
// binary loader) and writes the .d.ts files with tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';



await build({
  entryPoints: { index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
console.log('dist/index.js built');
