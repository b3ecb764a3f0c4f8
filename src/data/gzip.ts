/**
 * Gzip detection and streaming decompression through the platform's
 * DecompressionStream (browsers, Deno, Node >= 18): no Node-only import, so
 * the same code runs everywhere the bundle loads.
 */

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Receives decompressed chunks in order; returning false stops the stream
 * early (the consumer has seen enough or found an error).
 */
export type ChunkSink = (chunk: Uint8Array) => boolean | void;

/** Feeds the gunzipped content of `bytes` to `sink`, chunk by chunk. */
export async function gunzipChunks(bytes: Uint8Array, sink: ChunkSink, what = 'gzip data'): Promise<void> {
  if (typeof DecompressionStream !== 'function') {
    throw new Error(`${what}: this runtime has no DecompressionStream; decompress the file first and pass the raw bytes`);
  }
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        throw new Error(`${what}: corrupt or truncated gzip stream (${(e as Error).message})`);
      }
      if (step.done) return;
      if (sink(step.value) === false) return;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** The whole gunzipped content (for small inputs; IDX files stream through readIdx instead). */
export async function gunzip(bytes: Uint8Array, what = 'gzip data'): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  await gunzipChunks(bytes, (c) => {
    parts.push(c);
    total += c.length;
  }, what);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
