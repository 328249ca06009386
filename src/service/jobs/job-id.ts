/**
 * Export ids are lowercase UUIDs (randomUUID). Routes check the shape before anything is looked up, so
 * a malformed id (`events`, `../x`, 1 MB of text) is a 404 that never reaches the job store or Redis,
 * and an id can be used as a file name and a Redis key without escaping.
 */
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID.test(value);
}
