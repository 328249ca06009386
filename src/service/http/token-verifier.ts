/**
 * Who a bearer token is. Tokens are looked up by their SHA-256 digest, so comparing a guess never
 * leaks the configured secret's bytes through timing. A leaf module: the auth plugin and the
 * observability rules (/debug/* access) both use it.
 */
import { createHash } from 'node:crypto';
import type { TokenConfig } from '../config/types.js';

export interface Principal {
  /** The token's id (its config `name`, else a digest prefix): the owner of the jobs it creates. */
  readonly id: string;
  /** True for a token whose reports include `"*"` (ad-hoc SQL, /debug/*, every job). */
  readonly allReports: boolean;
  mayUse(report: string): boolean;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

type VerifiedToken = Pick<TokenConfig, 'token' | 'allReports' | 'reports'> & { readonly id?: string };

function principalOf(token: VerifiedToken): Principal {
  return { id: token.id ?? 'metrics', allReports: token.allReports, mayUse: (report) => token.allReports || token.reports.has(report) };
}

/** Answers the principal for an `Authorization` header, or undefined when it is missing or unknown. */
export function tokenVerifier(tokens: readonly VerifiedToken[]): (header: string | undefined) => Principal | undefined {
  const byDigest = new Map(tokens.map((token) => [digest(token.token), principalOf(token)]));
  return (header) => {
    const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
    return match ? byDigest.get(digest(match[1] as string)) : undefined;
  };
}

