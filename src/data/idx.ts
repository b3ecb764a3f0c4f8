/**
 * The IDX file format (MNIST, Fashion-MNIST), raw or gzip-compressed.
 *
 *   bytes 0-1  zero
 *   byte  2    element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
 *              0x0D float32, 0x0E float64 (multi-byte values big-endian)
 *   byte  3    number of dimensions D (1..255)
 *   4 bytes    each dimension size, big-endian uint32, D times
 *   data       prod(dims) elements, row-major
 *
 * Everything is validated before the data buffer is allocated: the buffer is
 * sized from the header only after the header's claim is checked against the
 * file's length (for gzip, against the most a deflate stream of that length
 * can expand to), so a corrupt header cannot make the reader allocate more
 * than the file could hold.
 */
import { gunzipChunks, isGzip } from './gzip';

/**
 * The element type named by an IDX header.
 * @example encodeIdx({ dtype: 'uint8', shape: [2], data: new Uint8Array([1, 2]) })
 */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
/** The typed array holding an IdxArray's values, matching its dtype. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/**
 * An array read from or written to an IDX file (the MNIST format): dtype, shape and row-major data.
 * @example const { shape, data } = await data.readIdx(bytes)   // shape [60000, 28, 28] for MNIST images
 */
export interface IdxArray {
  /** Element type. */
  dtype: IdxDtype;
  /** Size of each dim. */
  shape: number[];
  /** The values, row-major; length = product of shape. */
  data: IdxData;
}

const TYPES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

/** Deflate expands at most about 1032:1; a header claiming more than this is corrupt. */
const MAX_DEFLATE_RATIO = 1032;

interface Header {
  dtype: IdxDtype;
  elementBytes: number;
  shape: number[];
  headerBytes: number;
  dataBytes: number;
}

/** The header's length once its first 4 bytes are known. */
function headerLength(bytes: Uint8Array, what: string): number {
  if (bytes[0] !== 0 || bytes[1] !== 0 || TYPES[bytes[2]] === undefined || bytes[3] === 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${what}: not an IDX file (magic bytes ${magic}; expected 00 00 <type 08/09/0b/0c/0d/0e> <ndim >= 1>)`);
  }
  return 4 + 4 * bytes[3];
}

/** Parses and checks the header (`bytes` holds at least headerLength bytes). */
function parseHeader(bytes: Uint8Array, what: string): Header {
  const headerBytes = headerLength(bytes, what);
  const { dtype, bytes: elementBytes } = TYPES[bytes[2]];
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < bytes[3]; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    shape.push(size);
    count *= size;
  }
  return { dtype, elementBytes, shape, headerBytes, dataBytes: count * elementBytes };
}

function describe(h: Header): string {
  return `${h.dtype} [${h.shape.join(',')}]`;
}

/** A typed array of the header's dtype over native-endian data copied from big-endian `src`. */
function decode(h: Header, src: Uint8Array): IdxData {
  const n = h.dataBytes / h.elementBytes;
  if (h.dtype === 'uint8') return src;
  if (h.dtype === 'int8') return new Int8Array(src.buffer, src.byteOffset, n);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  // file parsing, not tensor arithmetic: byte order must be swapped per value
  switch (h.dtype) {
    case 'int16': return Int16Array.from({ length: n }, (_, i) => view.getInt16(2 * i, false));
    case 'int32': return Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, false));
    case 'float32': return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, false));
    default: return Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, false));
  }
}

/** Parses an uncompressed IDX file; the data is copied out of `bytes`. */
export function parseIdx(bytes: Uint8Array, what = 'IDX file'): IdxArray {
  if (bytes.length < 4) throw new Error(`${what}: too short for an IDX header (${bytes.length} bytes)`);
  const need = headerLength(bytes, what);
  if (bytes.length < need) throw new Error(`${what}: truncated header (${bytes.length} of ${need} bytes)`);
  const h = parseHeader(bytes, what);
  const have = bytes.length - h.headerBytes;
  if (have !== h.dataBytes) {
    throw new Error(`${what}: header says ${describe(h)} = ${h.dataBytes} data bytes but the file has ${have} (${have < h.dataBytes ? 'truncated' : 'trailing bytes'})`);
  }
  const data = bytes.slice(h.headerBytes);
  return { dtype: h.dtype, shape: h.shape, data: decode(h, data) };
}

/**
 * Reads an IDX file given as bytes, gunzipping it first when it starts with
 * the gzip magic. The decompressed stream is consumed chunk by chunk and the
 * data buffer allocated once, at the size the (checked) header claims.
 */
export async function readIdx(input: Uint8Array | ArrayBuffer, what = 'IDX file'): Promise<IdxArray> {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (!isGzip(bytes)) return parseIdx(bytes, what);
  const limit = bytes.length * MAX_DEFLATE_RATIO;
  let head = new Uint8Array(0);
  let header: Header | null = null;
  let data: Uint8Array | null = null;
  let filled = 0;
  let overflow = false;
  const take = (chunk: Uint8Array): boolean => {
    if (header === null) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      head = joined;
      if (head.length < 4 || head.length < headerLength(head, what)) {
        if (head.length > 4 + 4 * 255) throw new Error(`${what}: corrupt header`);
        return true;
      }
      header = parseHeader(head, what);
      if (header.headerBytes + header.dataBytes > limit) {
        throw new Error(`${what}: header says ${describe(header)} = ${header.dataBytes} data bytes, more than a ${bytes.length}-byte gzip file can hold`);
      }
      data = new Uint8Array(header.dataBytes);
      chunk = head.subarray(header.headerBytes);
    }
    if (filled + chunk.length > data!.length) {
      overflow = true;
      return false;
    }
    data!.set(chunk, filled);
    filled += chunk.length;
    return true;
  };
  await gunzipChunks(bytes, take, what);
  if (header === null) {
    if (head.length < 4) throw new Error(`${what}: too short for an IDX header (${head.length} bytes after gunzip)`);
    throw new Error(`${what}: truncated header (${head.length} of ${headerLength(head, what)} bytes after gunzip)`);
  }
  const h = header as Header;
  if (overflow) throw new Error(`${what}: header says ${describe(h)} = ${h.dataBytes} data bytes but the file has more (trailing bytes)`);
  if (filled !== h.dataBytes) {
    throw new Error(`${what}: header says ${describe(h)} = ${h.dataBytes} data bytes but the file has ${filled} (truncated)`);
  }
  return { dtype: h.dtype, shape: h.shape, data: decode(h, data!) };
}

/** Encodes an array as an uncompressed IDX file (the inverse of parseIdx). */
export function encodeIdx(arr: IdxArray): Uint8Array {
  const code = Number(Object.keys(TYPES).find((k) => TYPES[Number(k)].dtype === arr.dtype));
  const el = TYPES[code].bytes;
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (count !== arr.data.length) throw new Error(`encodeIdx: shape [${arr.shape.join(',')}] needs ${count} values, got ${arr.data.length}`);
  const out = new Uint8Array(4 + 4 * arr.shape.length + count * el);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = arr.shape.length;
  arr.shape.forEach((s, d) => view.setUint32(4 + 4 * d, s, false));
  const at = 4 + 4 * arr.shape.length;
  if (el === 1) {
    out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, count), at);
  } else {
    const set = { int16: view.setInt16, int32: view.setInt32, float32: view.setFloat32, float64: view.setFloat64 }[arr.dtype as 'int16'];
    for (let i = 0; i < count; i++) set.call(view, at + i * el, arr.data[i], false);
  }
  return out;
}
