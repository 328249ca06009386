/**
 * `rediss://` with a private CA (`queue.tls.caFile`) and a password, against a real TLS Redis this test
 * starts on a free port with a throw-away CA (openssl). The shared Redis of the machine is not touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { TOKEN, auth, postExport, type JobJson } from '../service/helpers/server.js';
import { startCluster } from './helpers/cluster.js';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A CA and a server certificate for 127.0.0.1 signed by it. */
async function makeCertificates(dir: string): Promise<void> {
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir, timeout: 30_000 });
  await ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=sheetpipe-test-ca');
  await ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext');
}

test('rediss:// with a private CA and a password: the API accepts and reads jobs over TLS', { timeout: 90_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-redis-tls-'));
  const password = randomBytes(12).toString('hex');
  let server: ReturnType<typeof spawn> | undefined;
  try {
    await makeCertificates(dir);
    const port = await freePort();
    server = spawn('redis-server', [
      '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1',
      '--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key'), '--tls-ca-cert-file', join(dir, 'ca.crt'),
      '--tls-auth-clients', 'no', '--requirepass', password, '--save', '', '--appendonly', 'no', '--dir', dir,
    ], { stdio: 'ignore' });
    const url = `rediss://:${password}@127.0.0.1:${port}`;
    const ca = join(dir, 'ca.crt');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const probe = new Redis(url, { tls: { ca: readFileSync(ca, 'utf8') }, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      const pong = await probe.connect().then(() => probe.ping(), () => undefined);
      probe.disconnect();
      if (pong === 'PONG') break;
      if (Date.now() > deadline) throw new Error('the TLS Redis did not start');
      await sleep(200);
    }
    const cluster = await startCluster({ workers: 0, queue: { url, tls: { caFile: ca } } });
    try {
      const response = await postExport(cluster.url, { report: 'numbers', params: { rows: 3 } });
      const job = (await response.json()) as JobJson;
      assert.equal(response.status, 202, JSON.stringify(job));
      const read = await fetch(`${cluster.url}/v1/exports/${job.id}`, { headers: auth(TOKEN) });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as JobJson).status, 'queued');
    } finally {
      await cluster.close();
    }
  } finally {
    server?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
});
