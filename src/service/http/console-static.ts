/**
 * The web console's files (built by `npm run build:console` into dist/console) at `/` and `/assets/*`,
 * outside the token scope: the page itself holds no data, it asks for a token and calls the `/v1` API.
 * The few files are read (and gzipped) once at start. Hashed assets are cached for a year (`immutable`);
 * `index.html` is revalidated on every load (`no-cache` + ETag), so a new build is picked up at once.
 * Every answer carries a strict Content-Security-Policy: scripts, styles and connections to this origin only,
 * no inline script, no framing. Without a built console, `/` stays the API's 404.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** dist/src/service/http/ → dist/console/ */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json; charset=utf-8',
};

interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
  readonly gzipped: Buffer | undefined;
  readonly etag: string;
  readonly cacheControl: string;
}

function staticFile(name: string, body: Buffer, cacheControl: string): StaticFile {
  const type = TYPES[extname(name)] ?? 'application/octet-stream';
  // Images are compressed already; text shrinks to about a third.
  const gzipped = type.startsWith('image/') && type !== 'image/svg+xml' ? undefined : gzipSync(body, { level: 9 });
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { type, body, gzipped, etag, cacheControl };
}

/** index.html and assets/*, or undefined when the console was not built. */
async function loadConsole(dir: string): Promise<{ index: StaticFile; assets: Map<string, StaticFile> } | undefined> {
  let index: Buffer;
  try {
    index = await readFile(join(dir, 'index.html'));
  } catch {
    return undefined;
  }
  const assets = new Map<string, StaticFile>();
  const names = await readdir(join(dir, 'assets')).catch(() => [] as string[]);
  for (const name of names) {
    assets.set(name, staticFile(name, await readFile(join(dir, 'assets', name)), 'public, max-age=31536000, immutable'));
  }
  return { index: staticFile('index.html', index, 'no-cache'), assets };
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cache-control', file.cacheControl)
    .header('etag', file.etag)
    .header('vary', 'accept-encoding')
    .type(file.type);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  const gzip = file.gzipped !== undefined && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? file.gzipped : file.body);
}

export function consoleStatic(dir = CONSOLE_DIR): FastifyPluginAsync {
  return async (app) => {
    const loaded = await loadConsole(dir);
    if (loaded === undefined) return;
    const { index, assets } = loaded;
    app.get('/', (request, reply) => send(request, reply, index));
    app.get<{ Params: { file: string } }>('/assets/:file', (request, reply) => {
      // Only names read at start: a path like `..%2F..` is not a key, so nothing outside the folder is reachable.
      const file = assets.get(request.params.file);
      return file === undefined ? reply.callNotFound() : send(request, reply, file);
    });
  };
}
