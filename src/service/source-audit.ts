/**
 * Audits every configured source (server version, what its account could do beyond reading), for
 * `sheetpipe check` and, as log warnings, for `serve` at start. A source that cannot be reached is a
 * finding, not a failure: the rest are still audited.
 */
import type { FastifyBaseLogger } from 'fastify';
import { auditSource, type SourceAudit } from '../sources/role-audit.js';
import type { SourceConfig } from './config/types.js';

export type SourceFinding = { readonly source: string } & ({ readonly audit: SourceAudit } | { readonly error: string });

export async function auditSources(sources: ReadonlyMap<string, SourceConfig>): Promise<SourceFinding[]> {
  const findings: SourceFinding[] = [];
  for (const source of sources.values()) {
    try {
      findings.push({ source: source.name, audit: await auditSource(source.url) });
    } catch (error) {
      findings.push({ source: source.name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return findings;
}

/** One log line per source: info with its version when clean, a warning per finding otherwise. */
export function logFindings(log: FastifyBaseLogger, findings: readonly SourceFinding[]): void {
  for (const finding of findings) {
    if ('error' in finding) {
      log.warn({ source: finding.source, error: finding.error }, 'source check: cannot connect');
      continue;
    }
    const { version, user, warnings } = finding.audit;
    if (warnings.length === 0) log.info({ source: finding.source, version, user }, 'source check: the account can only read');
    for (const warning of warnings) log.warn({ source: finding.source, version, user }, `source check: ${warning}`);
  }
}
