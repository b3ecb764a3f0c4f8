// A refused call: the error's class, its message, and a heap left exactly as it was.
import * as assert from 'uvu/assert';
import { sg } from './harness.mjs';

/** Expects fn to throw `kind` with every pattern in the message, and bytes in use and live tensors to be unchanged. */
export function refused(fn, kind, ...patterns) {
  const before = sg.memory();
  let error = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected a ${kind.name}, but the call was accepted`);
  assert.instance(error, kind, `${error.constructor.name}: ${error.message}`);
  for (const p of patterns) assert.ok(p.test(error.message), `message '${error.message}' does not match ${p}`);
  const after = sg.memory();
  assert.is(after.bytesInUse, before.bytesInUse, `a refused call changed bytes in use (${error.message})`);
  assert.is(after.liveTensors, before.liveTensors, `a refused call changed live tensors (${error.message})`);
  return error;
}
