// Picks the driver named by WA_DRIVER.
import { sessionDir, type Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import type { DriverFactory } from './driver.js';
import { FakeDriver, forgetFakeLogin } from './fake.js';
import { createWwebjsDriver, forgetWwebjsLogin } from './wwebjs.js';

export function driverFactory(config: Config, logger: Logger): DriverFactory {
  switch (config.driver) {
    case 'fake':
      return {
        create: (listener) =>
          new FakeDriver(
            {
              clienteId: config.clienteId,
              sessionDir: sessionDir(config),
              scanDelayMs: config.fakeScanDelayMs,
              qrRotateMs: config.fakeQrRotateMs,
            },
            listener,
          ),
        forgetLogin: () => forgetFakeLogin(sessionDir(config)),
      };
    case 'whatsapp-web.js':
      return {
        create: (listener) => createWwebjsDriver(config, logger, listener),
        forgetLogin: () => forgetWwebjsLogin(config),
      };
  }
}
