// Kills a browser and everything it started, by the pid we saved when it launched: polite signal, grace
// period, then SIGKILL. Before signalling, the pid is checked to still be that browser (its command line
// names our profile folder), so a pid reused by another program is never hit. Linux /proc only.
import { readdirSync, readFileSync } from 'node:fs';
import { BROWSER_KILLED_WAIT_MS } from './timings.js';

// A zombie (exited, not yet reaped by its parent) still answers signal 0 but runs nothing: not alive.
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but is not ours to signal.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Z: zombie, X: dead; no /proc entry: gone since the signal.
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

// True when the process's command line mentions `marker` (e.g. the Chromium profile folder).
export function commandLineIncludes(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    // No such process (any more): it names nothing.
    return false;
  }
}

// The fields of /proc/<pid>/stat from the third (state) on.
function statFields(pid: number): string[] | undefined {
  try {
    // The command name in field 2 may hold spaces and parentheses: read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    // It ended (or ended while /proc was being listed).
    return undefined;
  }
}

// When the process started (clock ticks since boot, /proc/<pid>/stat field 22): with the pid, names one
// process for good, since a pid is reused only by a process started later.
export function startTimeOf(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

// The live browsers started on `profile` (an argument exactly --user-data-dir=<profile>), roots only: a
// helper process whose parent is one of them belongs to that tree. Finds a browser whether or not it took
// a SingletonLock (chromium-headless-shell takes none).
export function browsersOnProfile(profile: string): number[] {
  const flag = `--user-data-dir=${profile}`;
  const found = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && argvOf(Number(entry)).includes(flag) && isAlive(Number(entry))) found.add(Number(entry));
  }
  return [...found].filter((pid) => !found.has(parentOf(pid) ?? -1));
}

function parentOf(pid: number): number | undefined {
  const parent = statFields(pid)?.[1];
  return parent === undefined ? undefined : Number(parent);
}

// The process and all its descendants.
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function signal(pids: readonly number[], groupLeader: number, name: NodeJS.Signals): void {
  // Puppeteer starts Chromium detached, so it leads its own process group: signal the group, then each pid
  // (renderers that left the group are still in the tree).
  for (const target of [-groupLeader, ...pids]) {
    try {
      process.kill(target, name);
    } catch {
      // Already gone (ESRCH), or not a group; a process that stays is reported by waitGone's answer.
    }
  }
}

async function waitGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!pids.some(isAlive)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface KillResult {
  // Pids that were signalled (empty when the browser was already gone or the pid is no longer ours).
  signalled: number[];
  forced: boolean;
  // False when some of them were still running after SIGKILL and the wait that follows it.
  gone: boolean;
}

export async function killBrowserTree(pid: number, profileMarker: string, graceMs: number): Promise<KillResult> {
  if (!isAlive(pid) || !commandLineIncludes(pid, profileMarker)) return { signalled: [], forced: false, gone: true };
  const tree = processTree(pid);
  // The polite signal goes to the browser process alone: it then shuts its helpers down in order, after
  // they flush the profile (storage lives in a helper process; signalling all at once can lose the login).
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Gone already (ESRCH); anything else shows as a process that stays, below.
  }
  if (await waitGone(tree, graceMs)) return { signalled: tree, forced: false, gone: true };
  signal(tree, pid, 'SIGKILL');
  return { signalled: tree, forced: true, gone: await waitGone(tree, BROWSER_KILLED_WAIT_MS) };
}
