/**
 * piscina's entry for the render threads, in CommonJS on purpose. piscina require()s its `filename` before it
 * tries import(). On Node 22+ that require() of the ESM worker goes through require(esm), and on Node 24 it once
 * aborted the whole process in CI (a native assertion in ModuleWrap::CreateRequiredModuleFacade). A CommonJS
 * entry is required as plain CommonJS and loads the ESM worker with import(), the path Node 20 always takes.
 */
const loadWorker = () => import('./render-thread.js');
type RunChunk = Awaited<ReturnType<typeof loadWorker>>['default'];

let worker: ReturnType<typeof loadWorker> | undefined;

module.exports = async function chunkEntry(task: Parameters<RunChunk>[0]): Promise<unknown> {
  worker ??= loadWorker();
  return (await worker).default(task);
};
