// autocannon's CLI as the load generator where wrk is not installed: a separate Node process printing its
// result as JSON (--json), so the bench's own event loop never paces the requests.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { assertAllOk, LOAD_GRACE_MS, type LoadRequest, type LoadResult } from './load-result.js';

const run = promisify(execFile);
const AUTOCANNON_CLI = createRequire(import.meta.url).resolve('autocannon');

interface AutocannonJson {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: { mean: number; p50: number; p99: number };
  throughput: { total: number };
}

export function parseAutocannonOutput(what: string, stdout: string): LoadResult {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
  if (line === undefined) throw new Error(`${what}: autocannon printed no JSON; stdout: ${stdout.slice(-500)}`);
  const result = JSON.parse(line) as AutocannonJson;
  assertAllOk(what, { 'non-2xx answers': result.non2xx, errors: result.errors, timeouts: result.timeouts });
  if (result['2xx'] === 0) throw new Error(`${what}: autocannon got no answer at all`);
  return {
    requests: result['2xx'],
    bytes: result.throughput.total,
    rps: result['2xx'] / result.duration,
    latencyMs: { mean: result.latency.mean, p50: result.latency.p50, p99: result.latency.p99 },
  };
}

export async function runAutocannonCli(request: LoadRequest): Promise<LoadResult> {
  const what = `autocannon ${request.method} ${request.url} (${request.connections} connections, ${request.seconds} s)`;
  const headers = Object.entries(request.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}=${value}`]);
  const args = [
    AUTOCANNON_CLI,
    '--json',
    '--no-progress',
    '-c', String(request.connections),
    '-d', String(request.seconds),
    '-t', '5',
    '-m', request.method,
    ...(request.body === undefined ? [] : ['-b', request.body]),
    ...headers,
    request.url,
  ];
  const { stdout } = await run(process.execPath, args, {
    timeout: request.seconds * 1000 + LOAD_GRACE_MS,
    killSignal: 'SIGKILL',
    env: { PATH: process.env.PATH ?? '' },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: unknown) => {
    throw new Error(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  return parseAutocannonOutput(what, stdout);
}
