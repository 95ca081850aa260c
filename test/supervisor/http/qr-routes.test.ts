// GET /qr-code?format=png and GET /qr over the Koa app with a stand-in session: what a person's browser
// gets. What the page shows is test/supervisor/http/qr-page.test.ts's (real Chromium).
import { expect } from 'chai';
import QRCode from 'qrcode';
import { AppError } from '../../../shared/errors.js';
import { createApp } from '../../../supervisor/http/app.js';
import { request, serve, type TestServer } from '../../support/http.js';
import { captureLogger } from '../../support/logger.js';
import { SessionStandIn } from '../../support/session-stand-in.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TOKEN = 's3cret-token';

describe('QR routes', () => {
  let service: SessionStandIn;
  let server: TestServer;

  async function start(apiToken?: string): Promise<void> {
    await server?.close();
    server = await serve(createApp({ clienteId: 51, apiToken, service, sender: service, logger: captureLogger().logger }));
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
