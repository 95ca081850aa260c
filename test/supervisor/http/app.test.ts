// The HTTP contract (../shared/CONTRACT.md) against the Koa app, with a stand-in for the worker host that
// records what reached it. What depends on the session's state is tested over the real session in
// app-session.test.ts.
import { expect } from 'chai';
import { AppError } from '../../../shared/errors.js';
import { createApp } from '../../../supervisor/http/app.js';
import { postJson, request, serve, type JsonResponse, type TestServer } from '../../support/http.js';
import { captureLogger, type CapturedLogger } from '../../support/logger.js';
import { SessionStandIn } from '../../support/session-stand-in.js';

const VALID_SEND = { cliente_id: 51, to: '5491123456789', message: 'Hello' };

function expectError(response: JsonResponse, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).to.equal(status);
  expect(response.contentType).to.match(/^application\/json/);
  expect(response.body.ok).to.equal(false);
  expect(response.body.code).to.equal(code);
  expect(response.body.message).to.be.a('string').and.not.be.empty;
  expect(JSON.stringify(response.body)).not.to.match(/\n\s+at /);
}

describe('HTTP app', () => {
  let service: SessionStandIn;
  let server: TestServer;
  let log: CapturedLogger;
  let shuttingDown: boolean;

  async function start(apiToken?: string): Promise<void> {
    await server?.close();
    server = await serve(
      createApp({ clienteId: 51, apiToken, service, sender: service, logger: log.logger, isShuttingDown: () => shuttingDown }),
    );
  }

  beforeEach(async () => {
    service = new SessionStandIn();
    log = captureLogger();
    shuttingDown = false;
    await start();
  });

  afterEach(async () => {
    await server.close();
  });

  describe('GET /health', () => {
    it('answers healthy with the session state while the worker is still starting', async () => {
      const response = await request(`${server.url}/health`);
      expect(response.status).to.equal(200);
      expect(response.contentType).to.match(/^application\/json/);
      expect(response.body).to.include({ status: 'healthy', service: 'session-manager', cliente_id: 51, whatsapp_state: 'INIT' });
      expect(Date.parse(response.body.timestamp as string)).to.be.closeTo(Date.now(), 5000);
      expect(response.body.worker).to.deep.include({ status: 'STARTING' });
    });

    it('reports the last disconnect reason', async () => {
      service.setState('DISCONNECTED', 'LOGOUT');
      const response = await request(`${server.url}/health`);
      expect(response.body).to.include({ whatsapp_state: 'DISCONNECTED', last_disconnect_reason: 'LOGOUT' });
    });

    it('keeps answering 200 while the service shuts down', async () => {
      shuttingDown = true;
      expect((await request(`${server.url}/health`)).status).to.equal(200);
    });
  });

  describe('GET /status', () => {
    for (const state of ['INIT', 'QR_REQUIRED', 'READY', 'DISCONNECTED'] as const) {
      it(`says connected is ${state === 'READY'} in ${state}`, async () => {
        if (state === 'READY') service.setState('READY');
        else service.setState(state);
        const response = await request(`${server.url}/status`);
        expect(response.status).to.equal(200);
        expect(response.body).to.include({ cliente_id: 51, connected: state === 'READY', state });
      });
    }
  });

  describe('GET /qr-code', () => {
    it('returns the raw QR string while QR_REQUIRED', async () => {
      service.setState('QR_REQUIRED');
      const response = await request(`${server.url}/qr-code`);
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal({ qr_code: service.qr });
    });
  });

  describe('POST /send', () => {
    beforeEach(() => service.setState('READY'));

    it('sends and returns the message id', async () => {
      const response = await postJson(`${server.url}/send`, { ...VALID_SEND, to: '+54 9 (11) 2345-6789' });
      expect(response.status).to.equal(200);
      expect(response.body.ok).to.equal(true);
      expect(response.body.message_id).to.equal('true_5491123456789@c.us_STANDIN1');
      expect(service.calls).to.deep.equal([{ name: 'send', params: { to: '5491123456789', message: 'Hello' } }]);
    });

    const invalid: [string, unknown, string][] = [
      ['an array body', [VALID_SEND], 'INVALID_BODY'],
      ['a missing cliente_id', { to: VALID_SEND.to, message: 'x' }, 'INVALID_FIELD'],
      ["another tenant's cliente_id", { ...VALID_SEND, cliente_id: 52 }, 'CLIENTE_ID_MISMATCH'],
      ['a missing to', { cliente_id: 51, message: 'x' }, 'INVALID_PHONE_NUMBER'],
      ['a to with letters', { ...VALID_SEND, to: '54911abc4567' }, 'INVALID_PHONE_NUMBER'],
      ['a to of 7 digits', { ...VALID_SEND, to: '1234567' }, 'INVALID_PHONE_NUMBER'],
      ['an empty message', { ...VALID_SEND, message: '' }, 'INVALID_MESSAGE'],
      ['a numeric message', { ...VALID_SEND, message: 42 }, 'INVALID_MESSAGE'],
      ['a message over 65,536 characters', { ...VALID_SEND, message: 'x'.repeat(65_537) }, 'INVALID_MESSAGE'],
    ];
    for (const [what, body, code] of invalid) {
      it(`refuses ${what} with 400 ${code} and sends nothing`, async () => {
        expectError(await postJson(`${server.url}/send`, body), 400, code);
        expect(service.calls).to.be.empty;
      });
    }

    it('refuses malformed JSON with 400 INVALID_JSON', async () => {
      expectError(await postJson(`${server.url}/send`, '{"cliente_id": 51,'), 400, 'INVALID_JSON');
      expect(service.calls).to.be.empty;
    });

    it('refuses a body that is not valid UTF-8 with 400 INVALID_JSON and sends nothing', async () => {
      const bytes = Buffer.concat([Buffer.from('{"cliente_id":51,"to":"5491123456789","message":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
      const response = await request(`${server.url}/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
      expectError(response, 400, 'INVALID_JSON');
      expect(response.body.message).to.contain('UTF-8');
      expect(service.calls).to.be.empty;
    });

    it('accepts multi-byte UTF-8 split across chunks', async () => {
      const body = Buffer.from(JSON.stringify({ ...VALID_SEND, message: 'ñ👍'.repeat(30_000) }));
      const response = await request(`${server.url}/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(response.status).to.equal(200);
      expect(service.calls).to.have.length(1);
    });

    it('refuses a body over 256 KB with 413', async () => {
      const response = await postJson(`${server.url}/send`, { ...VALID_SEND, message: 'x'.repeat(300 * 1024) });
      expectError(response, 413, 'PAYLOAD_TOO_LARGE');
      expect(service.calls).to.be.empty;
    });

    it('refuses a body that is not JSON with 415', async () => {
      const response = await request(`${server.url}/send`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify(VALID_SEND),
      });
      expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(service.calls).to.be.empty;
    });

    it('answers 500 SEND_FAILED with the reason when WhatsApp fails', async () => {
      service.failWith = new AppError('SEND_FAILED', { message: 'WhatsApp could not send the message: rate limited' });
      const response = await postJson(`${server.url}/send`, VALID_SEND);
      expectError(response, 500, 'SEND_FAILED');
      expect(response.body.message).to.contain('rate limited');
    });

    it('hides the text of an unexpected error behind INTERNAL_ERROR and logs it', async () => {
      service.failWith = new Error('secret internals at /opt/x.js:1');
      const response = await postJson(`${server.url}/send`, VALID_SEND);
      expectError(response, 500, 'INTERNAL_ERROR');
      expect(response.body.message).not.to.contain('secret');
      expect(log.lines().some((line) => line.level === 'error' && String(line.error).includes('secret'))).to.equal(true);
    });

    it('passes Retry-After through when the worker is busy', async () => {
      service.failWith = new AppError('WORKER_BUSY', { headers: { 'Retry-After': '1' } });
      const response = await postJson(`${server.url}/send`, VALID_SEND);
      expectError(response, 503, 'WORKER_BUSY');
      expect(response.headers.get('retry-after')).to.equal('1');
    });
  });

  describe('POST /disconnect', () => {
    it('disconnects with the contract message and keeps the login', async () => {
      service.setState('READY');
      const response = await request(`${server.url}/disconnect`, { method: 'POST' });
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal({ ok: true, message: 'WhatsApp session disconnected successfully' });
      expect(service.calls).to.deep.equal([{ name: 'disconnect', logout: false }]);
    });

    it('logs out when asked with {"logout": true}', async () => {
      const response = await postJson(`${server.url}/disconnect`, { logout: true });
      expect(response.status).to.equal(200);
      expect(service.calls).to.deep.equal([{ name: 'disconnect', logout: true }]);
    });

    it('refuses a logout that is not a boolean', async () => {
      expectError(await postJson(`${server.url}/disconnect`, { logout: 'yes' }), 400, 'INVALID_FIELD');
      expect(service.calls).to.be.empty;
    });
  });

  describe('POST /connect', () => {
    it('asks the session to connect and shows the new state', async () => {
      service.setState('DISCONNECTED', 'DISCONNECT_REQUESTED');
      const response = await request(`${server.url}/connect`, { method: 'POST' });
      expect(response.status).to.equal(200);
      expect(response.body).to.include({ ok: true, state: 'INIT' });
      expect(service.calls).to.deep.equal([{ name: 'connect' }]);
    });
  });

  describe('GET /account-info', () => {
    it('returns phone, platform and pushname when READY', async () => {
      service.setState('READY');
      const response = await request(`${server.url}/account-info`);
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal(service.account);
    });
  });

  describe('unknown routes and methods', () => {
    it('answers 404 NOT_FOUND in JSON for an unknown path', async () => {
      expectError(await request(`${server.url}/index.html`), 404, 'NOT_FOUND');
    });

    it('answers 405 METHOD_NOT_ALLOWED with an Allow header for a wrong method', async () => {
      const response = await request(`${server.url}/send`, { method: 'GET' });
      expectError(response, 405, 'METHOD_NOT_ALLOWED');
      expect(response.headers.get('allow')).to.contain('POST');
    });
  });

  describe('API_TOKEN', () => {
    beforeEach(() => start('s3cret-token'));

    it('refuses a request without the bearer token with 401', async () => {
      const response = await request(`${server.url}/status`);
      expectError(response, 401, 'UNAUTHORIZED');
      expect(response.headers.get('www-authenticate')).to.equal('Bearer');
    });

    it('refuses a wrong token and sends nothing', async () => {
      service.setState('READY');
      expectError(await postJson(`${server.url}/send`, VALID_SEND, { authorization: 'Bearer s3cret-tokeX' }), 401, 'UNAUTHORIZED');
      expect(service.calls).to.be.empty;
    });

    it('accepts the right token', async () => {
      const response = await request(`${server.url}/status`, { headers: { authorization: 'Bearer s3cret-token' } });
      expect(response.status).to.equal(200);
    });

    it('leaves GET /health open', async () => {
      expect((await request(`${server.url}/health`)).status).to.equal(200);
    });
  });

  describe('shutting down', () => {
    it('refuses new work with 503 SHUTTING_DOWN', async () => {
      service.setState('READY');
      shuttingDown = true;
      expectError(await postJson(`${server.url}/send`, VALID_SEND), 503, 'SHUTTING_DOWN');
      expect(service.calls).to.be.empty;
    });
  });

  describe('access log', () => {
    it('writes one line per request with method, path, status and duration', async () => {
      await request(`${server.url}/status`);
      await request(`${server.url}/nowhere`);
      const lines = log.lines().filter((line) => line.message === 'request');
      expect(lines).to.have.length(2);
      expect(lines[0]).to.include({ method: 'GET', path: '/status', status: 200, level: 'debug', component: 'supervisor' });
      expect(lines[1]).to.include({ method: 'GET', path: '/nowhere', status: 404, code: 'NOT_FOUND', level: 'info' });
      expect(lines[1]?.duration_ms).to.be.a('number');
    });
  });
});
