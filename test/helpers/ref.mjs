// A small float64 n-d array library for test references: plain JavaScript,
// written for clarity, not speed. Arrays are { shape, data: Float64Array }.

export const numel = (shape) => shape.reduce((a, b) => a * b, 1);
export const nd = (shape, data) => ({ shape: [...shape], data: data instanceof Float64Array ? data : Float64Array.from(data ?? new Array(numel(shape)).fill(0)) });
export const stridesOf = (shape) => {
  const s = new Array(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
};

/** Multi-index of flat position i in shape. */
export function unravel(i, shape) {
  const idx = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]; i = Math.floor(i / shape[d]); }
  return idx;
}

export function broadcastShape(a, b) {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[i - (n - a.length)] ?? 1, db = b[i - (n - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`ref: cannot broadcast ${a} and ${b}`);
    return da === 1 ? db : da;
  });
}

/** Value of `a` at the multi-index of a broadcast output. */
export function at(a, outIdx) {
  const off = outIdx.length - a.shape.length;
  let p = 0, stride = 1;
  for (let d = a.shape.length - 1; d >= 0; d--) {
    const i = a.shape[d] === 1 ? 0 : outIdx[d + off];
    p += i * stride;
    stride *= a.shape[d];
  }
  return a.data[p];
}

export const map = (a, f) => nd(a.shape, a.data.map(f));

/** Elementwise f over broadcast operands. */
export function zip(f, ...arrays) {
  let shape = [];
  for (const a of arrays) shape = broadcastShape(shape, a.shape);
  const out = new Float64Array(numel(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = f(...arrays.map((a) => at(a, idx)));
  }
  return nd(shape, out);
}

/** Reduce over dims (all when undefined) with f(acc, v) from init; keepdim like PyTorch. */
export function reduce(a, dims, keepdim, f, init) {
  const rank = a.shape.length;
  const ds = dims === undefined ? a.shape.map((_, i) => i) : (Array.isArray(dims) ? dims : [dims]).map((d) => (d < 0 ? d + rank : d));
  const keepShape = a.shape.map((s, i) => (ds.includes(i) ? 1 : s));
  const out = new Float64Array(numel(keepShape)).fill(init);
  const ks = stridesOf(keepShape);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    let p = 0;
    idx.forEach((v, d) => { if (!ds.includes(d)) p += v * ks[d]; });
    out[p] = f(out[p], a.data[i]);
  }
  const shape = keepdim ? keepShape : a.shape.filter((_, i) => !ds.includes(i));
  return nd(shape, out);
}

export const sum = (a, dims, keepdim = false) => reduce(a, dims, keepdim, (x, y) => x + y, 0);
export const max = (a, dims, keepdim = false) => reduce(a, dims, keepdim, (x, y) => Math.max(x, y), -Infinity);
export const min = (a, dims, keepdim = false) => reduce(a, dims, keepdim, (x, y) => Math.min(x, y), Infinity);

/** Permuted copy. */
export function permute(a, perm) {
  const shape = perm.map((p) => a.shape[p]);
  const st = stridesOf(a.shape);
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let p = 0;
    idx.forEach((v, d) => (p += v * st[perm[d]]));
    out[i] = a.data[p];
  }
  return nd(shape, out);
}

/** Batched matrix product of rank >= 2 arrays with broadcast batch dims. */
export function matmul(a, b) {
  const n = a.shape.at(-2), k = a.shape.at(-1), m = b.shape.at(-1);
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = new Float64Array(numel(batch) * n * m);
  for (let bi = 0; bi < numel(batch); bi++) {
    const bidx = unravel(bi, batch);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += at(a, [...bidx, i, q]) * at(b, [...bidx, q, j]);
      out[(bi * n + i) * m + j] = s;
    }
  }
  return nd([...batch, n, m], out);
}

export const reshape = (a, shape) => nd(shape, a.data);
