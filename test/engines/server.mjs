// A static server for a page driven by any browser: serves one directory,
// cross-origin isolated or not, and takes the page's console lines as POSTs
// to /__log (test/engines/relay.mjs sends them), so a driver needs nothing
// from the browser but "open this URL".
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };

/**
 * Serves `dir` on 127.0.0.1 (an ephemeral port). `isolated`: COOP/COEP
 * headers, so the page gets SharedArrayBuffer where the engine has it.
 * `onLine(text)` receives each line the page relays. Resolves to { url, close() }.
 */
export async function servePage(dir, { isolated = true, onLine = () => {} } = {}) {
  const base = normalize(dir + sep);
  const server = createServer(async (req, res) => {
    const headers = { 'cache-control': 'no-store' };
    if (isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (req.method === 'POST' && path === '/__log') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        for (const line of JSON.parse(body)) onLine(line);
        res.writeHead(204, headers).end();
      });
      return;
    }
    const file = normalize(join(base, path.endsWith('/') ? path + 'index.html' : path));
    if (!file.startsWith(base)) return void res.writeHead(403, headers).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404, headers).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
