// The physical memory a set of processes holds, counting each resident page once however many of them map
// it (from /proc/<pid>/pagemap; needs root to see page frame numbers). Unlike PSS it does not depend on
// other programs: another engineer's Chromium mapping the same binary lowers our PSS, not our footprint.
// Alone on a host, a tenant's footprint is close to its PSS.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const PAGE_KB = 4;
const PRESENT = 1n << 63n;
// Set for pages of files and of shared memory; clear for private anonymous pages.
const FILE_OR_SHARED = 1n << 61n;
const PFN_MASK = (1n << 55n) - 1n;
// Entries read per pagemap read (8 bytes each).
const CHUNK_PAGES = 65_536;

export interface Footprint {
  // Distinct resident pages, in kB.
  kb: number;
  // Of which private anonymous pages (heaps, stacks, copied-on-write data), as PSS's Pss_Anon.
  anonKb: number;
}

interface Mapping {
  start: number;
  pages: number;
}

// Mappings with resident pages, from /proc/<pid>/smaps; empty when the process is gone.
function residentMappings(pid: number): Mapping[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return [];
  }
  const mappings: Mapping[] = [];
  let current: (Mapping & { rss: number }) | undefined;
  for (const line of text.split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (range) {
      if (current && current.rss > 0) mappings.push(current);
      const start = parseInt(range[1] ?? '0', 16);
      const end = parseInt(range[2] ?? '0', 16);
      current = { start, pages: (end - start) / 4096, rss: 0 };
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current) current.rss = Number(rss[1]);
  }
  if (current && current.rss > 0) mappings.push(current);
  return mappings;
}

// Adds the page frames resident in `pid`'s mappings to `all` (and the private anonymous ones to `anon`).
function collect(pid: number, all: Set<bigint>, anon: Set<bigint>): void {
  const mappings = residentMappings(pid);
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/pagemap`, 'r');
  } catch {
    return;
  }
  const buffer = Buffer.alloc(CHUNK_PAGES * 8);
  try {
    for (const mapping of mappings) {
      for (let done = 0; done < mapping.pages; done += CHUNK_PAGES) {
        const pages = Math.min(CHUNK_PAGES, mapping.pages - done);
        const read = readSync(fd, buffer, 0, pages * 8, (mapping.start / 4096 + done) * 8);
        for (let offset = 0; offset + 8 <= read; offset += 8) {
          const entry = buffer.readBigUInt64LE(offset);
          if ((entry & PRESENT) === 0n) continue;
          const frame = entry & PFN_MASK;
          if (frame === 0n) throw new Error('Page frame numbers are hidden (not root?): no footprint');
          all.add(frame);
          if ((entry & FILE_OR_SHARED) === 0n) anon.add(frame);
        }
      }
    }
  } catch (error) {
    // A process that ended while we read it has no pages left to count.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  } finally {
    closeSync(fd);
  }
}

// The footprint of all `pids` together.
export function footprint(pids: readonly number[]): Footprint {
  const all = new Set<bigint>();
  const anon = new Set<bigint>();
  for (const pid of pids) collect(pid, all, anon);
  return { kb: all.size * PAGE_KB, anonKb: anon.size * PAGE_KB };
}

// True when this process can read page frame numbers (root), so footprint() works.
export function canMeasureFootprint(): boolean {
  try {
    return footprint([process.pid]).kb > 0;
  } catch {
    return false;
  }
}
