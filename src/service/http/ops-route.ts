/**
 * `GET /v1/session`: what the console needs to know about its token (may it see Operations?), and the check
 * that a token typed at sign-in is valid. `GET /v1/ops` (tokens with `"*"`): request rate and latency
 * percentiles, the slowest recent requests and their causes, coloring coverage, running exports, queue depth,
 * admission level against each watermark, the last config reload (ops/snapshot.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import { opsSnapshot, type OpsSources } from '../ops/snapshot.js';
import { requireAllReports } from './auth.js';

const OPS_KEYS = ['windowSeconds', 'stepSeconds'];
const CACHE_MS = 1000;

function readSeconds(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1 || n > max) {
    throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_BAD_REQUEST', [`${name} must be a whole number of seconds from 1 to ${max}`]);
  }
  return n;
}

export function opsRoute(sources: OpsSources): FastifyPluginAsync {
  return async (app) => {
    // A snapshot scans the latency ring (65,536 records: 2–5 ms of the event loop on a loaded 2-core machine)
    // and the job list: however many console pages poll, each window/step is computed at most once a second.
    let cached: { key: string; at: number; body: Promise<Record<string, unknown>> } | undefined;
    const snapshot = (windowSeconds: number, stepSeconds: number): Promise<Record<string, unknown>> => {
      const key = `${windowSeconds}/${stepSeconds}`;
      const now = Date.now();
      if (cached === undefined || cached.key !== key || now - cached.at >= CACHE_MS) {
        const entry = { key, at: now, body: opsSnapshot(sources, { windowSeconds, stepSeconds }) };
        // A failed snapshot is not kept.
        entry.body.catch(() => {
          if (cached === entry) cached = undefined;
        });
        cached = entry;
      }
      return cached.body;
    };

    app.get('/v1/session', async (request) => ({ operator: request.principal?.allReports === true }));

    app.get('/v1/ops', async (request, reply) => {
      requireAllReports(request, 'operations data');
      const query = request.query as Record<string, unknown>;
      const unknown = Object.keys(query).find((key) => !OPS_KEYS.includes(key));
      if (unknown !== undefined) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_BAD_REQUEST', [`unknown query option ${unknown} (allowed: ${OPS_KEYS.join(', ')})`]);
      const windowSeconds = readSeconds(query.windowSeconds, 'windowSeconds', sources.window.seconds - 1, sources.window.seconds - 1);
      const stepSeconds = readSeconds(query.stepSeconds, 'stepSeconds', 5, 60);
      reply.header('cache-control', 'no-store');
      return snapshot(windowSeconds, stepSeconds);
    });
  };
}
