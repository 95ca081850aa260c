// One tenant on the real driver (whatsapp-web.js in real Chromium) against one WhatsApp Web simulator, started
// again and again on the same sessions folder: what the e2e tests of the saved login share. The suite that
// uses it calls open() in before() and close() in after().
import { sessionLayout, type SessionLayout } from '../../shared/session-layout.js';
import { request } from './http.js';
import { requireChromium } from './require-chromium.js';
import { startService, type ServiceProcess } from './service-process.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from './wa-sim/index.js';

export class RealTenant {
  #sim: WhatsAppSimulator | undefined;
  #service: ServiceProcess | undefined;
  #sessionsDir: string | undefined;

  async open(): Promise<void> {
    requireChromium();
    this.#sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
  }

  get sim(): WhatsAppSimulator {
    if (!this.#sim) throw new Error('RealTenant.open() first');
    return this.#sim;
  }

  // The tenant's folder layout, once the first start made the sessions folder.
  get layout(): SessionLayout {
    if (this.#sessionsDir === undefined) throw new Error('RealTenant.start() first');
    return sessionLayout({ sessionsDir: this.#sessionsDir, clienteId: 51 });
  }

  // A new service on the same sessions folder (the first start makes it).
  async start(): Promise<ServiceProcess> {
    this.#service = await startService({
      ...(this.#sessionsDir === undefined ? {} : { sessionsDir: this.#sessionsDir }),
      env: { WA_DRIVER: 'whatsapp-web.js', CHROME_ARGS: JSON.stringify(this.sim.chromeArgs), LOG_LEVEL: 'info' },
    });
    this.#sessionsDir ??= this.#service.sessionsDir;
    return this.#service;
  }

  // The phone scans the QR the service serves.
  async scan(service: ServiceProcess): Promise<void> {
    this.sim.scan(String((await request(`${service.url}/qr-code`)).body.qr_code));
  }

  // A first start on a fresh folder: the phone scans the QR, READY, then a polite stop (exit code 0 checked).
  async linkAndStop(timeoutMs: number): Promise<ServiceProcess> {
    const service = await this.start();
    await service.waitForState('QR_REQUIRED', timeoutMs);
    await this.scan(service);
    await service.waitForState('READY', timeoutMs);
    const code = await service.stop('SIGTERM');
    if (code !== 0) throw new Error(`The service stopped with ${String(code)}, not 0`);
    return service;
  }

  async close(): Promise<void> {
    const service = this.#service;
    if (service?.child.exitCode === null) await service.stop('SIGTERM');
    await service?.cleanup();
    await this.#sim?.close();
  }
}

// The session states the service logged, in order.
export function statesLogged(service: ServiceProcess): string[] {
  return service.logs().filter((line) => line.message === 'WhatsApp state').map((line) => String(line.state));
}
