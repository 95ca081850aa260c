// Picks the driver named by WA_DRIVER. Each is loaded only when chosen: the fake driver's worker never
// loads whatsapp-web.js and puppeteer (memory), and the real one loads them once, before its first client.
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import { forgetLogin, loginFiles, sessionLayout } from '../../shared/session-layout.js';
import type { DriverFactory } from './driver.js';

export async function driverFactory(config: Config, logger: Logger): Promise<DriverFactory> {
  const layout = sessionLayout(config);
  const forget = (): Promise<void> => forgetLogin(layout, config.driver);
  const login = { forgetLogin: forget, loginFiles: loginFiles(layout, config.driver) };
  switch (config.driver) {
    case 'fake': {
      const { FakeDriver } = await import('./fake.js');
      const options = {
        clienteId: config.clienteId,
        layout,
        scanDelayMs: config.fakeScanDelayMs,
        qrRotateMs: config.fakeQrRotateMs,
        deliveryDelayMs: config.fakeDeliveryDelayMs,
      };
      return { create: (listener) => new FakeDriver(options, listener), ...login };
    }
    case 'whatsapp-web.js': {
      const { createWwebjsDriver } = await import('./wwebjs/driver.js');
      return { create: (listener) => createWwebjsDriver(config, logger, listener), ...login };
    }
  }
}
