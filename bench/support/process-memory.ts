// Reads a process's memory from /proc (Linux only). RSS counts every shared page in full for each process
// that maps it; PSS splits each shared page among its sharers, so it sums honestly over a tree of processes
// (Chromium's zygote children share most of their code). PSS of file pages (the Chromium binary, fonts) is
// also split with any other Chromium on the host, so it moves when other browsers start or stop; the
// anonymous part (heaps, V8, caches) is shared only within the tree and does not.
import { readdirSync, readFileSync } from 'node:fs';
import { processTree } from '../../shared/process-tree.js';

export interface ProcessMemory {
  pid: number;
  // The Chromium process type: 'browser', 'renderer', 'gpu-process', 'zygote', 'utility:<service>', ...
  kind: string;
  rssKb: number;
  pssKb: number;
  // Pss_Anon + Pss_Shmem.
  pssAnonKb: number;
}

export interface TreeMemory {
  processes: ProcessMemory[];
  rssKb: number;
  pssKb: number;
  pssAnonKb: number;
}

function readKb(text: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function commandLine(pid: number): string[] {
  // Chromium's children rewrite their command line as one space-separated string: split on both.
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
}

// A process's type from its Chromium switches; the browser process has no --type.
export function chromiumKind(pid: number): string {
  const args = commandLine(pid);
  const value = (name: string): string | undefined => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const type = value('type');
  if (type === undefined) return 'browser';
  if (type === 'renderer' && args.includes('--top-chrome-webui')) return 'renderer:top-chrome-webui';
  const subType = value('utility-sub-type');
  return subType === undefined ? type : `${type}:${subType.replace('.mojom.', '.')}`;
}

// One process's memory, or undefined when it ended (or turned into a zombie) while we looked.
export function processMemory(pid: number, kind: (pid: number) => string = () => 'process'): ProcessMemory | undefined {
  try {
    const rssKb = readKb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pssKb = readKb(rollup, 'Pss');
    const pssAnonKb = (readKb(rollup, 'Pss_Anon') ?? 0) + (readKb(rollup, 'Pss_Shmem') ?? 0);
    if (rssKb === undefined || pssKb === undefined) return undefined;
    return { pid, kind: kind(pid), rssKb, pssKb, pssAnonKb };
  } catch {
    return undefined;
  }
}

// The memory of a process and all its descendants.
export function treeMemory(rootPid: number, kind: (pid: number) => string = chromiumKind): TreeMemory {
  const processes = processTree(rootPid)
    .map((pid) => processMemory(pid, kind))
    .filter((found): found is ProcessMemory => found !== undefined);
  const sum = (pick: (found: ProcessMemory) => number): number => processes.reduce((total, found) => total + pick(found), 0);
  return { processes, rssKb: sum((found) => found.rssKb), pssKb: sum((found) => found.pssKb), pssAnonKb: sum((found) => found.pssAnonKb) };
}

// Live Chromium processes outside `ours` (another test or service on the host; crash handlers aside): they
// share the binary's pages with ours and so lower our PSS while they run.
export function otherChromiumProcesses(ours: ReadonlySet<number>): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || ours.has(Number(entry))) continue;
    try {
      const program = commandLine(Number(entry))[0] ?? '';
      if (/chrom/i.test(program) && !program.includes('crashpad')) count += 1;
    } catch {
      // The process ended while we looked.
    }
  }
  return count;
}
