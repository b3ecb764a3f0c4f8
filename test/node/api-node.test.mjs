// Node only: console.log(tensor) shows the values, and the published types
// (dist/types) hide the engine's internals.
import * as assert from 'uvu/assert';
import { inspect } from 'node:util';
import { readFileSync } from 'node:fs';
import { suite, sg } from '../helpers/harness.mjs';

const test = suite('api (Node)');

test('console.log(tensor) prints the values, as toString() does', () => {
  const t = sg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  assert.is(inspect(t), t.toString());
  assert.match(inspect({ weight: t }), /1.*2.*3.*4/s);
  assert.not.match(inspect(t), /storage|strides/);
});

test('the public .d.ts leaves out the internals', () => {
  const tensorTypes = readFileSync(new URL('../../dist/types/tensor.d.ts', import.meta.url), 'utf8');
  for (const name of ['get ptr()', 'readonly storage', 'attachNode(', 'keep()', 'joinSafetyNet(', 'viewOf(', 'assertAlive(']) {
    assert.not.ok(tensorTypes.includes(name), `tensor.d.ts exposes ${name}`);
  }
  for (const name of ['backward(', 'detach()', 'toArray()', 'sum(', 'clamp(']) assert.ok(tensorTypes.includes(name), `tensor.d.ts lacks ${name}`);
  const indexTypes = readFileSync(new URL('../../dist/types/index.d.ts', import.meta.url), 'utf8');
  assert.not.match(indexTypes, /parallelFor/);
});

test.run();
