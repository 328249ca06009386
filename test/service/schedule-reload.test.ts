/**
 * Scheduler.update (a config reload): an unchanged schedule keeps running as it was, including a run that is
 * waiting out its jitter; a changed one is re-created with its new definition; a removed one stops.
 * The scheduler's boundary is its `submit` callback: here it records what would be enqueued.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../../src/service/scheduler.js';
import type { ScheduleConfig } from '../../src/service/config/types.js';
import type { JobRecord, JobRequest } from '../../src/service/jobs/types.js';
import { until } from './helpers/data.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function schedule(report: string, cron: string, jitterSeconds: number, params: Record<string, number> = {}): ScheduleConfig {
  return { cron, report, params, format: 'csv', jitterSeconds, name: `${report}#${cron}`, deliver: [] };
}

test('an unchanged schedule survives frequent updates with its jittered runs; changed and removed ones are replaced and stopped', { timeout: 30_000 }, async () => {
  const submitted: JobRequest[] = [];
  const scheduler = new Scheduler([
    // Every 2 s, each run delayed by a random jitter of up to the 2 s to the next run.
    schedule('kept', '*/2 * * * * *', 30),
    schedule('changed', '* * * * * *', 0, { n: 1 }),
    schedule('removed', '* * * * * *', 0),
  ], {
    submit: async (request) => {
      submitted.push(request);
      return {} as JobRecord;
    },
    retryMs: 1000,
    log: quiet,
  });
  try {
    const kept = schedule('kept', '*/2 * * * * *', 30);
    const changed = schedule('changed', '* * * * * *', 0, { n: 2 });
    scheduler.update([kept, changed]);
    const count = (report: string, n?: number): number =>
      submitted.filter((request) => request.report === report && (n === undefined || request.params.n === n)).length;
    const removedBefore = count('removed');
    const changedBefore = count('changed', 1);
    // Updating every 50 ms with an equal definition: were "kept" re-created each time, its pending jittered run
    // would be cancelled every 50 ms and (almost) never submitted.
    const updater = setInterval(() => scheduler.update([schedule('kept', '*/2 * * * * *', 30), changed]), 50);
    try {
      await until(() => count('kept') >= 2, 15_000, 'two jittered runs of the unchanged schedule');
    } finally {
      clearInterval(updater);
    }
    assert.ok(count('changed', 2) >= 2, 'the changed schedule runs with its new parameters');
    assert.equal(count('changed', 1), changedBefore, 'the old definition of the changed schedule stopped');
    assert.equal(count('removed'), removedBefore, 'the removed schedule stopped');
    assert.equal(scheduler.nextRuns().length, 2);
  } finally {
    scheduler.stop();
  }
});
