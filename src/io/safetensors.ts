/**
 * The safetensors format:
 *   8 bytes   N, the header length, unsigned little-endian
 *   N bytes   UTF-8 JSON: { "<key>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
 *             "__metadata__": {string: string} (optional) }, padded with spaces to a multiple of 8
 *   the rest  the tensors' bytes (little-endian); offsets are relative to its start, and
 *             the tensors tile it exactly: sorted, no gaps, no overlap, end = its length.
 * save() writes F32 with keys in PyTorch's spelling (toTorchKey); load() gives them back in ours
 * and reads every dtype in DTYPES as float32 (PyTorch writes a batch norm's num_batches_tracked
 * as I64; integers convert exactly up to 2^24, F64 rounds to nearest).
 * load() validates everything against the file's length before allocating, so a truncated or
 * lying file is a named error, never a crash or an allocation larger than the file.
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { noGrad } from '../autograd/graph';
import { tensor } from '../ops/create';
import { toTorchKey, fromTorchKey, type StateDict } from './keys';
import { boolean, invalid, isPlainObject, nullable, param, parseArgs, required, takesObject, type Check } from '../validate';

/** Larger headers are refused (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

/** An IEEE half (1 sign, 5 exponent, 10 mantissa bits) as a number: (-1)^s 2^(e-15) (1 + m/1024), subnormal 2^-14 m/1024. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** A bfloat16: the high 16 bits of a float32. */
function bf16ToFloat(h: number): number {
  bits[0] = h << 16;
  return asFloat[0];
}

type Reader = (v: DataView, at: number) => number;

/** The dtypes load() reads: bytes per element and the element at a byte offset as a number. */
const DTYPES: Record<string, [bytes: number, read: Reader]> = {
  F64: [8, (v, at) => v.getFloat64(at, true)],
  F32: [4, (v, at) => v.getFloat32(at, true)],
  F16: [2, (v, at) => halfToFloat(v.getUint16(at, true))],
  BF16: [2, (v, at) => bf16ToFloat(v.getUint16(at, true))],
  I64: [8, (v, at) => Number(v.getBigInt64(at, true))],
  I32: [4, (v, at) => v.getInt32(at, true)],
  I16: [2, (v, at) => v.getInt16(at, true)],
  I8: [1, (v, at) => v.getInt8(at)],
  U64: [8, (v, at) => Number(v.getBigUint64(at, true))],
  U32: [4, (v, at) => v.getUint32(at, true)],
  U16: [2, (v, at) => v.getUint16(at, true)],
  U8: [1, (v, at) => v.getUint8(at)],
  BOOL: [1, (v, at) => (v.getUint8(at) === 0 ? 0 : 1)],
};

export interface SaveOptions {
  /** String metadata stored under __metadata__. */
  metadata?: Record<string, string>;
  /** Keep the keys as given instead of mapping them to PyTorch's spelling. */
  rawKeys?: boolean;
}

/** String metadata: a plain object of strings. */
const metadataArg: Check<Record<string, string>> = (v, at) => {
  if (!isPlainObject(v)) throw invalid(at, 'an object of strings', v);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw invalid({ where: at.where, name: `metadata['${k}']` }, 'a string', x, 'safetensors metadata holds strings only; use String(value) or JSON.stringify');
  return v as Record<string, string>;
};

const stateDictArg: Check<StateDict> = takesObject((v, at) => {
  if (v instanceof Map || isPlainObject(v)) return v as StateDict;
  throw invalid(at, 'a state dict (a Map or an object of Tensors)', v, typeof (v as { stateDict?: unknown } | null)?.stateDict === 'function' ? 'pass model.stateDict()' : '');
});

const bytesArg: Check<Uint8Array> = (v, at) => {
  if (v instanceof Uint8Array) return v;
  throw invalid(at, 'a Uint8Array of safetensors bytes', v, v instanceof ArrayBuffer ? 'wrap it: new Uint8Array(buffer)' : '');
};

/**
 * Serialises a state dict (Map or record of tensors) into safetensors bytes,
 * keys in PyTorch's spelling (toTorchKey) unless rawKeys.
 * @example const bytes = save(model.stateDict(), { metadata: { epoch: '10' } })
 */
export function save(stateDict: StateDict, opts?: SaveOptions): Uint8Array {
  const { stateDict: sd, metadata, rawKeys } = parseArgs('save', [stateDict, opts], { stateDict: param(stateDictArg, required), metadata: param(nullable(metadataArg), null), rawKeys: param(boolean, false) }, 1);
  if (!littleEndian) throw new Error('save: big-endian hosts are not supported');
  const entries = [...(sd instanceof Map ? sd : Object.entries(sd))];
  const header: Record<string, unknown> = {};
  if (metadata !== null) header.__metadata__ = metadata;
  const datas: Float32Array[] = [];
  let offset = 0;
  for (const [key, t] of entries) {
    if (!(t instanceof Tensor)) throw new TypeError(`save: value of '${key}' is not a Tensor`);
    t.assertAlive('save');
    const name = rawKeys ? key : toTorchKey(key);
    if (name === '__metadata__' || name in header) throw new Error(`save: duplicate or reserved key '${name}'`);
    const data = t.toArray();
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + data.byteLength] };
    datas.push(data);
    offset += data.byteLength;
  }
  const json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad > 0) headerBytes = enc.encode(json + ' '.repeat(pad));
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const d of datas) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

