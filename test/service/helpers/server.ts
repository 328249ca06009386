/** Starts the real service on a loopback port from a config object written to a temp folder. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from '../../../src/service/app.js';
import { loadConfig } from '../../../src/service/config/load.js';
import type { ServiceConfig } from '../../../src/service/config/types.js';
import { assertNoInternals } from './no-internals.js';

export const TOKEN = 'test-token-all';
export const ORDERS_TOKEN = 'test-token-orders';

export interface TestServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly config: ServiceConfig;
  /** The folder holding sheetpipe.json (relative paths in the config resolve here). */
  readonly dir: string;
  close(): Promise<void>;
}

export async function makeTempDir(prefix = 'sheetpipe-svc-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function writeConfig(dir: string, raw: unknown): Promise<string> {
  const file = join(dir, 'sheetpipe.json');
  await writeFile(file, JSON.stringify(raw, null, 2));
  return file;
}

/** Loads `raw` as a config file in `dir` and listens on 127.0.0.1:0. */
export async function startServer(dir: string, raw: unknown, options: BuildAppOptions = {}): Promise<TestServer> {
  const config = await loadConfig(await writeConfig(dir, raw));
  const app = await buildApp(config, options);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, app, config, dir, close: () => app.close() };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function auth(token = TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** POST /v1/exports with a JSON body. */
export async function postExport(url: string, body: unknown, token = TOKEN): Promise<Response> {
  return fetch(`${url}/v1/exports`, { method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

export interface JobJson {
  id: string;
  status: string;
  rows: number;
  bytes: number;
  error: { code: string; message: string } | null;
  [key: string]: unknown;
}

/** Polls GET /v1/exports/:id until `done(job)` (bounded by `timeoutMs`). */
export async function waitForJob(url: string, id: string, done: (job: JobJson) => boolean, timeoutMs = 60_000): Promise<JobJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/v1/exports/${id}`, { headers: auth() });
    const job = (await response.json()) as JobJson;
    if (response.status === 200 && done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not reach the expected state in ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const finished = (job: JobJson): boolean => ['succeeded', 'failed', 'canceled'].includes(job.status);

/**
 * The error of an error answer, without its `traceId` (checked present). Every error read here is also
 * checked to show no host, port, user, path or URL (no-internals.ts).
 */
export async function errorOf(response: Response): Promise<{ code: string; message: string; [key: string]: unknown }> {
  const body = (await response.json()) as { error: { code: string; message: string; traceId?: unknown } };
  assertNoInternals(body);
  const { traceId, ...error } = body.error;
  assert.equal(typeof traceId, 'string', `an error answer carries the request's trace id: ${JSON.stringify(body)}`);
  return error;
}
