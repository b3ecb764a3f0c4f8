// The validation layer at the public edge: PyTorch's positional order and the
// options form build the same thing; unknown / snake_case keys, wrong types,
// out-of-range values, too many or doubled arguments are refused with a
// message naming the module, the argument and the value; a refused call
// leaves the heap exactly as it was.
import * as assert from 'uvu/assert';
import { suite, sg } from '../helpers/harness.mjs';
import { refused } from '../helpers/refused.mjs';

const test = suite('validate');
const { nn } = sg;

test('Conv2d: PyTorch positional order equals the options form', () => {
  const a = new nn.Conv2d(3, 8, 3, 2, 1, 1, 1, false);
  const b = new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false });
  for (const m of [a, b]) {
    assert.equal(m.stride, [2, 2]);
    assert.equal(m.padding, [1, 1]);
    assert.is(m.bias, null);
  }
  const c = new nn.Conv2d(3, 8, [3, 5], 1, [0, 2]);
  assert.equal(c.padding, [0, 2]);
  c.dispose();
  a.dispose();
  b.dispose();
});

test('Conv2d: misuse refused with what, where and how to fix', () => {
  refused(() => new nn.Conv2d(3, 8, 3, { padding_mode: 'zeros' }), TypeError, /Conv2d/, /unknown option 'padding_mode'/);
  refused(() => new nn.Conv2d(3, 8, 3, { paddin: 1 }), TypeError, /did you mean 'padding'/);
  refused(() => new nn.Conv2d(3, 8, 3, { stride: '2' }), TypeError, /stride/, /'2' \(a string\)/);
  refused(() => new nn.Conv2d(3, 8, 3, { bias: 'false' }), TypeError, /bias must be a boolean/, /without quotes/);
  refused(() => new nn.Conv2d(3, 8, 3, 2, { stride: 2 }), TypeError, /stride was given twice/);
  refused(() => new nn.Conv2d(3, 8, 3, 1, 0, 1, 1, true, 'zeros'), TypeError, /takes 8 positional arguments/, /argument 9 is 'zeros'/);
  refused(() => new nn.Conv2d(3, 8), TypeError, /missing kernelSize/);
  refused(() => new nn.Conv2d(3, 8, 0), RangeError, /kernelSize must be an integer >= 1/);
  refused(() => new nn.Conv2d(3, 8, 3, { groups: 2 }), RangeError, /divisible by groups/);
  refused(() => new nn.Conv2d(3.5, 8, 3), TypeError, /inChannels must be an integer/, /3\.5 \(a number\)/);
});

test.run();
