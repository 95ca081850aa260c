// The real service with the whatsapp-web.js driver against the WhatsApp Web simulator, for the Chromium
// benchmarks: start it on a sessions folder, log in by QR, stop it cleanly with nothing left running.
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from '../../test/support/http.js';
import { chromiumProcessesFor } from '../../test/support/chromium-processes.js';
import { startService, type ServiceProcess } from '../../test/support/service-process.js';
import type { WhatsAppSimulator } from '../../test/support/wa-sim/index.js';

export const STEP_TIMEOUT_MS = 60_000;

// The variables the service's whatsapp-web.js client is built from (besides CLIENTE_ID and SESSIONS_DIR,
// which startService sets): whatever else starts that client must be given the same.
export function wwebjsEnv(sim: WhatsAppSimulator): Record<string, string> {
  return {
    WA_DRIVER: 'whatsapp-web.js',
    CHROME_ARGS: JSON.stringify(sim.chromeArgs),
    LOG_LEVEL: 'info',
    ...(process.env.CHROME_PATH ? { CHROME_PATH: process.env.CHROME_PATH } : {}),
  };
}

export function startWwebjsService(sim: WhatsAppSimulator, sessionsDir: string): Promise<ServiceProcess> {
  return startService({ sessionsDir, env: wwebjsEnv(sim) });
}

export async function loginByQr(service: ServiceProcess, sim: WhatsAppSimulator): Promise<void> {
  await service.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
  const { body } = await request(`${service.url}/qr-code`);
  if (typeof body.qr_code !== 'string') throw new Error(`GET /qr-code answered no QR: ${JSON.stringify(body)}`);
  sim.scan(body.qr_code);
  await service.waitForState('READY', STEP_TIMEOUT_MS);
}

// Fails when the service's session asked for a QR at or after `since` (epoch ms): the login was lost.
export function assertNoQrSince(service: ServiceProcess, since: number, what: string): void {
  const asked = service.logs().some((line) => line.message === 'WhatsApp state' && line.state === 'QR_REQUIRED' && logTime(line) >= since);
  if (asked) throw new Error(`${what} asked for a QR: the saved login was not restored`);
}

// A log line's timestamp (winston's ISO time, ms), as epoch ms.
export function logTime(line: Record<string, unknown>): number {
  const time = typeof line.timestamp === 'string' ? Date.parse(line.timestamp) : Number.NaN;
  if (Number.isNaN(time)) throw new Error(`A log line has no readable timestamp: ${JSON.stringify(line).slice(0, 200)}`);
  return time;
}

// How long a Chromium's helper processes may take to exit after its browser process did.
export const CHROMIUM_EXIT_GRACE_MS = 2000;

// Kills (by pid) any Chromium still running on a profile under `sessionsDir`, which is ours alone;
// returns how many.
export function killLeftoverChromium(sessionsDir: string): number {
  const left = chromiumProcessesFor(sessionsDir);
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return left.length;
}

// After a browser was closed: gives its helper processes (zygote, renderers) the grace period to exit on
// their own, then kills what is left; returns how many had to be killed.
export async function reapChromium(sessionsDir: string, graceMs = CHROMIUM_EXIT_GRACE_MS): Promise<number> {
  const deadline = Date.now() + graceMs;
  while (chromiumProcessesFor(sessionsDir).length > 0 && Date.now() < deadline) await sleep(20);
  return killLeftoverChromium(sessionsDir);
}

// SIGTERM, then checks the service exited 0 and released the profile (no Chromium left on it).
export async function stopCleanly(service: ServiceProcess): Promise<void> {
  const code = await service.stop('SIGTERM');
  const left = await reapChromium(service.sessionsDir);
  if (code !== 0) throw new Error(`The service exited with ${String(code)} on SIGTERM, expected 0`);
  if (left > 0) throw new Error(`The service left ${left} Chromium processes running ${CHROMIUM_EXIT_GRACE_MS} ms after SIGTERM`);
}
