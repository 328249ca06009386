/**
 * Every error leaves the service as `{ "error": { "code", "message" } }` with the catalogue's
 * HTTP status; 429 and 503 carry `Retry-After`. Registered on the root so all plugins share it.
 */
import type { FastifyInstance, FastifyReply, FastifyPluginAsync } from 'fastify';
import type { ServerResponse } from 'node:http';
import { SheetpipeError, isSheetpipeError } from '../../errors.js';
import { requestLogFields } from '../observability.js';

export interface ErrorBody {
  readonly status: number;
  readonly body: { error: Record<string, unknown> };
}

/** Fastify's own 4xx errors (bad JSON, body too large, wrong content type) keep their status. */
function asSheetpipeError(error: unknown): SheetpipeError {
  if (isSheetpipeError(error)) return error;
  const statusCode = (error as { statusCode?: number } | undefined)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const wrapped = new SheetpipeError('SHEETPIPE_ERR_SERVICE_BAD_REQUEST', [(error as Error).message], { cause: error });
    return Object.assign(wrapped, { status: statusCode });
  }
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_INTERNAL', [(error as Error | undefined)?.message ?? String(error)], { cause: error });
}

export function errorBody(error: unknown): ErrorBody {
  const known = asSheetpipeError(error);
  return { status: known.status, body: { error: { code: known.code, message: known.message, ...known.details } } };
}

function needsRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

export function sendError(reply: FastifyReply, error: unknown, retryAfterSeconds: number): FastifyReply {
  const { status, body } = errorBody(error);
  if (status >= 500 && !needsRetryAfter(status)) reply.log.error({ err: error, ...requestLogFields(reply.request) }, 'request failed');
  if (needsRetryAfter(status)) reply.header('retry-after', String(retryAfterSeconds));
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** For hijacked replies (downloads) whose headers are not sent yet. */
export function writeRawError(response: ServerResponse, error: unknown, retryAfterSeconds: number): void {
  const { status, body } = errorBody(error);
  const text = JSON.stringify(body);
  for (const name of response.getHeaderNames()) response.removeHeader(name);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) };
  if (needsRetryAfter(status)) headers['retry-after'] = String(retryAfterSeconds);
  response.writeHead(status, headers).end(text);
}

export function errorPlugin(retryAfterSeconds: number): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    app.setErrorHandler((error, _request, reply) => sendError(reply, error, retryAfterSeconds));
    app.setNotFoundHandler((request, reply) =>
      sendError(reply, new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['route', `${request.method} ${request.url.split('?', 1)[0]}`]), retryAfterSeconds),
    );
  };
  return skipOverride(plugin);
}

/** Marks a plugin to act on its parent's scope (what fastify-plugin does), e.g. hooks that must cover sibling plugins. */
export function skipOverride<T extends FastifyPluginAsync<never>>(plugin: T): T {
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
