/**
 * A protocol-buffers writer: the wire format's three field kinds that ONNX
 * files need (https://protobuf.dev/programming-guides/encoding/):
 *   varint (wire type 0):           key = field << 3, then the value in 7-bit groups, low first;
 *                                   negative int64 values as their 64-bit two's complement (10 bytes);
 *   fixed32 (wire type 5):          a little-endian float;
 *   length-delimited (wire type 2): key, byte length as a varint, then the bytes
 *                                   (strings, bytes, nested messages, packed repeated numbers).
 *
 * A Message keeps its encoded pieces as a list of byte arrays, so nesting a
 * message (a tensor's megabytes of raw data inside a graph inside a model)
 * adds a header without copying; finish() concatenates once.
 *
 *   const m = new Message().varint(1, 8).string(2, 'simdgrad');
 *   const bytes = m.finish();
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const textEncoder = new TextEncoder();

/** The varint bytes of a non-negative integer below 2^53, or of a negative one as a 64-bit two's complement. */
function varintBytes(n: number): number[] {
  const out: number[] = [];
  if (n < 0) {
    let v = BigInt.asUintN(64, BigInt(n));
    while (v > 127n) {
      out.push(Number(v & 127n) | 128);
      v >>= 7n;
    }
    out.push(Number(v));
    return out;
  }
  while (n > 127) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** One protobuf message under construction. */
export class Message {
  private readonly parts: Uint8Array[] = [];
  private small: number[] = [];
  /** Encoded length in bytes so far. */
  length = 0;

  private push(bytes: number[]): void {
    for (const b of bytes) this.small.push(b);
    this.length += bytes.length;
  }

  private flushSmall(): void {
    if (this.small.length > 0) {
      this.parts.push(Uint8Array.from(this.small));
      this.small = [];
    }
  }

  private key(field: number, wire: number): void {
    this.push(varintBytes(field * 8 + wire));
  }

  /** An integer field (int32, int64, enum, bool as 0/1); negative values take 10 bytes. */
  varint(field: number, n: number): this {
    if (!Number.isSafeInteger(n)) throw new RangeError(`protobuf: field ${field}: ${n} is not a safe integer`);
    this.key(field, WIRE_VARINT);
    this.push(varintBytes(n));
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, x: number): this {
    this.key(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    this.push([...b]);
    return this;
  }

  /** A bytes field; the array is kept, not copied, until finish(). */
  bytes(field: number, data: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.push(varintBytes(data.length));
    this.flushSmall();
    this.parts.push(data);
    this.length += data.length;
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, s: string): this {
    return this.bytes(field, textEncoder.encode(s));
  }

  /** A nested message field; its pieces are shared, not copied. */
  message(field: number, m: Message): this {
    m.flushSmall();
    this.key(field, WIRE_LEN);
    this.push(varintBytes(m.length));
    this.flushSmall();
    for (const p of m.parts) this.parts.push(p);
    this.length += m.length;
    return this;
  }

  /** A packed repeated integer field (int64 / int32 values, negatives as 64-bit two's complement). */
  packedVarints(field: number, values: readonly number[]): this {
    const body: number[] = [];
    for (const v of values) {
      if (!Number.isSafeInteger(v)) throw new RangeError(`protobuf: field ${field}: ${v} is not a safe integer`);
      for (const b of varintBytes(v)) body.push(b);
    }
    return this.bytes(field, Uint8Array.from(body));
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    this.flushSmall();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
