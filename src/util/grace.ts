/**
 * The grace-period race of every shutdown: wait for `work`, but at most `graceMs`. Answers whether the work
 * ended in time (a failure of the work counts as ended: the caller only needs to know it may stop waiting).
 * The timer is cleared either way, so a finished shutdown leaves nothing that keeps the process alive.
 */
export async function withinGrace(work: Promise<unknown>, graceMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<false>((resolve) => (timer = setTimeout(resolve, graceMs, false)));
  try {
    return await Promise.race([work.then(() => true, () => true), graceOver]);
  } finally {
    clearTimeout(timer);
  }
}
