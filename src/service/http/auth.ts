/**
 * Bearer-token authentication for the API scope. Tokens are looked up by their SHA-256
 * digest, so comparing a guess never leaks the configured secret's bytes through timing.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import type { ServiceConfig } from '../config/types.js';
import { skipOverride } from './errors.js';
import { RateLimiter } from './rate-limit.js';
import { tokenVerifier, type Principal } from './token-verifier.js';

export { tokenVerifier, type Principal } from './token-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth plugin on every authenticated request. */
    principal: Principal | null;
  }
}

/**
 * Adds the token check (and the token's request rate limit) to every route of the scope it is registered in.
 * `current` is read per request: after a config reload the new tokens apply to the next request (a revoked
 * one gets 401). The verifier is rebuilt only when the snapshot changes; the rate limiter only when
 * `limits.requestsPerSecond` does (otherwise the tokens' buckets carry over the reload).
 */
export function authPlugin(current: () => ServiceConfig): FastifyPluginAsync {
  let config = current();
  let verify = tokenVerifier(config.tokens);
  let rate = new RateLimiter(config.limits.requestsPerSecond);
  const refresh = (): void => {
    const next = current();
    if (next === config) return;
    if (next.limits.requestsPerSecond !== config.limits.requestsPerSecond) rate = new RateLimiter(next.limits.requestsPerSecond);
    verify = tokenVerifier(next.tokens);
    config = next;
  };
  return skipOverride(async (app) => {
    app.decorateRequest('principal', null);
    // Callback style: an async hook costs promises on every request.
    app.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
      refresh();
      const principal = verify(request.headers.authorization);
      if (!principal) return done(new SheetpipeError('SHEETPIPE_ERR_SERVICE_UNAUTHORIZED'));
      request.principal = principal;
      if (!rate.take(principal.id)) return done(new SheetpipeError('SHEETPIPE_ERR_SERVICE_RATE_LIMITED', [config.limits.requestsPerSecond]));
      done();
    });
  });
}

/** @throws SheetpipeError SHEETPIPE_ERR_SERVICE_FORBIDDEN when the request's token may not use `report`. */
export function requireReport(request: FastifyRequest, report: string): void {
  if (!request.principal?.mayUse(report)) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_FORBIDDEN', [report]);
}

/** Ad-hoc SQL and /debug need a `"*"` token. */
export function requireAllReports(request: FastifyRequest, what: string): void {
  if (!request.principal?.allReports) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_FORBIDDEN', [`${what} (needs a token with "*")`]);
}
