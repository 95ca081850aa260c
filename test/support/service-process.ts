// Runs the real service (compiled supervisor, which forks the real worker) as a child process for a test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from './http.js';

// Bounds on what is kept of the service's output, so a benchmark's long run cannot eat the memory.
const MAX_LINES = 5000;
const MAX_OUTPUT_CHARS = 1_000_000;

export const SUPERVISOR_ENTRY = fileURLToPath(new URL('../../supervisor/main.js', import.meta.url));

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly sessionsDir: string;
  // Every JSON log line both processes wrote so far.
  logs(): Record<string, unknown>[];
  // Raw stdout (QR art included).
  output(): string;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  // Resolves once the raw stdout contains `text` (QR art is printed after the state that asked for it).
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  waitForState(state: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  // Sends a signal and resolves with the exit code (or the signal's name).
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  // Removes the temporary sessions folder (after stop).
  cleanup(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  // Reuse a sessions folder (a restart that should find the saved login).
  sessionsDir?: string;
}

export async function startService(options: StartOptions = {}): Promise<ServiceProcess> {
  const sessionsDir = options.sessionsDir ?? (await mkdtemp(path.join(os.tmpdir(), 'sm-sessions-')));
  const child = spawn(process.execPath, [SUPERVISOR_ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      CLIENTE_ID: '51',
      PORT: '0',
      WA_DRIVER: 'fake',
      FAKE_SCAN_DELAY_MS: '600',
      SESSIONS_DIR: sessionsDir,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stdout = (stdout + text).slice(-MAX_OUTPUT_CHARS);
    buffered += text;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
        if (lines.length > MAX_LINES) lines.shift();
      } catch {
        // QR art or a partial line: not a log record.
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

  // Resolves with what `find` finds in the output so far or in what comes next; rejects after timeoutMs.
  function waitFor<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`Timed out waiting for ${what}; stderr: ${stderr.slice(-500)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }

  const waitForLog = (match: (line: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> =>
    waitFor(() => lines.find(match), 'a log line', timeoutMs);

  const listening = await waitForLog((line) => line.message === 'Listening');
  const url = `http://127.0.0.1:${String(listening.port)}`;

  return {
    child,
    url,
    sessionsDir,
    logs: () => [...lines],
    output: () => stdout,
    waitForLog,
    waitForOutput: (text, timeoutMs = 10_000) => waitFor(() => (stdout.includes(text) ? stdout : undefined), JSON.stringify(text), timeoutMs).then(() => undefined),
    async waitForState(state, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await request(`${url}/status`);
        if (body.state === state) return body;
        if (Date.now() > deadline) throw new Error(`State is ${String(body.state)}, expected ${state}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    // Stops the service cleanly if it still runs (its browser must not be writing while we delete), then
    // removes the temporary sessions folder.
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      if (!options.sessionsDir) await rm(sessionsDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
