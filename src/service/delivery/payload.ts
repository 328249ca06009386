/** What a webhook receives (and an email says) about a finished export: enough to act without calling back. */
import type { ServiceConfig } from '../config/types.js';
import { publicError, sourceNameOf } from '../http/public-errors.js';
import type { JobRecord } from '../jobs/types.js';
import type { SignedLink } from './links.js';

export function eventOf(job: JobRecord): string {
  return `export.${job.status}`;
}

/** The webhook body. Stable across retries (the link's expiry counts from the job's end) so it can be de-duplicated. */
export function deliveryPayload(config: ServiceConfig, job: JobRecord, deliveryId: string, link: SignedLink | null): Record<string, unknown> {
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: deliveryId,
    type: eventOf(job),
    export: {
      id: job.id,
      report: job.report,
      schedule: job.schedule ?? null,
      status: job.status,
      format: job.format,
      rows: job.rows,
      bytes: job.bytes,
      createdAt: iso(job.createdAt),
      finishedAt: iso(job.finishedAt),
      // In the client's terms: no hosts, paths or driver text (http/public-errors.ts).
      error: job.error === null ? null : publicError(job.error, sourceNameOf(config, job)),
      downloadUrl: link?.url ?? null,
      downloadExpiresAt: link === null ? null : iso(link.expiresAt),
    },
  };
}
