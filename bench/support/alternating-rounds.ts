// Service and bare baseline measured in turns on one route. After a warm-up on each, every round is made
// of 1-second slices in the order bare, service, service, bare, bare, service...: load on the machine that
// comes and goes within seconds (other tenants' test runs) then weighs on both alike. Each round gives one
// ratio, the two servers' answers over the same total time; on a shared machine ratios mean more than req/s.
import { runLoad, type LoadResult, type LoadTool } from './load-generator.js';
import { cpuSeconds } from './process-cpu.js';
import type { RouteRequest } from './same-answers.js';
import { spread } from './stats.js';

const SLICE_SECONDS = 1;
// Answers cut off when a slice ends count their bytes but not themselves: a little slack per answer.
const BYTES_SLACK = 1;

export interface BenchServer {
  url: string;
  // The process that serves HTTP, whose CPU time is read around each slice.
  pid: number;
}

export interface BenchRoute extends RouteRequest {
  name: string;
  connections: number;
  rounds: number;
}

export interface ServerMeasure {
  requests: number;
  // Headers and body, as received by the load generator.
  bytesPerAnswer: number;
  rps: number;
  // Mean over all answers; p50 and p99 are the median of the slices' own.
  latencyMs: LoadResult['latencyMs'];
  // CPU time of the serving process per answer, microseconds (NaN without /proc).
  cpuUsPerRequest: number;
}

export interface Round {
  bare: ServerMeasure;
  service: ServerMeasure;
  // service req/s / bare req/s.
  ratio: number;
}

export interface RoundsOptions {
  tool: LoadTool;
  route: BenchRoute;
  bare: BenchServer;
  service: BenchServer;
  // Per server and round, in 1-second slices.
  seconds: number;
  warmupSeconds: number;
}

interface Slice {
  result: LoadResult;
  cpuSeconds: number;
}

async function slice(tool: LoadTool, server: BenchServer, route: BenchRoute, seconds: number): Promise<Slice> {
  const before = cpuSeconds(server.pid);
  const result = await runLoad(tool, {
    url: new URL(route.path, server.url).href,
    method: route.method,
    ...(route.body === undefined ? {} : { body: route.body }),
    ...(route.headers === undefined ? {} : { headers: route.headers }),
    connections: route.connections,
    seconds,
  });
  return { result, cpuSeconds: cpuSeconds(server.pid) - before };
}

function combine(slices: readonly Slice[]): ServerMeasure {
  const requests = slices.reduce((total, { result }) => total + result.requests, 0);
  const latencies = slices.map(({ result }) => result.latencyMs);
  return {
    requests,
    bytesPerAnswer: slices.reduce((total, { result }) => total + result.bytes, 0) / requests,
    // Slices last the same time: the mean of their rates is the rate over all of them.
    rps: slices.reduce((total, { result }) => total + result.rps, 0) / slices.length,
    latencyMs: {
      mean: slices.reduce((total, { result }) => total + result.latencyMs.mean * result.requests, 0) / requests,
      p50: spread(latencies.map((latency) => latency.p50)).median,
      p99: spread(latencies.map((latency) => latency.p99)).median,
    },
    cpuUsPerRequest: (slices.reduce((total, { cpuSeconds: cpu }) => total + cpu, 0) * 1e6) / requests,
  };
}

export async function alternatingRounds(options: RoundsOptions): Promise<Round[]> {
  const { tool, route, bare, service, seconds } = options;
  // JIT, connection handling and caches warmed on both before anything counts.
  await slice(tool, bare, route, options.warmupSeconds);
  await slice(tool, service, route, options.warmupSeconds);
  const rounds: Round[] = [];
  for (let index = 0; index < route.rounds; index += 1) {
    const bareSlices: Slice[] = [];
    const serviceSlices: Slice[] = [];
    for (let step = 0; step < seconds; step += 1) {
      const pair = (step + index) % 2 === 0 ? (['bare', 'service'] as const) : (['service', 'bare'] as const);
      for (const side of pair) {
        if (side === 'bare') bareSlices.push(await slice(tool, bare, route, SLICE_SECONDS));
        else serviceSlices.push(await slice(tool, service, route, SLICE_SECONDS));
      }
    }
    const bareMeasure = combine(bareSlices);
    const serviceMeasure = combine(serviceSlices);
    if (Math.abs(serviceMeasure.bytesPerAnswer - bareMeasure.bytesPerAnswer) > BYTES_SLACK) {
      throw new Error(
        `${route.name}, round ${index + 1}: the service answered ${serviceMeasure.bytesPerAnswer.toFixed(1)} bytes per answer and the ` +
          `bare baseline ${bareMeasure.bytesPerAnswer.toFixed(1)}; they must answer the same bytes`,
      );
    }
    rounds.push({ bare: bareMeasure, service: serviceMeasure, ratio: serviceMeasure.rps / bareMeasure.rps });
  }
  return rounds;
}
