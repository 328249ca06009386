/**
 * Every error leaves the service as `{ "error": { "code", "message", "traceId" } }` with the catalogue's
 * HTTP status; 429 and 503 carry `Retry-After`. Registered on the root so all plugins share it.
 * The message is the client's version (public-errors.ts): internals go to the log under the same trace id.
 */
import type { FastifyInstance, FastifyReply, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { SheetpipeError, isSheetpipeError } from '../../errors.js';
import { requestLogFields } from '../observability.js';
import { isRedacted, publicError, traceIdOf } from './public-errors.js';

export interface ErrorBody {
  readonly status: number;
  readonly body: { error: Record<string, unknown> };
}

/** Fastify's own 4xx errors (bad JSON, body too large, wrong content type) keep their status. */
function asSheetpipeError(error: unknown, bodyLimit: number): SheetpipeError {
  if (isSheetpipeError(error)) return error;
  const { statusCode, code } = (error ?? {}) as { statusCode?: number; code?: string };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new SheetpipeError('SHEETPIPE_ERR_SERVICE_TOO_LARGE', [bodyLimit], { cause: error });
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const wrapped = new SheetpipeError('SHEETPIPE_ERR_SERVICE_BAD_REQUEST', [(error as Error).message], { cause: error });
    return Object.assign(wrapped, { status: statusCode });
  }
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_INTERNAL', [(error as Error | undefined)?.message ?? String(error)], { cause: error });
}

/** `details.cause` (a job's error, with 410) is made public like the error itself. */
export function errorBody(error: unknown, traceId: string, sourceName: string | null, bodyLimit = 0): ErrorBody {
  const known = asSheetpipeError(error, bodyLimit);
  const { cause, ...details } = known.details as { cause?: { code: string; message: string } };
  const shown = publicError(known, sourceName);
  return {
    status: known.status,
    body: {
      error: {
        code: shown.code, message: shown.message, ...details,
        ...(cause === undefined ? {} : { cause: publicError(cause, sourceName) }),
        traceId,
      },
    },
  };
}

function needsRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

/** Server errors, and any error whose message the client did not see, are logged in full under the trace id. */
function logDetail(request: FastifyRequest, error: unknown, status: number): void {
  const code = isSheetpipeError(error) ? error.code : 'SHEETPIPE_ERR_SERVICE_INTERNAL';
  if (needsRetryAfter(status) && !isRedacted(code)) return;
  if (status < 500 && !isRedacted(code)) return;
  const level = status >= 500 && !needsRetryAfter(status) ? 'error' : 'warn';
  request.log[level]({ err: error, traceId: traceIdOf(request), ...requestLogFields(request) }, 'request failed');
}

export function sendError(reply: FastifyReply, error: unknown, retryAfterSeconds: number, bodyLimit = 0): FastifyReply {
  const request = reply.request;
  const { status, body } = errorBody(error, traceIdOf(request), request.sheetpipeSource ?? null, bodyLimit);
  logDetail(request, error, status);
  if (needsRetryAfter(status)) reply.header('retry-after', String(retryAfterSeconds));
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** For hijacked replies (downloads) whose headers are not sent yet; the caller logs the error's detail. */
export function writeRawError(request: FastifyRequest, response: ServerResponse, error: unknown, retryAfterSeconds: number): void {
  const { status, body } = errorBody(error, traceIdOf(request), request.sheetpipeSource ?? null);
  const text = JSON.stringify(body);
  for (const name of response.getHeaderNames()) response.removeHeader(name);
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'x-content-type-options': 'nosniff',
  };
  if (needsRetryAfter(status)) headers['retry-after'] = String(retryAfterSeconds);
  response.writeHead(status, headers).end(text);
}

export function errorPlugin(retryAfterSeconds: number, bodyLimit: number): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    app.decorateRequest('sheetpipeSource', null);
    // On the raw response, so hijacked replies (downloads, SSE) carry it too: no browser guesses a type.
    app.addHook('onRequest', (_request, reply, done) => {
      reply.raw.setHeader('x-content-type-options', 'nosniff');
      done();
    });
    app.setErrorHandler((error, _request, reply) => sendError(reply, error, retryAfterSeconds, bodyLimit));
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
