/**
 * The observability code's share of the service's CPU, from a V8 CPU profile of the running service
 * (obs on) under the constant-rate load: the part of the main thread's busy samples whose first
 * user-land frame (past builtins and node internals) is src/observability or @opentelemetry, plus
 * async_hooks internals (AsyncLocalStorage's cost on Node 20). A share of one process's own samples
 * is not moved by the machine's noise the way on-vs-off timings are; it leaves out what the
 * observability makes fastify and node:http do (dispatching two more hooks, one more response header).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface CpuShare {
  /** Main-thread busy ms after start-up. */
  readonly busyMs: number;
  /** % of it in observability frames. */
  readonly observabilityPercent: number;
  /** % of it in async_hooks internals. */
  readonly asyncHooksPercent: number;
}

const IDLE = new Set(['(idle)', '(program)']);
const builtin = (url: string): boolean => url === '' || url.startsWith('node:');
const loading = (frame: ProfileNode['callFrame']): boolean => /\/esm\/|\/cjs\/|loader/.test(frame.url) || /compileSourceTextModule|wrapSafe/.test(frame.functionName);

export function cpuShare(profile: Profile): CpuShare {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const time = new Map<number, number>();
  profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let busy = 0;
  let observability = 0;
  let asyncHooks = 0;
  for (const [id, us] of time) {
    const leaf = byId.get(id)!;
    if (IDLE.has(leaf.callFrame.functionName)) continue;
    const stack: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!);
    if (stack.some((node) => loading(node.callFrame))) continue; // start-up, not serving
    busy += us;
    const owner = stack.find((node) => !builtin(node.callFrame.url));
    if (leaf.callFrame.url.includes('async_hooks')) asyncHooks += us;
    else if (owner !== undefined && /src\/observability\/|@opentelemetry/.test(owner.callFrame.url)) observability += us;
  }
  const percent = (us: number): number => (busy === 0 ? 0 : Math.round((us / busy) * 10_000) / 100);
  return { busyMs: Math.round(busy / 1000), observabilityPercent: percent(observability), asyncHooksPercent: percent(asyncHooks) };
}

/** The main thread's profile in `dir` (Node names it CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile; 0 = main thread). */
export async function mainThreadShare(dir: string, pid: number): Promise<CpuShare> {
  const name = (await readdir(dir)).find((file) => file.includes(`.${pid}.0.`) && file.endsWith('.cpuprofile'));
  if (name === undefined) throw new Error(`no main-thread CPU profile of ${pid} in ${dir}`);
  return cpuShare(JSON.parse(await readFile(join(dir, name), 'utf8')) as Profile);
}
