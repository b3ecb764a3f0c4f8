// Serves the built playground (web/dist/) on localhost. By default every
// response carries Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp, which make the page
// cross-origin isolated (SharedArrayBuffer, so the library may use threads);
// --no-isolation serves without them (single thread).
//
//   node scripts/serve-web.mjs [--port 8080] [--host 127.0.0.1] [--no-isolation] [--no-build]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WEB_OUT, buildWeb } from './build-web.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.gz': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Starts the server; resolves to { server, url, close() } once it listens (port 0: an ephemeral port). */
export async function serveWeb({ dir = WEB_OUT, port = 8080, host = '127.0.0.1', isolation = true } = {}) {
  const base = normalize(dir + sep);
  const server = createServer(async (req, res) => {
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (isolation) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400, headers).end();
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(base, path));
    if (!file.startsWith(base)) {
      res.writeHead(403, headers).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}/`;
  return { server, url, close: () => new Promise((r) => server.close(r)) };
}

function parseArgs(argv) {
  const o = { port: 8080, host: '127.0.0.1', isolation: true, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-isolation') o.isolation = false;
    else if (a === '--no-build') o.build = false;
    else if (a === '--port') o.port = Number(argv[++i]);
    else if (a === '--host') o.host = argv[++i];
    else throw new Error(`serve-web: unknown option ${a} (options: --port N, --host H, --no-isolation, --no-build)`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error('serve-web: --port must be an integer in 0..65535');
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const o = parseArgs(process.argv.slice(2));
    if (o.build) await buildWeb({ log: console.log });
    const { url } = await serveWeb(o);
    console.log(`playground at ${url} (${o.isolation ? 'cross-origin isolated: threads allowed' : 'no isolation headers: single thread'}); Ctrl-C stops`);
  } catch (e) {
    console.error(e.message);
    process.exitCode = 1;
  }
}
