// Real headless Chromium for tests of the pages the service serves (the /qr page): the browser the worker
// would use, the same flags, nothing from outside. Reads a QR shown in an <img> and decodes it (jsQR).
import jsQRModule from 'jsqr';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { chromiumArgs } from '../../worker/drivers/wwebjs/chromium.js';
import { requireChromium } from './require-chromium.js';

// jsqr is CommonJS: its default import is module.exports, whose `default` is the decoder.
const jsQR = jsQRModule.default;

export function launchPageBrowser(): Promise<Browser> {
  return puppeteer.launch({ executablePath: requireChromium(), headless: true, args: chromiumArgs([]) });
}

// Draws the image the page shows onto a canvas (in the page) and decodes its pixels; undefined when the
// image is hidden, not loaded, or holds no readable QR.
export async function readShownQr(page: Page, selector: string): Promise<string | undefined> {
  // Runs in the page (a string: this project compiles without the DOM's types).
  const pixels = (await page.evaluate(`(async () => {
    const img = document.querySelector(${JSON.stringify(selector)});
    if (!img || img.hidden || !img.src) return undefined;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let binary = '';
    for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return { width: canvas.width, height: canvas.height, rgba: btoa(binary) };
  })()`)) as { width: number; height: number; rgba: string } | undefined;
  if (!pixels) return undefined;
  const rgba = new Uint8ClampedArray(Buffer.from(pixels.rgba, 'base64'));
  return jsQR(rgba, pixels.width, pixels.height)?.data;
}
