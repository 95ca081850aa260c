// Reads a process's memory from /proc (Linux only): RSS, which counts every shared page in full for each
// process that maps it, and PSS, which splits each shared page among its sharers and so sums honestly over
// a tree of processes (Chromium's zygote children share most of their code and fonts).
import { readFileSync } from 'node:fs';
import { processTree } from '../../shared/process-tree.js';

export interface ProcessMemory {
  pid: number;
  // The Chromium process type: 'browser', 'renderer', 'gpu-process', 'zygote', 'utility:<service>', ...
  kind: string;
  rssKb: number;
  pssKb: number;
}

export interface TreeMemory {
  processes: ProcessMemory[];
  rssKb: number;
  pssKb: number;
}

function readKb(file: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

// A process's type from its Chromium switches; the browser process has no --type. Chromium's children
// rewrite their command line as one space-separated string, so split on both.
export function chromiumKind(pid: number): string {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
  const value = (name: string): string | undefined => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const type = value('type');
  if (type === undefined) return 'browser';
  const subType = value('utility-sub-type');
  return subType === undefined ? type : `${type}:${subType.replace(/\.mojom\./, '.')}`;
}

// One process's memory, or undefined when it ended (or turned into a zombie) while we looked.
export function processMemory(pid: number, kind: (pid: number) => string = () => 'process'): ProcessMemory | undefined {
  try {
    const rssKb = readKb(`/proc/${pid}/status`, 'VmRSS');
    const pssKb = readKb(`/proc/${pid}/smaps_rollup`, 'Pss');
    if (rssKb === undefined || pssKb === undefined) return undefined;
    return { pid, kind: kind(pid), rssKb, pssKb };
  } catch {
    return undefined;
  }
}

// The memory of a process and all its descendants.
export function treeMemory(rootPid: number, kind: (pid: number) => string = chromiumKind): TreeMemory {
  const processes = processTree(rootPid)
    .map((pid) => processMemory(pid, kind))
    .filter((found): found is ProcessMemory => found !== undefined);
  return {
    processes,
    rssKb: processes.reduce((sum, found) => sum + found.rssKb, 0),
    pssKb: processes.reduce((sum, found) => sum + found.pssKb, 0),
  };
}
