/**
 * Admission for a direct download. It cannot wait in the job queue, but its client holds the connection open, so
 * at the queue level (memory or loop delay above the queue watermark) it waits — up to `limits.downloadWaitSeconds`
 * — for the level to come down, instead of being refused at once; at the refuse level, or when the wait runs out,
 * 503 as before. At the degrade level it starts (running exports are already giving memory back).
 */
import { SheetpipeError } from '../../errors.js';
import type { AdmissionController } from '../admission.js';
import { admitNewExport } from './job-access.js';

export async function admitDownload(
  state: { shuttingDown: boolean },
  admission: Pick<AdmissionController, 'check' | 'onChange'>,
  waitMs: number,
  gone: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const assessment = admission.check();
    if (assessment.level !== 'queue' || Date.now() >= deadline) return admitNewExport(state, () => assessment, false);
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        stop();
        gone.removeEventListener('abort', onGone);
        resolve();
      };
      const onGone = (): void => {
        done();
        reject(new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', ['the client disconnected']));
      };
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      const stop = admission.onChange(done);
      if (gone.aborted) onGone();
      else gone.addEventListener('abort', onGone, { once: true });
    });
  }
}
