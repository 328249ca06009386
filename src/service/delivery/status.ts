/** What a job's `delivery` looks like in API answers, and who answers it (the DeliveryManager). */
import type { JobRecord } from '../jobs/types.js';

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  /** ISO-8601. */
  readonly at: string;
  readonly ok: boolean;
  /** The receiver's HTTP status, or the SMTP reply code. */
  readonly status?: number;
  /** A catalogue error in client-safe terms (never the target's URL or address). */
  readonly error?: { readonly code: string; readonly message: string };
  readonly durationMs: number;
}

export interface TargetDelivery {
  readonly name: string;
  readonly type: 'webhook' | 'email';
  readonly status: DeliveryState;
  readonly attempts: readonly DeliveryAttempt[];
  /** ISO-8601 time of the next attempt while pending. */
  readonly nextAttemptAt: string | null;
}

export interface JobDelivery {
  /** `failed` when any target failed for good, `pending` while any is still being tried, else `delivered`. */
  readonly status: DeliveryState;
  readonly targets: readonly TargetDelivery[];
}

export interface DeliveryStatusSource {
  /** null for a job with no deliveries (or that is not finished and so has none yet). */
  statusOf(job: JobRecord): JobDelivery | null;
}

/** The summary of a job's targets (`failed` wins over `pending`, which wins over `delivered`). */
export function overallState(targets: readonly TargetDelivery[]): DeliveryState {
  if (targets.some((target) => target.status === 'failed')) return 'failed';
  if (targets.some((target) => target.status === 'pending')) return 'pending';
  return 'delivered';
}
