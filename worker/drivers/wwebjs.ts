// Placeholder until the whatsapp-web.js driver lands (issue 3).
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import type { DriverListener, WhatsAppDriver } from './driver.js';

export function createWwebjsDriver(config: Config, logger: Logger, listener: DriverListener): WhatsAppDriver {
  void config;
  void logger;
  void listener;
  const unavailable = async (): Promise<never> => {
    throw new Error('The whatsapp-web.js driver is not available yet; run with WA_DRIVER=fake');
  };
  return {
    initialize: unavailable,
    sendText: unavailable,
    getAccountInfo: unavailable,
    logout: unavailable,
    destroy: async () => undefined,
  };
}
