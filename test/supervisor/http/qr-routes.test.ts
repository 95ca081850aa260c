// GET /qr-code?format=png and GET /qr over the Koa app with a stand-in session: what a person's browser
// gets. What the page shows is test/supervisor/http/qr-page.test.ts's (real Chromium).
import { expect } from 'chai';
import QRCode from 'qrcode';
import { AppError } from '../../../shared/errors.js';
import { createApp } from '../../../supervisor/http/app.js';
import { postJson, request, serve, type TestServer } from '../../support/http.js';
import { captureLogger, type CapturedLogger } from '../../support/logger.js';
import { SessionStandIn } from '../../support/session-stand-in.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TOKEN = 's3cret-token';

describe('QR routes', () => {
  let service: SessionStandIn;
  let server: TestServer;
  let log: CapturedLogger;

  async function start(apiToken?: string): Promise<void> {
    await server?.close();
    log = captureLogger();
    server = await serve(createApp({ clienteId: 51, apiToken, service, sender: service, logger: log.logger }));
  }

  beforeEach(async () => {
    service = new SessionStandIn();
    service.setState('QR_REQUIRED');
    await start();
  });

  afterEach(() => server.close());

  describe('GET /qr-code?format=png', () => {
    it("returns the current QR as the qrcode library's PNG, never cached", async () => {
      const response = await fetch(`${server.url}/qr-code?format=png`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('image/png');
      expect(response.headers.get('cache-control')).to.equal('no-store');
      const png = Buffer.from(await response.arrayBuffer());
      expect(png.subarray(0, 8)).to.deep.equal(PNG_SIGNATURE);
      // The same modules the library draws for this string (the browser test decodes what the page shows).
      const modules = QRCode.create(service.qr, { errorCorrectionLevel: 'M' }).modules.size;
      expect(png.readUInt32BE(16)).to.equal((modules + 8) * 6);
    });

    it('answers 304 to If-None-Match while the QR is unchanged, and a new PNG once it rotates', async () => {
      const first = await fetch(`${server.url}/qr-code?format=png`);
      const etag = String(first.headers.get('etag'));
      expect(etag).to.match(/^".+"$/);
      const again = await fetch(`${server.url}/qr-code?format=png`, { headers: { 'if-none-match': etag } });
      expect(again.status).to.equal(304);
      // The page asks every second: an unchanged QR is not news in the log.
      const levels = log.lines().filter((line) => line.message === 'request').map((line) => [line.status, line.level]);
      expect(levels).to.deep.equal([[200, 'info'], [304, 'debug']]);
      service.qr = '2@rotated-qr';
      const rotated = await fetch(`${server.url}/qr-code?format=png`, { headers: { 'if-none-match': etag } });
      expect(rotated.status).to.equal(200);
      expect(rotated.headers.get('etag')).not.to.equal(etag);
    });

    it('answers the same JSON errors as the JSON route (409 outside QR_REQUIRED)', async () => {
      service.failWith = new AppError('QR_NOT_AVAILABLE', { message: 'No QR code to scan (state: READY)' });
      const response = await request(`${server.url}/qr-code?format=png`);
      expect(response.status).to.equal(409);
      expect(response.contentType).to.match(/^application\/json/);
      expect(response.body).to.include({ ok: false, code: 'QR_NOT_AVAILABLE' });
    });

    it('keeps the JSON answer for the hub, with or without format=json', async () => {
      expect((await request(`${server.url}/qr-code`)).body).to.deep.equal({ qr_code: service.qr });
      expect((await request(`${server.url}/qr-code?format=json`)).body).to.deep.equal({ qr_code: service.qr });
    });

    it('refuses another format with 400 INVALID_FIELD', async () => {
      for (const query of ['format=svg', 'format=png&format=png']) {
        const response = await request(`${server.url}/qr-code?${query}`);
        expect(response.status, query).to.equal(400);
        expect(response.body.code).to.equal('INVALID_FIELD');
      }
      expect(service.calls).to.be.empty;
    });

    it('needs the token when API_TOKEN is set', async () => {
      await start(TOKEN);
      expect((await request(`${server.url}/qr-code?format=png`)).status).to.equal(401);
      const response = await fetch(`${server.url}/qr-code?format=png`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).to.equal(200);
    });
  });

  describe('POST /pairing-code', () => {
    it('asks the session for a code for the normalised number', async () => {
      const response = await postJson(`${server.url}/pairing-code`, { phone: '+54 9 (11) 2345-6789' });
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal({ pairing_code: 'STAN-DIN1' });
      expect(response.headers.get('cache-control')).to.equal('no-store');
      expect(service.calls).to.deep.equal([{ name: 'requestPairingCode', phone: '5491123456789' }]);
    });

    const invalid: [string, unknown, number, string][] = [
      ['a missing phone', {}, 400, 'INVALID_PHONE_NUMBER'],
      ['a numeric phone', { phone: 5491123456789 }, 400, 'INVALID_PHONE_NUMBER'],
      ['a phone of 7 digits', { phone: '1234567' }, 400, 'INVALID_PHONE_NUMBER'],
      ['a phone with letters', { phone: '54911abc4567' }, 400, 'INVALID_PHONE_NUMBER'],
      ['an array body', [{ phone: '5491123456789' }], 400, 'INVALID_BODY'],
      ['malformed JSON', '{"phone":', 400, 'INVALID_JSON'],
    ];
    for (const [what, body, status, code] of invalid) {
      it(`refuses ${what} with ${status} ${code}`, async () => {
        const response = await postJson(`${server.url}/pairing-code`, body);
        expect(response.status).to.equal(status);
        expect(response.body).to.include({ ok: false, code });
        if (code === 'INVALID_PHONE_NUMBER') expect(response.body.message).to.match(/^phone /);
        expect(service.calls).to.be.empty;
      });
    }

    it('refuses a body that is not JSON with 415', async () => {
      const response = await request(`${server.url}/pairing-code`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '5491123456789' });
      expect(response.status).to.equal(415);
    });

    it("passes the session's refusal on (409 outside QR_REQUIRED)", async () => {
      service.failWith = new AppError('PAIRING_NOT_AVAILABLE', { message: 'A pairing code is only for a session waiting to be linked (state: READY)' });
      const response = await postJson(`${server.url}/pairing-code`, { phone: '5491123456789' });
      expect(response.status).to.equal(409);
      expect(response.body).to.include({ code: 'PAIRING_NOT_AVAILABLE' });
    });

    it('needs the token when API_TOKEN is set', async () => {
      await start(TOKEN);
      expect((await postJson(`${server.url}/pairing-code`, { phone: '5491123456789' })).status).to.equal(401);
      const response = await postJson(`${server.url}/pairing-code`, { phone: '5491123456789' }, { authorization: `Bearer ${TOKEN}` });
      expect(response.status).to.equal(200);
    });
  });

  describe('GET /qr', () => {
    it('serves a self-contained HTML page with a strict CSP', async () => {
      const response = await fetch(`${server.url}/qr`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('text/html; charset=utf-8');
      const csp = String(response.headers.get('content-security-policy'));
      expect(csp).to.contain("default-src 'none'").and.contain("connect-src 'self'").and.contain("frame-ancestors 'none'");
      expect(csp).to.match(/script-src 'sha256-[^']+'(;|$)/);
      expect(csp).not.to.contain('unsafe');
      expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
      const html = await response.text();
      expect(html).not.to.match(/\b(src|href)=["']?(https?:)?\/\//);
      expect(service.calls).to.be.empty;
    });

    it('is served without the token (it holds no secret), while what it fetches needs it', async () => {
      await start(TOKEN);
      const page = await fetch(`${server.url}/qr`);
      expect(page.status).to.equal(200);
      expect(await page.text()).not.to.contain(TOKEN);
      expect((await request(`${server.url}/status`)).status).to.equal(401);
      expect((await request(`${server.url}/qr-code`)).status).to.equal(401);
    });
  });
});
