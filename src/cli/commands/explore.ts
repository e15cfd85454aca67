// dmflow explore: serve the explorer page (dist/web, built by npm run
// build:web) on 127.0.0.1 with node:http, print its URL, and stop cleanly on
// SIGINT or SIGTERM. Thin: a static file server; the page computes in the
// browser (docs/explorer.md).

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { InputError } from '../../model/errors.js';
import { bundledBin } from './shared.js';

export const DEFAULT_EXPLORE_PORT = 8765;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm', '.txt': 'text/plain; charset=utf-8',
};

/**
 * The page's folder: dist/web beside dist/src in the package (three folders up
 * from this file, compiled or not; two up from the bin when it runs the bundle,
 * dist/cli/bundle.js, whose import.meta.url is the bundle's).
 */
export function webRoot(): string {
  const bin = bundledBin();
  if (bin) return fileURLToPath(new URL('../../web/', bin));
  return fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../../dist/web/' : '../../../web/', import.meta.url));
}

/**
 * A static server of `root`. The page is served cross-origin isolated
 * (COOP/COEP), so that it may share memory with its solver worker: pause
 * and step then hold the solver itself.
 */
export function staticServer(root: string): Server {
  return createServer((req, res) => {
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, headers).end();
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!(file + sep).startsWith(root.endsWith(sep) ? root : root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': statSync(file).size });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file).pipe(res);
  });
}

export function register(program: Command): void {
  program
    .command('explore')
    .description('serve the explorer page (the solver, the theorem and the coupling in a browser) on 127.0.0.1 and print its URL; Ctrl-C stops it')
    .option('--port <p>', `port on 127.0.0.1 (0: any free port)`, String(DEFAULT_EXPLORE_PORT))
    .action(async (opts: { port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError('--port', `expected a port number from 0 to 65535, got "${opts.port}"`);
      const root = webRoot();
      if (!existsSync(join(root, 'index.html'))) throw new InputError('explore', `expected the built page in ${root} (npm run build:web), got no index.html there`);
      const server = staticServer(root);
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e: NodeJS.ErrnoException) => {
          reject(e.code === 'EADDRINUSE' ? new InputError('--port', `expected a free port, got ${port}, which is in use (--port 0 takes any free one)`) : e);
        });
        server.listen(port, '127.0.0.1', () => resolve());
      });
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/`;
      process.stdout.write(`dmflow explore: serving the explorer at ${url} (Ctrl-C stops it)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close(() => resolve());
          server.closeAllConnections();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
