/**
 * A direct download runs in a worker thread, yet a client that stops reading stops the export: each
 * chunk the thread posts waits until the response took the previous one, so the service's own
 * buffer for the response stays at about one chunk, not the file, and the rest arrives intact once
 * the client reads again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { PG_URL } from './helpers/data.js';
import { TOKEN, auth, makeTempDir, removeDir, startServer, type TestServer } from './helpers/server.js';

const ROWS = 600_000;
let server: TestServer;
let dir: string;

before(async () => {
  dir = await makeTempDir();
  server = await startServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: { wide: { source: 'pg', query: `select g as id, repeat(md5(g::text), 2) as text from generate_series(1, ${ROWS}) g order by g` } },
    tokens: [{ token: TOKEN, reports: ['*'] }],
  });
});

after(async () => {
  await server.close();
  await removeDir(dir);
});

test('a client that stops reading holds the export back; the service buffers about one chunk, and the file completes', async () => {
  let serverResponse: ServerResponse | undefined;
  server.app.server.once('request', (_request: IncomingMessage, response: ServerResponse) => (serverResponse = response));
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    httpRequest(`${server.url}/v1/reports/wide/download?format=csv`, { headers: auth() }, resolve).on('error', reject).end();
  });
  assert.equal(response.statusCode, 200);
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => response.once('data', resolve));
  response.pause();
  // Long enough for the export to finish several times over if nothing held it back.
  let mostBuffered = 0;
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    mostBuffered = Math.max(mostBuffered, serverResponse!.writableLength);
  }
  assert.equal(serverResponse!.writableFinished, false, 'the export waits for the client');
  assert.ok(mostBuffered <= 2 << 20, `the response buffered at most ${mostBuffered} bytes`);
  response.resume();
  await new Promise((resolve) => response.once('end', resolve));
  const text = Buffer.concat(chunks).toString('utf8');
  // ~40 MB of CSV, much more than any buffer on the way.
  assert.ok(text.length > 30e6, `${text.length} characters`);
  const lines = text.split('\r\n').filter((line) => line !== '');
  assert.equal(lines.length, ROWS + 1);
  assert.equal(lines[0], 'id,text');
  assert.match(lines[ROWS]!, new RegExp(`^${ROWS},[0-9a-f]{64}$`));
});
