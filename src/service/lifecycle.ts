/**
 * Start-up and graceful shutdown as one plugin. onReady: sample memory, restore jobs, start
 * schedules. preClose (app.close(), e.g. on SIGTERM): refuse new exports, stop listening, let
 * running exports and downloads finish for `server.shutdownGraceSeconds`, then cancel the rest
 * cleanly (query stopped, temp file removed), end SSE streams. onClose: close the job store.
 */
import type { FastifyPluginAsync } from 'fastify';
import { SheetpipeError } from '../errors.js';
import type { ServiceContext } from './context.js';
import { admitNewExport } from './http/job-access.js';
import { skipOverride } from './http/errors.js';
import { Scheduler } from './scheduler.js';
import { withinGrace } from '../util/grace.js';

async function drainDownloads(context: ServiceContext, graceMs: number): Promise<void> {
  const all = (): Promise<unknown> => Promise.all([...context.streams.downloads].map((download) => download.done));
  await withinGrace(all(), graceMs);
  const reason = new SheetpipeError('SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN');
  for (const download of context.streams.downloads) download.controller.abort(reason);
  await all();
}

export function lifecyclePlugin(context: ServiceContext, closeStore: () => Promise<void> | void): FastifyPluginAsync {
  return skipOverride(async (app) => {
    const { admission, queue, state, metrics, configs } = context;
    let scheduler: Scheduler | undefined;
    // A config reload re-creates the schedules that changed; unchanged ones keep their next run (schedules.ts).
    const unsubscribe = configs.onChange((next) => scheduler?.update(next.schedules));

    app.addHook('onReady', async () => {
      // Each transition is a log line and a metric (degrade, queue and refuse are what an operator acts on).
      admission.onChange(() => {
        const { level, reason } = admission.current;
        metrics.recordAdmission(level);
        if (level === 'ok') context.log.info({ admission: level }, 'admission back to ok');
        else context.log.warn({ admission: level, reason }, `admission level ${level}`);
      });
      admission.start();
      await queue.start();
      const config = context.config;
      scheduler = new Scheduler(config.schedules, {
        submit: async (request) => {
          admitNewExport(state, () => admission.check(), true);
          return queue.enqueue(request);
        },
          // limits.retryAfterSeconds is restart-only (config/restart-only.ts): the start's value stays right.
        retryMs: config.limits.retryAfterSeconds * 1000,
        log: context.log,
        onRun: (report, outcome) => metrics.recordScheduleRun(report, outcome),
      });
    });

    app.addHook('preClose', async () => {
      state.shuttingDown = true;
      unsubscribe();
      scheduler?.stop();
      context.slots.rejectWaiting(new SheetpipeError('SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN'));
      // No new connections from here on; requests on open connections still get answers (503 for new work).
      if (app.server.listening) app.server.close();
      const graceMs = context.config.server.shutdownGraceSeconds * 1000;
      await Promise.all([queue.close(graceMs), drainDownloads(context, graceMs)]);
      for (const close of [...context.streams.events]) close();
    });

    app.addHook('onClose', async () => {
      admission.stop();
      // The job store, then the storage lock.
      await closeStore();
    });
  });
}
