/** Every connection has a deadline: a download whose client never reads is cut off, its query stopped, its slot freed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { PG_URL, busyBackends, uniqueName, until } from './helpers/data.js';
import { TOKEN, auth, makeTempDir, removeDir, startServer } from './helpers/server.js';

test('a client that never reads a 300k-row download is cut off after limits.downloadIdleSeconds; its query is gone', { timeout: 120_000 }, async () => {
  const dir = await makeTempDir();
  const marker = uniqueName('idle');
  const server = await startServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: {
      big: { source: 'pg', query: `select g as id, md5(g::text) as hash, repeat('x', 40) as pad from generate_series(1, 300000) g /* ${marker} */` },
      small: { source: 'pg', query: 'select g as id from generate_series(1, 5) g' },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    limits: { concurrentExports: 1, downloadIdleSeconds: 2 },
  });
  try {
    assert.equal(server.app.server.headersTimeout, 10_000, 'server.headersTimeoutSeconds default');
    assert.equal(server.app.server.requestTimeout, 30_000, 'server.requestTimeoutSeconds default');
    assert.equal(server.app.server.keepAliveTimeout, 72_000, 'server.keepAliveTimeoutSeconds default');

    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    // Never read: the kernel's buffers fill, then the server's writes wait.
    socket.pause();
    let received = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.write(`GET /v1/reports/big/download?format=csv HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    await until(async () => (await busyBackends(marker)) > 0, 15_000, 'the download\'s query to run');
    const queryStarted = Date.now();

    // The server notices that nothing moves, aborts the export (the query stops) and cuts the connection.
    await until(async () => (await busyBackends(marker)) === 0, 60_000, 'pg_stat_activity to show the query gone');
    assert.ok(Date.now() - queryStarted >= 1_500, `stopped ${Date.now() - queryStarted} ms after the query started: before the idle limit`);
    // A paused client learns of the cut only when it reads: what it then gets is a truncated chunked body.
    socket.resume();
    await until(() => closed, 30_000, 'the client to see the connection closed');
    assert.match(received, /^HTTP\/1\.1 200/);
    assert.ok(!received.endsWith('0\r\n\r\n'), 'the body is not complete: the client cannot mistake it for a whole file');
    assert.ok(!received.includes('\n300000,'), 'the last row was never sent');

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^sheetpipe_download_idle_aborts_total 1$/m);
    // The only export slot is free again: a reading client gets its download.
    const next = await fetch(`${server.url}/v1/reports/small/download?format=csv`, { headers: auth() });
    assert.equal(next.status, 200);
    assert.equal((await next.text()).trim().split('\n').length, 6);
  } finally {
    await server.close();
    await removeDir(dir);
  }
});

test('a client that sends its headers too slowly is cut off after server.headersTimeoutSeconds', { timeout: 60_000 }, async () => {
  const dir = await makeTempDir();
  const server = await startServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: { one: { source: 'pg', query: 'select 1 as one' } },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    server: { headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 },
  });
  try {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    let closedAt: number | undefined;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('close', () => (closedAt = Date.now()));
    socket.on('error', () => undefined);
    const sentAt = Date.now();
    // Half a request line, then nothing: a slowloris.
    socket.write('GET /healthz HTTP/1.1\r\nHost: local');
    await until(() => closedAt !== undefined, 15_000, 'the server to close the connection');
    const after = (closedAt as number) - sentAt;
    assert.ok(after >= 900 && after < 5_000, `closed after ${after} ms`);
    assert.match(received, /^HTTP\/1\.1 408/);
  } finally {
    await server.close();
    await removeDir(dir);
  }
});
