// Linking a phone the way an operator does, on the real stack: the /qr page in one Chromium, the service's
// whatsapp-web.js in another, the simulated WhatsApp Web and phone. The phone scans the QR read back from
// the page; later it enters the pairing code the page got for its number. The page says "Linked" each time.
import { expect } from 'chai';
import type { Browser, Page } from 'puppeteer';
import { postJson, request } from '../support/http.js';
import { launchPageBrowser, readShownQr } from '../support/page-browser.js';
import { requireChromium } from '../support/require-chromium.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const STEP_TIMEOUT_MS = 45_000;
const PHONE = '5491100000000';

describe('linking a phone from the /qr page on the real stack (real Chromium, simulated WhatsApp Web)', function () {
  this.timeout(STEP_TIMEOUT_MS);
  this.bail(true);
  let sim: WhatsAppSimulator;
  let service: ServiceProcess;
  let browser: Browser;
  let page: Page;

  async function until<T>(what: string, read: () => Promise<T>, match: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + STEP_TIMEOUT_MS - 5000;
    for (;;) {
      const value = await read();
      if (match(value)) return value;
      if (Date.now() > deadline) throw new Error(`Never saw ${what}; last ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const text = (selector: string): Promise<string> => page.$eval(selector, (element) => element.textContent ?? '');
  const shownState = (state: string): Promise<string> => until(`the page in ${state}`, () => text('#state'), (value) => value === state);

  before(async () => {
    requireChromium();
    sim = await startWhatsAppSimulator({ qrRotateMs: 60_000, phone: PHONE });
    service = await startService({ env: { WA_DRIVER: 'whatsapp-web.js', CHROME_ARGS: JSON.stringify(sim.chromeArgs) } });
    browser = await launchPageBrowser();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await service?.cleanup();
    await sim?.close();
  });

  afterEach(() => {
    expect(sim.unknownModules()).to.deep.equal([]);
  });

  it('shows the QR WhatsApp Web offers; the phone scans what the page shows; the page says linked', async () => {
    await page.goto(`${service.url}/qr`);
    await shownState('QR_REQUIRED');
    const qr = await until('a readable QR', () => readShownQr(page, '#qr'), (value) => value !== undefined);
    expect(qr).to.equal(sim.currentQr());
    sim.scan(String(qr));
    await shownState('READY');
    expect(await text('#message')).to.contain('Linked');
  });

  it('refuses a pairing code once linked (409 PAIRING_NOT_AVAILABLE) and a bad number (400)', async () => {
    const refused = await postJson(`${service.url}/pairing-code`, { phone: PHONE });
    expect(refused.status).to.equal(409);
    expect(refused.body).to.include({ code: 'PAIRING_NOT_AVAILABLE' });
    expect(refused.body.message).to.contain('state: READY');
    const bad = await postJson(`${service.url}/pairing-code`, { phone: '12ab' });
    expect(bad.status).to.equal(400);
    expect(bad.body).to.include({ code: 'INVALID_PHONE_NUMBER' });
  });

  it('after a logout, the page gets a pairing code for the number; the phone enters it; the page says linked', async () => {
    expect((await postJson(`${service.url}/disconnect`, { logout: true })).status).to.equal(200);
    expect((await request(`${service.url}/connect`, { method: 'POST' })).status).to.equal(200);
    await shownState('QR_REQUIRED');
    await page.type('#phone', '+54 9 11 0000-0000');
    await page.click('#pairing-form button');
    const shown = await until('a pairing code', () => text('#pairing-code'), (value) => value !== '');
    expect(shown).to.match(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(sim.currentPairingCode()).to.deep.include({ code: shown.replace('-', ''), phone: PHONE });
    sim.enterPairingCode(shown);
    await shownState('READY');
    const status = await request(`${service.url}/status`);
    expect(status.body).to.include({ state: 'READY', connected: true });
    expect((await request(`${service.url}/account-info`)).body).to.include({ phone: PHONE });
  });
});
