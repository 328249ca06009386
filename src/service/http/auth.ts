/**
 * Bearer-token authentication for the API scope. Tokens are looked up by their SHA-256
 * digest, so comparing a guess never leaks the configured secret's bytes through timing.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import type { TokenConfig } from '../config/types.js';
import { skipOverride } from './errors.js';

export interface Principal {
  /** True for a token whose reports include `"*"` (ad-hoc SQL, /debug/*). */
  readonly allReports: boolean;
  mayUse(report: string): boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth plugin on every authenticated request. */
    principal: Principal | null;
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function principalOf(token: TokenConfig): Principal {
  return { allReports: token.allReports, mayUse: (report) => token.allReports || token.reports.has(report) };
}

/** Answers the principal for an `Authorization` header, or undefined when it is missing or unknown. */
export function tokenVerifier(tokens: readonly TokenConfig[]): (header: string | undefined) => Principal | undefined {
  const byDigest = new Map(tokens.map((token) => [digest(token.token), principalOf(token)]));
  return (header) => {
    const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
    return match ? byDigest.get(digest(match[1] as string)) : undefined;
  };
}

/** Adds the token check to every route of the scope it is registered in. */
export function authPlugin(tokens: readonly TokenConfig[]): FastifyPluginAsync {
  const verify = tokenVerifier(tokens);
  return skipOverride(async (app) => {
    app.decorateRequest('principal', null);
    // Callback style: an async hook costs promises on every request.
    app.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
      const principal = verify(request.headers.authorization);
      if (!principal) return done(new SheetpipeError('SHEETPIPE_ERR_SERVICE_UNAUTHORIZED'));
      request.principal = principal;
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
