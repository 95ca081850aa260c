// The /qr page in real headless Chromium, over the Koa app with a stand-in session: what a person sees.
// The QR is read back from the page's image and decoded; "scanning" is the stand-in's state moving on.
// test/e2e/link-by-page.test.ts scans the page's QR with the simulated phone, on the real stack.
import { expect } from 'chai';
import type { Browser, Page } from 'puppeteer';
import { createApp } from '../../../supervisor/http/app.js';
import { serve, type TestServer } from '../../support/http.js';
import { captureLogger } from '../../support/logger.js';
import { launchPageBrowser, readShownQr } from '../../support/page-browser.js';
import { SessionStandIn } from '../../support/session-stand-in.js';

const TOKEN = 's3cret-token';
const WAIT_MS = 10_000;

describe('the /qr page (real Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let service: SessionStandIn;
  let server: TestServer;
  let page: Page;
  let problems: string[];
  let requested: string[];

  before(async () => {
    browser = await launchPageBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  async function open(apiToken?: string): Promise<void> {
    server = await serve(createApp({ clienteId: 51, apiToken, service, sender: service, logger: captureLogger().logger }));
    page = await browser.newPage();
    problems = [];
    requested = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${server.url}/qr`);
  }

  beforeEach(() => {
    service = new SessionStandIn();
  });

  afterEach(async () => {
    await page?.close();
    await server?.close();
    // No CSP violation, no script error: the page runs under its own policy.
    expect(problems).to.deep.equal([]);
  });

  // Polls an expression in the page (page.evaluate runs outside the page's CSP).
  async function until<T>(what: string, read: () => Promise<T>, match: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const value = await read();
      if (match(value)) return value;
      if (Date.now() > deadline) throw new Error(`The page never showed ${what}; last ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const text = (selector: string): Promise<string> => page.$eval(selector, (element) => element.textContent ?? '');
  const shownState = (state: string): Promise<string> => until(`state ${state}`, () => text('#state'), (value) => value === state);
  const shownQr = (qr: string): Promise<string | undefined> => until(`the QR ${qr}`, () => readShownQr(page, '#qr'), (value) => value === qr);
  const isHidden = (selector: string): Promise<boolean> => page.$eval(selector, (element) => (element as unknown as { hidden: boolean }).hidden);

  it('shows the current QR, follows its rotation, and shows the link once READY, without a reload', async () => {
    service.setState('QR_REQUIRED');
    await open();
    await shownState('QR_REQUIRED');
    await shownQr(service.qr);
    await page.evaluate('window.loadedOnce = true');
    service.qr = '2@rotated-stand-in-qr,second';
    await shownQr(service.qr);
    // The scan: WhatsApp syncs (INIT), then the session is READY.
    service.setState('INIT');
    service.setState('READY');
    await shownState('READY');
    expect(await text('#message')).to.contain('Linked');
    expect(await isHidden('#qr')).to.equal(true);
    expect(await page.evaluate('window.loadedOnce')).to.equal(true);
  });

  it('asks an unchanged QR with If-None-Match, so polling it costs a 304', async () => {
    service.setState('QR_REQUIRED');
    await open();
    await shownQr(service.qr);
    const before = service.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const statuses: number[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/qr-code')) statuses.push(response.status());
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(service.calls.length).to.be.greaterThan(before);
    expect(statuses).not.to.be.empty;
    expect(new Set(statuses)).to.deep.equal(new Set([304]));
  });

  it('offers a pairing code for a phone number, and says why a number is refused', async () => {
    service.setState('QR_REQUIRED');
    await open();
    await shownState('QR_REQUIRED');
    expect(await isHidden('#pairing-form')).to.equal(false);
    await page.type('#phone', '12ab');
    await page.click('#pairing-form button');
    await until('the refusal', () => text('#pairing-note'), (value) => value.startsWith('phone must be an international number'));
    expect(service.calls.filter((call) => call.name === 'requestPairingCode')).to.deep.equal([]);
    await page.$eval('#phone', (element) => void ((element as unknown as { value: string }).value = ''));
    await page.type('#phone', '+54 9 11 2345-6789');
    await page.click('#pairing-form button');
    await until('the code', () => text('#pairing-code'), (value) => value === 'STAN-DIN1');
    expect(await text('#pairing-note')).to.contain('Link with phone number');
    expect(service.calls.filter((call) => call.name === 'requestPairingCode')).to.deep.equal([{ name: 'requestPairingCode', phone: '5491123456789' }]);
    service.setState('READY');
    await shownState('READY');
    expect(await isHidden('#pairing-form')).to.equal(true);
    // The refused number's 400 is reported by the console as a failed fetch; expected here.
    problems = problems.filter((problem) => !/400 \(Bad Request\)/.test(problem));
  });

  it('says plainly that the session is starting, or not connected and why', async () => {
    await open();
    await shownState('INIT');
    expect(await text('#message')).to.contain('Starting');
    expect(await isHidden('#qr')).to.equal(true);
    service.setState('DISCONNECTED', 'LOGOUT');
    await shownState('DISCONNECTED');
    expect(await text('#message')).to.equal('Not connected: LOGOUT.');
  });

  it('with API_TOKEN: asks for the token, refuses a wrong one, works once the right one is entered', async () => {
    service.setState('QR_REQUIRED');
    await open(TOKEN);
    await shownState('TOKEN');
    expect(await isHidden('#token-form')).to.equal(false);
    // The refusal the page shows is the API's 401: the console reports the failed fetch; expected here.
    await page.type('#token', 'wrong-token');
    await page.click('#token-form button');
    await until('the refusal', () => text('#message'), (value) => value.includes('refused'));
    await page.type('#token', TOKEN);
    await page.click('#token-form button');
    await shownState('QR_REQUIRED');
    await shownQr(service.qr);
    expect(await isHidden('#token-form')).to.equal(true);
    expect(await page.evaluate("sessionStorage.getItem('session-manager:api-token')")).to.equal(TOKEN);
    // Kept for this tab: a reload works without asking again.
    await page.reload();
    await shownQr(service.qr);
    expect(requested.filter((url) => url.includes(TOKEN))).to.deep.equal([]);
    problems = problems.filter((problem) => !/401 \(Unauthorized\)/.test(problem));
  });
});
