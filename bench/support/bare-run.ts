// Runs bench/bare-wwebjs.ts as its own Node process on a sessions folder and times it from the spawn.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseBareReport, type BareReport } from './bare-protocol.js';
import { serviceClientOptions } from './service-client.js';
import { CHROMIUM_EXIT_GRACE_MS, reapChromium, STEP_TIMEOUT_MS } from './wwebjs-service.js';

const BARE_ENTRY = fileURLToPath(new URL('../bare-wwebjs.js', import.meta.url));

// 'service-modules': the child works the Client's options out with the service's modules (their load
// counts, as in the worker). 'library-only': this process does, and the child loads only whatsapp-web.js.
export type BareMode = 'service-modules' | 'library-only';

export interface BareRun {
  report: BareReport;
  // Epoch ms just before spawn(): Node's own start-up counts.
  spawnedAt: number;
  processStartToReadyMs: number;
}

// `env` is the service's client environment (wwebjsEnv); the rest is what startService gives the service,
// so the bare client and the service's get the same options and Chromium the same environment.
export async function runBare(sessionsDir: string, env: Record<string, string>, mode: BareMode): Promise<BareRun> {
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '', CLIENTE_ID: '51', SESSIONS_DIR: sessionsDir, ...env };
  if (mode === 'library-only') childEnv.BARE_CLIENT = JSON.stringify(serviceClientOptions(childEnv));
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [BARE_ENTRY], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
  const exit = await new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  clearTimeout(timer);
  const left = await reapChromium(sessionsDir);
  const what = `The bare whatsapp-web.js run (${mode})`;
  if (exit !== 0) throw new Error(`${what} exited with ${String(exit)}: ${stderr.trim() || '(no stderr)'}`);
  if (left > 0) throw new Error(`${what} left ${left} Chromium processes running ${CHROMIUM_EXIT_GRACE_MS} ms after it exited`);
  const line = stdout.split('\n').filter((candidate) => candidate.startsWith('{')).at(-1);
  if (line === undefined) throw new Error(`${what} printed no report; stdout: ${stdout.slice(-500)}`);
  const report = parseBareReport(line);
  return { report, spawnedAt, processStartToReadyMs: report.readyAt - spawnedAt };
}
