// Where a recycle's time goes, from the service's own JSON log lines: each kind of line's first time after
// SIGUSR2, as an offset from the signal. Worker lines are told apart by pid (the worker being replaced, or
// its successor), so the breakdown keeps working when the service's messages change.
import { logTime } from './wwebjs-service.js';
import { spread } from './stats.js';

export type Milestones = Map<string, number>;

function label(line: Record<string, unknown>, oldWorkerPid: number): string {
  const component = String(line.component ?? '?');
  const who = component === 'worker' ? (line.pid === oldWorkerPid ? 'worker(old)' : 'worker(new)') : component;
  const state = line.message === 'WhatsApp state' ? ` ${String(line.state)}` : '';
  return `${who}: ${String(line.message)}${state}`;
}

// First offset (ms from `signalledAt`) of each kind of line logged at or after the signal.
export function milestones(logs: readonly Record<string, unknown>[], signalledAt: number, oldWorkerPid: number): Milestones {
  const found: Milestones = new Map();
  for (const line of logs) {
    const time = logTime(line);
    if (time < signalledAt) continue;
    const key = label(line, oldWorkerPid);
    if (!found.has(key)) found.set(key, time - signalledAt);
  }
  return found;
}

// One line per kind: median offset (min, max) and in how many recycles it appeared, in order of median.
export function describeMilestones(runs: readonly Milestones[]): string[] {
  const offsets = new Map<string, number[]>();
  for (const run of runs) {
    for (const [key, offset] of run) offsets.set(key, [...(offsets.get(key) ?? []), offset]);
  }
  return [...offsets]
    .map(([key, values]) => ({ key, values, at: spread(values) }))
    .sort((a, b) => a.at.median - b.at.median)
    .map(({ key, values, at }) => {
      const range = `(${at.min.toFixed(0)}..${at.max.toFixed(0)})`.padEnd(13);
      return `+${at.median.toFixed(0).padStart(5)} ms ${range} ${String(values.length)}/${String(runs.length)}  ${key}`;
    });
}
