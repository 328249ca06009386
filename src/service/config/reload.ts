/**
 * Live reload of the config file (SIGHUP, `sheetpipe reload`, `POST /v1/admin/reload`): the file is
 * read and checked completely, the restart-only settings compared (restart-only.ts), and only then is
 * the new snapshot swapped in (ConfigHolder.replace). Any problem keeps the running config, is logged
 * with its reason and counted, so a typo in the file never takes the service down or half-applies.
 * Reloads run one at a time: a second signal while one is being read waits for it.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { SheetpipeError, isSheetpipeError } from '../../errors.js';
import type { ServiceLogger } from '../jobs/runner.js';
import type { ConfigHolder } from './holder.js';
import { loadConfig } from './load.js';
import { changedSections, restartOnlyChanges } from './restart-only.js';
import type { ServiceConfig } from './types.js';

export type ReloadTrigger = 'SIGHUP' | 'admin';

export interface ReloadOutcome {
  readonly result: 'applied' | 'rejected';
  readonly at: Date;
  /** Why it was rejected: the bad key and problem, or the restart-only keys that changed. */
  readonly reason?: string;
  /** Applied: the top-level sections that differ (names only). */
  readonly changed?: readonly string[];
}

export interface ReloaderOptions {
  readonly log: ServiceLogger;
  readonly registry: Registry;
  /** Reads and checks the file (default loadConfig). */
  readonly load?: (file: string) => Promise<ServiceConfig>;
}

/** A config error's key path and problem, with the file's own path (a server path) left out. */
function reasonOf(error: unknown, file: string): string {
  if (isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_CONFIG')) {
    const [where = '', problem = ''] = error.args;
    return where === file ? `the config file: ${problem}` : `${where}: ${problem}`;
  }
  return (error as Error).message;
}

export class ConfigReloader {
  readonly #holder: ConfigHolder;
  readonly #options: ReloaderOptions;
  readonly #reloads: Counter<'result'>;
  readonly #lastAt: Gauge;
  readonly #lastOk: Gauge;
  #chain: Promise<unknown> = Promise.resolve();
  #last: ReloadOutcome | undefined;

  constructor(holder: ConfigHolder, options: ReloaderOptions) {
    this.#holder = holder;
    this.#options = options;
    const registers = [options.registry];
    this.#reloads = new Counter({ name: 'sheetpipe_config_reloads_total', help: 'Config reloads (SIGHUP, admin endpoint) by result', labelNames: ['result'], registers });
    // Both series exist from the start, so a dashboard's rate() sees the first rejection.
    this.#reloads.inc({ result: 'applied' }, 0);
    this.#reloads.inc({ result: 'rejected' }, 0);
    this.#lastAt = new Gauge({ name: 'sheetpipe_config_last_reload_timestamp_seconds', help: 'Unix time of the last config reload attempt (0: none yet)', registers });
    this.#lastOk = new Gauge({ name: 'sheetpipe_config_last_reload_success', help: '1 when the last config reload was applied, 0 when it was rejected (1 before any)', registers });
    this.#lastOk.set(1);
  }

  /** The last reload's outcome, undefined before the first. */
  get last(): ReloadOutcome | undefined {
    return this.#last;
  }

  /** Re-reads the config file; never throws: a rejected reload is an outcome. */
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const next = this.#chain.then(() => this.#reloadNow(trigger));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #reloadNow(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const running = this.#holder.current();
    const file = running.file;
    let outcome: ReloadOutcome;
    try {
      if (file === undefined) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_RELOAD_REJECTED', ['the service was not started from a config file']);
      const next = await (this.#options.load ?? loadConfig)(file);
      const fixed = restartOnlyChanges(running, next);
      if (fixed.length > 0) throw new Error(`${fixed.join(', ')} cannot change without a restart`);
      const changed = changedSections(running, next);
      // Listeners (schedules, sampling) get a config that passed the same checks, so they should not fail; if one
      // does, the new snapshot is in force anyway and the failure is logged rather than reported as a rejection.
      for (const error of this.#holder.replace(next)) this.#options.log.error({ err: error, trigger }, 'applying the reloaded configuration failed in part');
      outcome = { result: 'applied', at: new Date(), changed };
      this.#options.log.info({ trigger, changed }, 'configuration reloaded');
    } catch (error) {
      const reason = isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_RELOAD_REJECTED') ? error.args[0] ?? '' : reasonOf(error, file ?? '');
      outcome = { result: 'rejected', at: new Date(), reason };
      this.#options.log.warn({ trigger, reason }, 'configuration reload rejected; the running configuration stays');
    }
    this.#last = outcome;
    this.#reloads.inc({ result: outcome.result });
    this.#lastAt.set(outcome.at.getTime() / 1000);
    this.#lastOk.set(outcome.result === 'applied' ? 1 : 0);
    return outcome;
  }
}
