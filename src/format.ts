/**
 * Printing like PyTorch: `tensor([[1.0000, 2.0000], ...], requiresGrad=true)`.
 * Integral values print as `1.`, others with 4 decimals, scientific notation
 * when the magnitudes span too widely; big tensors are summarised with `...`
 * (3 items at each edge of a dim over 1000 elements, as PyTorch does).
 */
const EDGE = 3;
const THRESHOLD = 1000;

export function formatTensor(data: Float32Array, shape: readonly number[], gradFn: string | null, requiresGrad: boolean): string {
  const summarise = data.length > THRESHOLD;
  const finite = Array.from(data).filter((v) => Number.isFinite(v));
  const ints = finite.every((v) => Number.isInteger(v));
  const absNonZero = finite.map(Math.abs).filter((v) => v > 0);
  const maxAbs = absNonZero.length ? Math.max(...absNonZero) : 0;
  const minAbs = absNonZero.length ? Math.min(...absNonZero) : 0;
  const sci = !ints && absNonZero.length > 0 && (maxAbs / minAbs > 1000 || maxAbs >= 1e8 || minAbs < 1e-4);
  const one = (v: number): string => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (ints) return sci ? v.toExponential(4) : `${v}.`;
    return sci ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : v.toFixed(4);
  };
  const width = Math.max(1, ...Array.from(data, (v) => one(v).length));
  const cell = (v: number) => one(v).padStart(width);
  const strides: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { strides[i] = acc; acc *= shape[i]; }
  const indent = 'tensor('.length;
  const build = (dim: number, at: number): string => {
    if (dim === shape.length) return cell(data[at]);
    const n = shape[dim];
    const idx = summarise && n > 2 * EDGE ? [...range(EDGE), -1, ...range(EDGE).map((i) => n - EDGE + i)] : range(n);
    const parts = idx.map((i) => (i < 0 ? '...' : build(dim + 1, at + i * strides[dim])));
    if (dim === shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(shape.length - dim - 1) + ' '.repeat(indent + dim + 1);
    return `[${parts.join(sep)}]`;
  };
  let body = shape.length === 0 ? one(data[0]) : build(0, 0);
  if (data.length === 0) body = '[]';
  const extra = [];
  if (data.length === 0 && shape.length > 1) extra.push(`size=(${shape.join(', ')})`);
  if (gradFn !== null) extra.push(`gradFn=<${gradFn}>`);
  else if (requiresGrad) extra.push('requiresGrad=true');
  return `tensor(${body}${extra.map((e) => ', ' + e).join('')})`;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
