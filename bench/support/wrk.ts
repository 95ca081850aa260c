// wrk (https://github.com/wg/wrk) as the load generator: one thread, a Lua script for the method and body,
// and a done() hook printing the summary as one JSON line.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { assertAllOk, LOAD_GRACE_MS, type LoadRequest, type LoadResult } from './load-result.js';

const run = promisify(execFile);
const MARK = 'WRK_JSON ';

// A Lua string literal for any bytes: printable ASCII as is, the rest as three-digit decimal escapes (a
// shorter one followed by a digit would read as another byte).
export function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    const printable = byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c;
    out += printable ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}

export function wrkScript(request: Pick<LoadRequest, 'method' | 'body'>): string {
  return [
    `wrk.method = ${luaString(request.method)}`,
    ...(request.body === undefined ? [] : [`wrk.body = ${luaString(request.body)}`]),
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    `  io.write(string.format('\\n${MARK}{"requests":%d,"bytes":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,` +
      `"status":%d,"timeout":%d,"mean_us":%.1f,"p50_us":%.1f,"p99_us":%.1f}\\n',`,
    '    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,',
    '    latency.mean, latency:percentile(50), latency:percentile(99)))',
    'end',
    '',
  ].join('\n');
}

interface WrkSummary {
  requests: number;
  bytes: number;
  duration_us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  mean_us: number;
  p50_us: number;
  p99_us: number;
}

// wrk counts answers with a status of 400 and up under `status`; the bench's byte check before the
// rounds makes sure the route answers 200 at all.
export function parseWrkOutput(what: string, stdout: string, stderr = ''): LoadResult {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(MARK));
  if (line === undefined) throw new Error(`${what}: wrk printed no summary; stderr: ${stderr.trim().slice(-500) || '(none)'}; stdout: ${stdout.slice(-500)}`);
  const summary = JSON.parse(line.slice(MARK.length)) as WrkSummary;
  assertAllOk(what, {
    'connect errors': summary.connect,
    'read errors': summary.read,
    'write errors': summary.write,
    'answers of 400 or more': summary.status,
    timeouts: summary.timeout,
  });
  if (summary.requests === 0) throw new Error(`${what}: wrk got no answer at all`);
  return {
    requests: summary.requests,
    bytes: summary.bytes,
    rps: summary.requests / (summary.duration_us / 1e6),
    latencyMs: { mean: summary.mean_us / 1000, p50: summary.p50_us / 1000, p99: summary.p99_us / 1000 },
  };
}

export async function runWrk(request: LoadRequest): Promise<LoadResult> {
  const what = `wrk ${request.method} ${request.url} (${request.connections} connections, ${request.seconds} s)`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-wrk-'));
  try {
    const script = path.join(dir, 'report.lua');
    await writeFile(script, wrkScript(request));
    const headers = Object.entries(request.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
    const args = ['-t1', `-c${request.connections}`, `-d${request.seconds}s`, '--timeout', '5s', '-s', script, ...headers, request.url];
    const { stdout, stderr } = await run('wrk', args, { timeout: request.seconds * 1000 + LOAD_GRACE_MS, killSignal: 'SIGKILL' }).catch(
      (error: unknown) => {
        throw new Error(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      },
    );
    return parseWrkOutput(what, stdout, stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
