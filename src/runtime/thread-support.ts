/**
 * Whether this runtime can run kernels on several threads over one shared
 * memory, decided once at engine init (before the memory is created, since a
 * memory is shared or not for life): SharedArrayBuffer and workers must exist
 * and, in browsers, the page must be cross-origin isolated (COOP/COEP).
 *
 * For tests, `globalThis.SIMDGRAD_NO_SHARED_MEMORY = true` set before the
 * package loads forces the single-thread build, as if SharedArrayBuffer were
 * missing.
 */
export type ThreadHost = 'node' | 'web' | 'none';

export interface ThreadSupport {
  /** How workers are made: node:worker_threads (Node, Deno), Web Workers (browsers), or not at all. */
  host: ThreadHost;
  /** Why threads are unavailable ('' when they are available). */
  reason: string;
  /** Logical cores (the default thread count). */
  cores: number;
  /** node:worker_threads' Worker constructor under Node. */
  NodeWorker?: unknown;
}

type Global = {
  SIMDGRAD_NO_SHARED_MEMORY?: boolean;
  Deno?: unknown;
  process?: { versions?: { node?: string } };
  Worker?: unknown;
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  document?: unknown;
  importScripts?: unknown;
};

/** Probes the runtime (imports node:worker_threads and node:os under Node). */
export async function detectThreadSupport(): Promise<ThreadSupport> {
  const g = globalThis as Global;
  const webCores = Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
  if (g.SIMDGRAD_NO_SHARED_MEMORY === true) return { host: 'none', reason: 'no SharedArrayBuffer (forced by globalThis.SIMDGRAD_NO_SHARED_MEMORY)', cores: 1 };
  if (typeof SharedArrayBuffer !== 'function') {
    // browsers hide SharedArrayBuffer from pages that are not cross-origin isolated
    const why = g.crossOriginIsolated === false ? 'no SharedArrayBuffer: the page is not crossOriginIsolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)' : 'no SharedArrayBuffer in this runtime';
    return { host: 'none', reason: why, cores: 1 };
  }
  if (typeof Atomics !== 'object') return { host: 'none', reason: 'no Atomics in this runtime', cores: 1 };
  const isDeno = g.Deno !== undefined;
  const isNode = !isDeno && typeof g.process?.versions?.node === 'string';
  if (isNode || isDeno) {
    // Deno too: its node:worker_threads needs no permission and, unlike its
    // Web Workers, can unref() a worker so idle ones never keep the process alive
    try {
      const wt = await import('node:worker_threads');
      let cores = webCores;
      if (isNode) {
        const os = await import('node:os');
        cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
      }
      return { host: 'node', reason: '', cores: Math.max(1, cores), NodeWorker: wt.Worker };
    } catch {
      if (isNode) return { host: 'none', reason: 'node:worker_threads is unavailable', cores: 1 };
    }
  }
  if (typeof g.Worker !== 'function') return { host: 'none', reason: 'no Worker in this runtime', cores: webCores };
  // browsers (windows and workers) share memory only when cross-origin isolated; Deno needs no isolation
  const browser = g.Deno === undefined && (g.document !== undefined || typeof g.importScripts === 'function' || g.crossOriginIsolated !== undefined);
  if (browser && g.crossOriginIsolated !== true) {
    return { host: 'none', reason: 'not crossOriginIsolated (serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)', cores: webCores };
  }
  return { host: 'web', reason: '', cores: webCores };
}
