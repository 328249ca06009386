/**
 * `POST /v1/admin/reload` (tokens with `"*"`): re-reads the config file like SIGHUP does and answers the
 * outcome. Applied: `200 { result, at, changed }`; rejected: `409 SHEETPIPE_ERR_SERVICE_RELOAD_REJECTED`
 * naming the key and problem (never the file's path), and the running config stays.
 */
import type { FastifyPluginAsync } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import type { ConfigReloader } from '../config/reload.js';
import { requireAllReports } from './auth.js';

export function adminRoutes(reloader: ConfigReloader): FastifyPluginAsync {
  return async (app) => {
    app.post('/v1/admin/reload', async (request) => {
      requireAllReports(request, 'config reload');
      const outcome = await reloader.reload('admin');
      if (outcome.result === 'rejected') throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_RELOAD_REJECTED', [outcome.reason ?? '']);
      return { result: outcome.result, at: outcome.at.toISOString(), changed: outcome.changed ?? [] };
    });
  };
}
