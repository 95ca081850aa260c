// Finds the Chromium processes that use a given profile folder (from /proc), to check nothing is left
// running and to measure memory.
import { readdirSync, readFileSync } from 'node:fs';

export interface BrowserProcess {
  pid: number;
  rssKb: number;
}

export function chromiumProcessesFor(profileMarker: string): BrowserProcess[] {
  const found: BrowserProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes(profileMarker) || !/chrom/i.test(cmdline.split('\0')[0] ?? '')) continue;
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      found.push({ pid: Number(entry), rssKb: Number(rss ?? 0) });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
