// The product's fake driver with switches a test flips: sends that never return, a client that never
// becomes ready. Everything else is the fake driver's own behaviour (QR, self-scan, saved login on disk).
import type { SessionLayout } from '../../shared/session-layout.js';
import { forgetLogin, loginFiles } from '../../shared/session-layout.js';
import type { DriverFactory, WhatsAppDriver } from '../../worker/drivers/driver.js';
import { FakeDriver } from '../../worker/drivers/fake.js';

export interface DriverScript {
  hangSends: boolean;
  neverReady: boolean;
  scanDelayMs: number;
  deliveryDelayMs: number;
  // Drivers created so far (one per client lifetime).
  created: number;
}

export function scriptedDrivers(script: DriverScript): (layout: SessionLayout) => DriverFactory {
  return (layout) => ({
    create(listener): WhatsAppDriver {
      script.created += 1;
      const options = { clienteId: 51, layout, scanDelayMs: script.scanDelayMs, qrRotateMs: 60_000, deliveryDelayMs: script.deliveryDelayMs };
      const fake = new FakeDriver(options, listener);
      return {
        initialize: () => (script.neverReady ? Promise.resolve() : fake.initialize()),
        sendText: (to, body) => (script.hangSends ? new Promise(() => undefined) : fake.sendText(to, body)),
        getAccountInfo: () => fake.getAccountInfo(),
        requestPairingCode: (phone) => fake.requestPairingCode(phone),
        probe: () => fake.probe(),
        logout: () => fake.logout(),
        destroy: () => fake.destroy(),
      };
    },
    forgetLogin: () => forgetLogin(layout, 'fake'),
    loginFiles: loginFiles(layout, 'fake'),
  });
}

export function driverScript(overrides: Partial<DriverScript> = {}): DriverScript {
  return { hangSends: false, neverReady: false, scanDelayMs: 0, deliveryDelayMs: 0, created: 0, ...overrides };
}
