// The HTTP benchmark's printout: one table of rounds per route, then the ratio's median and minimum.
import type { BenchRoute, Round } from './alternating-rounds.js';
import { spread } from './stats.js';
import { formatTable } from './table.js';

const ms = (value: number): string => value.toFixed(2);
const us = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(0));

export function routeReport(route: BenchRoute, bodyBytes: number, rounds: readonly Round[], target?: number): string[] {
  const ratios = spread(rounds.map((round) => round.ratio));
  const verdict = target === undefined ? '' : ratios.min >= target ? `, target >= ${target} in every round: met` : `, target >= ${target} in every round: MISSED`;
  const header = [
    'round',
    'bare req/s',
    'service req/s',
    'service/bare',
    'bare p50/p99 ms',
    'service p50/p99 ms',
    'CPU us/req bare/service',
  ];
  const rows = rounds.map((round, index) => [
    String(index + 1),
    round.bare.rps.toFixed(0),
    round.service.rps.toFixed(0),
    round.ratio.toFixed(2),
    `${ms(round.bare.latencyMs.p50)}/${ms(round.bare.latencyMs.p99)}`,
    `${ms(round.service.latencyMs.p50)}/${ms(round.service.latencyMs.p99)}`,
    `${us(round.bare.cpuUsPerRequest)}/${us(round.service.cpuUsPerRequest)}`,
  ]);
  const bareRps = spread(rounds.map((round) => round.bare.rps)).median;
  const serviceRps = spread(rounds.map((round) => round.service.rps)).median;
  return [
    `${route.name}, ${route.connections} connection${route.connections === 1 ? '' : 's'}, ${bodyBytes}-byte bodies` +
      ` (${spread(rounds.map((round) => round.service.bytesPerAnswer)).median.toFixed(0)} bytes per answer with headers):`,
    ...formatTable(header, rows),
    `  service/bare median ${ratios.median.toFixed(2)}, min ${ratios.min.toFixed(2)}, max ${ratios.max.toFixed(2)}` +
      ` (median req/s bare ${bareRps.toFixed(0)}, service ${serviceRps.toFixed(0)})${verdict}`,
    '',
  ];
}
