// Real-browser tests need Chromium: say so plainly instead of timing out.
import { resolveChromium } from '../../worker/drivers/wwebjs/chromium.js';

export function requireChromium(): string {
  try {
    return resolveChromium(process.env.CHROME_PATH || undefined);
  } catch (error) {
    throw new Error(`These tests run real Chromium. ${error instanceof Error ? error.message : String(error)}`);
  }
}
