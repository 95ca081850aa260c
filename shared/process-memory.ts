// Reads memory from /proc (Linux only). RSS counts every shared page in full for each process that maps
// it; PSS splits each shared page among its sharers, so it sums honestly over a tree of processes
// (Chromium's zygote children share most of their code). PSS of file pages (the Chromium binary, fonts) is
// also split with any other Chromium on the host; the anonymous part (heaps, V8, caches) is not.
import { readFileSync } from 'node:fs';
import { processTree } from './process-tree.js';

export interface MemoryKb {
  pid: number;
  rssKb: number;
  pssKb: number;
  // Pss_Anon + Pss_Shmem.
  pssAnonKb: number;
}

function readKb(text: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

// One process's memory, or undefined when it ended (or turned into a zombie) while we looked.
export function processMemory(pid: number): MemoryKb | undefined {
  try {
    const rssKb = readKb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pssKb = readKb(rollup, 'Pss');
    const pssAnonKb = (readKb(rollup, 'Pss_Anon') ?? 0) + (readKb(rollup, 'Pss_Shmem') ?? 0);
    if (rssKb === undefined || pssKb === undefined) return undefined;
    return { pid, rssKb, pssKb, pssAnonKb };
  } catch {
    return undefined;
  }
}

export interface TreePssKb {
  // The root process alone (the worker).
  rootKb: number;
  // All its descendants (Chromium and its helpers).
  descendantsKb: number;
}

// PSS of a process and, apart, of all its descendants: one pass over the tree.
export function treePssKb(rootPid: number): TreePssKb {
  let rootKb = 0;
  let descendantsKb = 0;
  for (const pid of processTree(rootPid)) {
    const kb = processMemory(pid)?.pssKb ?? 0;
    if (pid === rootPid) rootKb += kb;
    else descendantsKb += kb;
  }
  return { rootKb, descendantsKb };
}

// PSS of a process and all its descendants (the worker, its Chromium and Chromium's helpers), in MB.
export function treePssMb(rootPid: number): number {
  const { rootKb, descendantsKb } = treePssKb(rootPid);
  return Math.round((rootKb + descendantsKb) / 1024);
}
