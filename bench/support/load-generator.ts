// Runs the HTTP load generator as its own process (never in the bench's own event loop, which would share
// the cores' time with its own bookkeeping): wrk where installed, else autocannon's CLI.
// BENCH_LOAD_GENERATOR=wrk|autocannon picks one.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { runAutocannonCli } from './autocannon-cli.js';
import type { LoadRequest, LoadResult } from './load-result.js';
import { runWrk } from './wrk.js';

export type { LoadRequest, LoadResult } from './load-result.js';

export const LOAD_TOOLS = ['wrk', 'autocannon'] as const;
export type LoadTool = (typeof LOAD_TOOLS)[number];

// The first executable called `name` on PATH, or undefined.
export function onPath(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export function pickLoadTool(env: NodeJS.ProcessEnv = process.env): LoadTool {
  const wanted = env.BENCH_LOAD_GENERATOR;
  if (wanted !== undefined && wanted !== '') {
    if (!(LOAD_TOOLS as readonly string[]).includes(wanted)) {
      throw new Error(`Expected BENCH_LOAD_GENERATOR to be one of ${LOAD_TOOLS.join(', ')}, got ${JSON.stringify(wanted)}`);
    }
    if (wanted === 'wrk' && onPath('wrk', env.PATH) === undefined) throw new Error('BENCH_LOAD_GENERATOR=wrk, but no wrk on PATH');
    return wanted as LoadTool;
  }
  return onPath('wrk', env.PATH) === undefined ? 'autocannon' : 'wrk';
}

export function validateLoadRequest(request: LoadRequest): void {
  if (!Number.isInteger(request.connections) || request.connections < 1) {
    throw new Error(`Expected connections to be a positive integer, got ${request.connections}`);
  }
  if (!Number.isInteger(request.seconds) || request.seconds < 1 || request.seconds > 120) {
    throw new Error(`Expected seconds to be an integer from 1 to 120, got ${request.seconds}`);
  }
  if (new URL(request.url).hostname !== '127.0.0.1') throw new Error(`Load goes to 127.0.0.1 only, got ${request.url}`);
}

export function runLoad(tool: LoadTool, request: LoadRequest): Promise<LoadResult> {
  validateLoadRequest(request);
  return tool === 'wrk' ? runWrk(request) : runAutocannonCli(request);
}
