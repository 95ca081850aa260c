// Per-process memory of a Chromium tree for the memory benchmark: shared/process-memory.ts plus the
// Chromium process type of each.
import { readdirSync, readFileSync } from 'node:fs';
import { processMemory as readMemory } from '../../shared/process-memory.js';
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

// One process's memory and type, or undefined when it ended while we looked.
export function processMemory(pid: number, kind: (pid: number) => string = () => 'process'): ProcessMemory | undefined {
  const memory = readMemory(pid);
  return memory && { ...memory, kind: kind(pid) };
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
