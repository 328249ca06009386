/**
 * The console's static files and the routes written for it, over loopback: a strict CSP on every page answer,
 * a year's `immutable` caching for hashed assets and revalidation (ETag, 304) for index.html, the bundle budget
 * (≤ 100 KB of gzipped JavaScript), 404s that name no path for anything outside the built folder, and
 * `GET /v1/session` / `GET /v1/ops` scoped by token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { CONSOLE_CSP, CONSOLE_DIR } from '../../src/service/http/console-static.js';
import { makeSqliteOrders } from '../service/helpers/data.js';
import { ORDERS_TOKEN, TOKEN, auth, errorOf, makeTempDir, removeDir, startServer, type TestServer } from '../service/helpers/server.js';

const BUDGET_BYTES = 100 * 1024;

async function withServer(work: (server: TestServer) => Promise<void>): Promise<void> {
  const dir = await makeTempDir('sheetpipe-console-');
  makeSqliteOrders(join(dir, 'demo.db'), 5);
  const server = await startServer(dir, {
    sources: { demo: { url: 'sqlite:./demo.db' } },
    reports: { orders: { source: 'demo', table: 'orders' } },
    tokens: [{ token: TOKEN, reports: ['*'] }, { name: 'orders', token: ORDERS_TOKEN, reports: ['orders'] }],
  });
  try {
    await work(server);
  } finally {
    await server.close();
    await removeDir(dir);
  }
}

function assetPaths(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1] as string);
}

test('index.html and assets: strict CSP, caching, ETag revalidation, gzip, within the bundle budget', async () => {
  await withServer(async ({ url }) => {
    const index = await fetch(`${url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(index.headers.get('content-security-policy'), CONSOLE_CSP);
    assert.match(CONSOLE_CSP, /script-src 'self'(;|$)/, 'no inline script, no eval');
    assert.match(CONSOLE_CSP, /frame-ancestors 'none'/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.equal(index.headers.get('x-frame-options'), 'DENY');
    const html = await index.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script is a file (the CSP forbids inline ones)');
    const etag = index.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(`${url}/`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');

    const assets = assetPaths(html);
    assert.ok(assets.some((path) => path.endsWith('.js')) && assets.some((path) => path.endsWith('.css')), `assets: ${assets.join(', ')}`);
    let gzippedJs = 0;
    for (const path of assets) {
      assert.match(path, /-[\w-]{8}\.(js|css)$/, 'asset names carry a content hash');
      const plain = await fetch(`${url}${path}`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(plain.status, 200);
      assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(plain.headers.get('content-security-policy'), CONSOLE_CSP);
      assert.match(plain.headers.get('content-type') ?? '', path.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      const body = Buffer.from(await plain.arrayBuffer());
      // fetch() decodes the gzipped answer: it must give back the same bytes.
      const zipped = await fetch(`${url}${path}`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(zipped.headers.get('content-encoding'), 'gzip');
      assert.deepEqual(Buffer.from(await zipped.arrayBuffer()), body, 'the gzipped answer decodes to the same file');
      if (path.endsWith('.js')) gzippedJs += gzipSync(body).length;
    }
    assert.ok(gzippedJs > 0 && gzippedJs <= BUDGET_BYTES, `console JavaScript is ${gzippedJs} bytes gzipped (budget ${BUDGET_BYTES})`);
  });
});

test('anything outside the built folder is the API\'s 404, naming no path', async () => {
  await withServer(async ({ url }) => {
    for (const path of ['/assets/missing.js', '/assets/..%2F..%2Fpackage.json', '/assets/%2e%2e%2findex.html', '/index.html', '/assets/', '/src/main.tsx', '/../package.json']) {
      const response = await fetch(`${url}${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get('cache-control'), null, `${path}: a 404 is not cached as immutable`);
      const text = await response.text();
      assert.ok(!text.includes(CONSOLE_DIR) && !text.includes('/dist/') && !text.includes('/work/'), `${path}: ${text}`);
      const error = await errorOf(new Response(text));
      assert.equal(error.code, 'SHEETPIPE_ERR_SERVICE_NOT_FOUND');
    }
    // The page is public, the API behind it is not.
    const reports = await fetch(`${url}/v1/reports`);
    assert.equal(reports.status, 401);
  });
});

test('GET /v1/session says whether the token is an operator; GET /v1/ops answers operators only', async () => {
  await withServer(async ({ url }) => {
    assert.deepEqual(await (await fetch(`${url}/v1/session`, { headers: auth() })).json(), { operator: true });
    assert.deepEqual(await (await fetch(`${url}/v1/session`, { headers: auth(ORDERS_TOKEN) })).json(), { operator: false });
    assert.equal((await fetch(`${url}/v1/session`, { headers: auth('wrong') })).status, 401);
    assert.equal((await fetch(`${url}/v1/ops`)).status, 401);
    const narrow = await fetch(`${url}/v1/ops`, { headers: auth(ORDERS_TOKEN) });
    assert.equal(narrow.status, 403);
    assert.equal((await errorOf(narrow)).code, 'SHEETPIPE_ERR_SERVICE_FORBIDDEN');
    const bad = await fetch(`${url}/v1/ops?windowSeconds=0`, { headers: auth() });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${url}/v1/ops?other=1`, { headers: auth() })).status, 400);

    // A burst of requests, then wait for its second to complete: the window leaves out the current second.
    await Promise.all(Array.from({ length: 50 }, () => fetch(`${url}/v1/reports`, { headers: auth() }).then((r) => r.arrayBuffer())));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const response = await fetch(`${url}/v1/ops?windowSeconds=60&stepSeconds=10`, { headers: auth() });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const ops = (await response.json()) as {
      requests: { series: { t: number[]; rate: number[]; p99: (number | null)[] }; summary: { count: number; p50Ms: number; p99Ms: number; p999Ms: number } };
      slowest: unknown[] | null;
      exports: { queued: number; slots: { limit: number } };
      admission: { level: string; rssBytes: { value: number; queue: number; refuse: number } };
      config: { lastReload: unknown };
    };
    assert.ok(ops.requests.summary.count >= 50, `count ${ops.requests.summary.count}`);
    for (const key of ['p50Ms', 'p99Ms', 'p999Ms'] as const) assert.ok(ops.requests.summary[key] > 0, `${key} ${ops.requests.summary[key]}`);
    assert.ok(ops.requests.summary.p50Ms <= ops.requests.summary.p99Ms && ops.requests.summary.p99Ms <= ops.requests.summary.p999Ms);
    assert.equal(ops.requests.series.t.length, 6);
    assert.ok(ops.requests.series.rate.some((rate) => rate > 0));
    assert.ok(Array.isArray(ops.slowest));
    assert.equal(ops.exports.queued, 0);
    assert.ok(ops.exports.slots.limit >= 1);
    assert.equal(ops.admission.level, 'ok');
    assert.ok(ops.admission.rssBytes.value > 0 && ops.admission.rssBytes.queue < ops.admission.rssBytes.refuse);
    assert.equal(ops.config.lastReload, null);
  });
});
