/**
 * What the service's own request log lines say about a request: the method, the route pattern
 * (`/v1/reports/:name/download`) and the path without its query string. Query strings carry
 * parameter values — and sometimes a token a client put there by mistake (`?access_token=…`) — so
 * they are never logged. Used as the pino `req` serializer of buildApp's logger.
 */
import type { FastifyRequest } from 'fastify';

export function requestLogView(request: FastifyRequest): Record<string, unknown> {
  const url = typeof request.url === 'string' ? request.url : '';
  const path = url.split('?', 1)[0] ?? '';
  return {
    method: request.method,
    route: request.routeOptions?.url ?? null,
    // The path can carry a report name or an export id, never a parameter value.
    path: path.length > 200 ? `${path.slice(0, 200)}…` : path,
  };
}

/** Adds the safe `req` serializer to pino options (a caller's own serializer wins); `true` becomes pino's defaults with it. */
export function withSafeRequestLog<T>(logger: T): T {
  if (logger === true) return { serializers: { req: requestLogView } } as T;
  // A logger instance (has .info) is the caller's own: left as it is.
  if (typeof logger !== 'object' || logger === null || 'info' in (logger as object)) return logger;
  const options = logger as { serializers?: Record<string, unknown> };
  return { ...options, serializers: { req: requestLogView, ...options.serializers } } as T;
}
