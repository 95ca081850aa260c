// The whatsapp-web.js Client options the service's driver (worker/drivers/wwebjs/driver.ts) uses, worked
// out from an environment by the service's own code: its config loader, session layout and Chromium
// lookup and flags. The bare run uses this, in its own process or handed over by the parent.
import { loadConfig } from '../../shared/config.js';
import { sessionLayout } from '../../shared/session-layout.js';
import { chromiumArgs, resolveChromium } from '../../worker/drivers/wwebjs/chromium.js';
import type { BareClientOptions } from './bare-protocol.js';

export function serviceClientOptions(env: NodeJS.ProcessEnv): BareClientOptions {
  const config = loadConfig(env);
  const paths = sessionLayout(config);
  return {
    dataPath: paths.dir,
    webCachePath: paths.webCache,
    executablePath: resolveChromium(config.chromePath),
    args: chromiumArgs(config.chromeArgs),
  };
}