export interface LoadResult {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

interface Entry {
  key: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

const fail = (msg: string): never => {
  throw new Error(`load: invalid safetensors file: ${msg}`);
};

/** Parses and validates the header; no tensor memory is allocated here. */
function parseHeader(bytes: Uint8Array): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('load: expected a Uint8Array');
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) fail(`header length ${n} exceeds the ${bytes.length - 8} bytes after the length field`);
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} exceeds the limit of ${MAX_HEADER} bytes`);
  const headerLen = Number(n);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail('the header does not start with "{"');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail('the header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [key, info] of Object.entries(parsed as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) fail('__metadata__ must be an object of strings');
      for (const [mk, mv] of Object.entries(info as Record<string, unknown>)) {
        if (typeof mv !== 'string') fail(`__metadata__ value of '${mk}' is not a string`);
        metadata[mk] = mv as string;
      }
      continue;
    }
    if (info === null || typeof info !== 'object') fail(`entry '${key}' is not an object`);
    const { dtype, shape, data_offsets: offs } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) fail(`tensor '${key}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPES).join(', ')}`);
    const size = DTYPES[dtype as string][0];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${key}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) fail(`tensor '${key}' has invalid data_offsets ${JSON.stringify(offs)}`);
    const [begin, end] = offs as number[];
    if (begin > end || end > dataLen) fail(`tensor '${key}' data_offsets [${begin}, ${end}] are out of range of the ${dataLen} data bytes`);
    let count = 1;
    for (const d of shape as number[]) count *= d;
    if (!Number.isSafeInteger(count * size) || count * size !== end - begin) {
      fail(`tensor '${key}' of shape ${fmtShape(shape as number[])} and dtype ${dtype} needs ${count * size} bytes but data_offsets span ${end - begin}`);
    }
    entries.push({ key, dtype: dtype as string, shape: shape as number[], begin, end });
  }
  // the tensors must tile the data section exactly
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin < at) fail(`tensor '${e.key}' overlaps another tensor's bytes (starts at ${e.begin}, previous ends at ${at})`);
    if (e.begin > at) fail(`a gap of ${e.begin - at} bytes before tensor '${e.key}' (the data must be covered exactly)`);
    at = e.end;
  }
  if (at !== dataLen) fail(`the tensors cover ${at} of the ${dataLen} data bytes`);
  return { entries, metadata, dataStart };
}

/**
 * Reads safetensors bytes into new tensors, keyed in our spelling (fromTorchKey)
 * unless rawKeys. The tensors belong to the caller (or the enclosing scope).
 */
export function loadWithMetadata(bytes: Uint8Array, opts?: { rawKeys?: boolean }): LoadResult {
  const { rawKeys } = parseArgs('load', [bytes, opts], { bytes: param(bytesArg, required), rawKeys: param(boolean, false) }, 1);
  if (!littleEndian) throw new Error('load: big-endian hosts are not supported');
  const { entries, metadata, dataStart } = parseHeader(bytes);
  const tensors = new Map<string, Tensor>();
  try {
    for (const e of entries) {
      tensors.set(rawKeys ? e.key : fromTorchKey(e.key), noGrad(() => tensor(elements(bytes, dataStart, e), { shape: e.shape })));
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

/** The elements of entry `e` as float32: a view of F32 bytes where aligned, else a converted copy. */
function elements(bytes: Uint8Array, dataStart: number, e: Entry): Float32Array {
  const start = bytes.byteOffset + dataStart + e.begin;
  if (e.dtype === 'F32' && start % 4 === 0) return new Float32Array(bytes.buffer, start, (e.end - e.begin) / 4);
  const [size, read] = DTYPES[e.dtype];
  const view = new DataView(bytes.buffer, start, e.end - e.begin);
  const out = new Float32Array((e.end - e.begin) / size);
  for (let i = 0; i < out.length; i++) out[i] = read(view, i * size);
  return out;
}

/**
 * Reads safetensors bytes into a Map of tensors (see loadWithMetadata).
 * @example model.loadStateDict(load(bytes))
 */
export function load(bytes: Uint8Array, opts?: { rawKeys?: boolean }): Map<string, Tensor> {
  return loadWithMetadata(bytes, opts).tensors;
}
