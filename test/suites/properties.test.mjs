// Property tests: random shapes (including 0-size, size-1 and broadcast dims)
// and random non-contiguous views, seeded; a failure names its seed.
// Forward values and gradients on contiguous inputs are checked against the
// float64 reference; every op on a strided view must equal the same op on a
// contiguous copy of it, values and gradients alike.
import { suite, sg, rng, assertClose } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('properties');

const SIZES = [0, 1, 1, 2, 3, 5];
/** Rank up to maxRank, at most ~100 elements so float64 finite differences stay quick. */
const randShape = (r, maxRank = 4) => {
  const s = Array.from({ length: r.int(maxRank + 1) }, () => SIZES[r.int(SIZES.length)]);
  while (s.reduce((a, b) => a * b, 1) > 100) s[s.indexOf(Math.max(...s))] = 2;
  return s;
};
/** A shape that broadcasts with `s`: some dims dropped from the front, some set to 1. */
const broadcastPartner = (r, s) => s.slice(r.int(s.length + 1)).map((d) => (r.next() < 0.3 ? 1 : d));

const unaryOps = [
  ['exp', (x) => x.exp(), Math.exp],
  ['tanh', (x) => x.tanh(), Math.tanh],
  ['sigmoid', (x) => x.sigmoid(), (v) => 1 / (1 + Math.exp(-v))],
  ['relu', (x) => x.relu(), (v) => Math.max(0, v)],
  ['square', (x) => x.pow(2), (v) => v * v],
  ['abs', (x) => x.abs(), Math.abs],
];
const binaryOps = [
  ['add', sg.add, (a, b) => a + b],
  ['sub', sg.sub, (a, b) => a - b],
  ['mul', sg.mul, (a, b) => a * b],
  ['maximum', sg.maximum, Math.max],
];

const CASES = 60;

test(`unary and binary ops on ${CASES} random broadcast shapes match float64 in value and gradient`, () => {
  for (let c = 0; c < CASES; c++) {
    const seed = 1000 + c;
    const r = rng(seed);
    const sa = randShape(r);
    const sb = broadcastPartner(r, sa);
    try {
      sg.scope(() => {
        const [, uf, uref] = unaryOps[r.int(unaryOps.length)];
        const [, bf, bref] = binaryOps[r.int(binaryOps.length)];
        gradcheck({ inputs: [{ shape: sa }], fn: uf, ref: (a) => R.map(a, uref), seed });
        gradcheck({ inputs: [{ shape: sa }, { shape: sb }], fn: bf, ref: (a, b) => R.zip(bref, a, b), seed });
      });
    } catch (e) {
      throw new Error(`seed ${seed} shapes ${JSON.stringify(sa)} ${JSON.stringify(sb)}: ${e.message}`);
    }
  }
});

test(`reductions over random dims of ${CASES} random shapes match float64`, () => {
  for (let c = 0; c < CASES; c++) {
    const seed = 2000 + c;
    const r = rng(seed);
    const shape = randShape(r).map((d) => Math.max(d, 1));
    const dims = shape.map((_, i) => i).filter(() => r.next() < 0.5);
    const keepdim = r.next() < 0.5;
    try {
      sg.scope(() => {
        gradcheck({ inputs: [{ shape }], fn: (x) => x.sum(dims, keepdim), ref: (a) => R.sum(a, dims, keepdim), seed });
        gradcheck({ inputs: [{ shape }], fn: (x) => x.amax(dims, keepdim), ref: (a) => R.max(a, dims, keepdim), seed });
      });
    } catch (e) {
      throw new Error(`seed ${seed} shape ${JSON.stringify(shape)} dims ${JSON.stringify(dims)} keepdim ${keepdim}: ${e.message}`);
    }
  }
});

/** A random non-contiguous view of a fresh tensor: permuted, stepped slices, expanded size-1 dims. */
function randomView(r, base) {
  let v = base;
  if (v.ndim >= 2) {
    const perm = v.shape.map((_, i) => i).sort(() => r.next() - 0.5);
    v = v.permute(perm);
  }
  for (let d = 0; d < v.ndim; d++) {
    if (v.shape[d] >= 3 && r.next() < 0.5) v = v.slice(d, r.int(2), undefined, 1 + r.int(2));
    else if (v.shape[d] === 1 && r.next() < 0.5) v = v.expand(...v.shape.map((s, i) => (i === d ? 3 : s)));
  }
  return v;
}

const viewOps = [
  ['tanh', (x) => x.tanh()],
  ['mul self', (x) => x.mul(x)],
  ['add row', (x) => x.add(x.ndim ? x.select(0, 0) : x)],
  ['sum last', (x) => x.sum(x.ndim ? -1 : undefined)],
  ['softmax', (x) => (x.ndim ? x.softmax(-1) : x.exp())],
  ['logSoftmax first', (x) => (x.ndim ? x.logSoftmax(0) : x.exp())],
  ['max first', (x) => (x.ndim ? x.max(0).values : x)],
  ['reshape', (x) => x.reshape(-1)],
  ['matmul t', (x) => (x.ndim === 2 ? x.matmul(x.t()) : x.mul(2))],
];

test(`ops on ${CASES} random strided views equal the same ops on contiguous copies`, () => {
  for (let c = 0; c < CASES; c++) {
    const seed = 3000 + c;
    const r = rng(seed);
    const shape = randShape(r, 4).map((d) => (d === 0 ? 2 : d));
    const [name, f] = viewOps[r.int(viewOps.length)];
    try {
      sg.scope(() => {
        const data = Float32Array.from(r.array(shape.reduce((a, b) => a * b, 1)));
        const a = sg.tensor(data, { shape, requiresGrad: true });
        const b = sg.tensor(data, { shape, requiresGrad: true });
        const va = randomView(rng(seed), a);
        const vb = randomView(rng(seed), b).contiguous();
        const ya = f(va), yb = f(vb);
        assertClose(ya.toArray(), yb.toArray(), { atol: 1e-6, rtol: 1e-5, what: `${name} forward` });
        if (ya.numel() > 0) {
          const w = sg.tensor(Float32Array.from(r.array(ya.numel())), { shape: [...ya.shape] });
          ya.mul(w).sum().backward();
          yb.mul(w).sum().backward();
          assertClose(a.grad.toArray(), b.grad.toArray(), { atol: 1e-5, rtol: 1e-4, what: `${name} gradient` });
        }
      });
    } catch (e) {
      throw new Error(`seed ${seed} op ${name} shape ${JSON.stringify(shape)}: ${e.message}`);
    }
  }
});

test.run();
