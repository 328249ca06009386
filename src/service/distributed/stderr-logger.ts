/**
 * A JSON-lines logger on stderr for `sheetpipe worker` (the API logs through fastify's pino;
 * a worker has no fastify). Same shape as pino's lines: level, time, msg, then the fields.
 */
import type { ServiceLogger } from '../jobs/runner.js';

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
type Level = keyof typeof LEVELS;

function fields(object: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    out[key] = value instanceof Error ? { type: value.name, message: value.message, code: (value as { code?: unknown }).code } : value;
  }
  return out;
}

/** `level` defaults to SHEETPIPE_LOG_LEVEL, else info. */
export function stderrLogger(level: string = process.env.SHEETPIPE_LOG_LEVEL ?? 'info'): ServiceLogger {
  const threshold = LEVELS[level as Level] ?? LEVELS.info;
  const write = (name: Level) => (object: object, message?: string): void => {
    if (LEVELS[name] < threshold) return;
    process.stderr.write(`${JSON.stringify({ level: LEVELS[name], time: Date.now(), msg: message, ...fields(object) })}\n`);
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
