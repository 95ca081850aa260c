// GET /health and GET /status answered from memory: through the shortcut in front of the router and
// through the router itself, with the same bytes, and never a stale body after the session moves.
import { expect } from 'chai';
import type { Context, Next } from 'koa';
import { createApp } from '../../../supervisor/http/app.js';
import { pollRoutes } from '../../../supervisor/http/poll-routes.js';
import type { WebhookHealth } from '../../../supervisor/webhooks/deliverer.js';
import { serve, type TestServer } from '../../support/http.js';
import { captureLogger } from '../../support/logger.js';
import { rawRequest } from '../../support/raw-http.js';
import { SessionStandIn } from '../../support/session-stand-in.js';

const TIMESTAMP = /"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/;

// Just what the handlers touch of a Koa context.
function fakeContext(method: string, path: string): Context & { headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  return { method, path, headers, body: undefined, set: (name: string, value: string) => (headers[name] = value) } as unknown as Context & {
    headers: Record<string, string>;
  };
}

describe('poll routes', () => {
  let service: SessionStandIn;

  beforeEach(() => {
    service = new SessionStandIn();
  });

  describe('over the app', () => {
    let server: TestServer;

    beforeEach(async () => {
      server = await serve(createApp({ clienteId: 51, apiToken: undefined, service, sender: service, logger: captureLogger().logger }));
    });

    afterEach(() => server.close());

    for (const path of ['/health', '/status']) {
      it(`answers GET ${path} with the same bytes through the shortcut as through the router`, async () => {
        const shortcut = await rawRequest(server.url, { method: 'GET', path });
        // A trailing slash is not the shortcut's: the router matches it to the same handler.
        const routed = await rawRequest(server.url, { method: 'GET', path: `${path}/` });
        expect(shortcut.status).to.equal(200);
        expect(routed.status).to.equal(200);
        expect(shortcut.contentType).to.equal('application/json; charset=utf-8');
        expect(routed.contentType).to.equal(shortcut.contentType);
        expect(routed.text.replace(TIMESTAMP, '')).to.equal(shortcut.text.replace(TIMESTAMP, ''));
      });
    }

    it('leaves HEAD /health and other methods to the router', async () => {
      const head = await rawRequest(server.url, { method: 'HEAD', path: '/health' });
      expect(head.status).to.equal(200);
      expect(head.text).to.equal('');
      const post = await rawRequest(server.url, { method: 'POST', path: '/status' });
      expect(post.status).to.equal(405);
      expect(JSON.parse(post.text)).to.include({ code: 'METHOD_NOT_ALLOWED' });
    });
  });

  describe('behind the shutdown gate and the token check', () => {
    it('refuses GET /status with 503 while shutting down and with 401 without the token, and keeps /health open', async () => {
      let shuttingDown = false;
      const logger = captureLogger().logger;
      const server = await serve(
        createApp({ clienteId: 51, apiToken: 't0ken', service, sender: service, logger, isShuttingDown: () => shuttingDown }),
      );
      try {
        expect((await rawRequest(server.url, { method: 'GET', path: '/status' })).status).to.equal(401);
        const authorized = { method: 'GET', path: '/status', headers: { authorization: 'Bearer t0ken' } };
        expect((await rawRequest(server.url, authorized)).status).to.equal(200);
        shuttingDown = true;
        const refused = await rawRequest(server.url, authorized);
        expect(refused.status).to.equal(503);
        expect(JSON.parse(refused.text)).to.include({ code: 'SHUTTING_DOWN' });
        expect((await rawRequest(server.url, { method: 'GET', path: '/health' })).status).to.equal(200);
      } finally {
        await server.close();
      }
    });
  });

  describe('shortcut', () => {
    for (const [method, path] of [['HEAD', '/health'], ['POST', '/status'], ['GET', '/health/'], ['GET', '/Status'], ['GET', '/send']]) {
      it(`lets ${method} ${path} through to the next middleware`, async () => {
        const ctx = fakeContext(method as string, path as string);
        let nexts = 0;
        await pollRoutes(service, 51).shortcut(ctx, (async () => void (nexts += 1)) as Next);
        expect(nexts).to.equal(1);
        expect(ctx.body).to.equal(undefined);
      });
    }
  });

  describe('bodies', () => {
    it('shows a change of state at once, also within the same millisecond', () => {
      const { health, status } = pollRoutes(service, 51);
      const before = fakeContext('GET', '/health');
      void health(before, async () => undefined);
      service.setState('DISCONNECTED', 'LOGOUT');
      const after = fakeContext('GET', '/health');
      void health(after, async () => undefined);
      const statusAfter = fakeContext('GET', '/status');
      void status(statusAfter, async () => undefined);
      expect(JSON.parse(String(before.body))).to.include({ whatsapp_state: 'INIT' });
      expect(JSON.parse(String(after.body))).to.include({ whatsapp_state: 'DISCONNECTED', last_disconnect_reason: 'LOGOUT' });
      expect(JSON.parse(String(statusAfter.body))).to.include({ state: 'DISCONNECTED', connected: false });
      expect(after.headers['Content-Type']).to.equal('application/json; charset=utf-8');
    });

    it('stamps /health with the time of the request', async () => {
      const { health } = pollRoutes(service, 51);
      const first = fakeContext('GET', '/health');
      void health(first, async () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = fakeContext('GET', '/health');
      void health(second, async () => undefined);
      const stamp = (ctx: Context): number => Date.parse(String((JSON.parse(String(ctx.body)) as { timestamp: string }).timestamp));
      expect(stamp(second) - stamp(first)).to.be.at.least(4);
      expect(stamp(second)).to.be.closeTo(Date.now(), 1000);
    });

    it('shows webhook: null on /health when webhooks are off, and never on /status', () => {
      const { health, status } = pollRoutes(service, 51);
      const [healthCtx, statusCtx] = [fakeContext('GET', '/health'), fakeContext('GET', '/status')];
      void health(healthCtx, async () => undefined);
      void status(statusCtx, async () => undefined);
      expect(JSON.parse(String(healthCtx.body))).to.have.property('webhook', null);
      expect(JSON.parse(String(statusCtx.body))).not.to.have.property('webhook');
    });

    it('shows the webhook backlog on /health, and its change at once', () => {
      let backlog: WebhookHealth = Object.freeze({ pending: 3, last_error: 'ECONNREFUSED', last_delivered_at: null, refused: 0, dropped: 0 });
      const { health } = pollRoutes(service, 51, { webhook: () => backlog });
      const body = (): unknown => {
        const ctx = fakeContext('GET', '/health');
        void health(ctx, async () => undefined);
        return (JSON.parse(String(ctx.body)) as { webhook: unknown }).webhook;
      };
      expect(body()).to.deep.equal(backlog);
      backlog = Object.freeze({ ...backlog, pending: 0, last_error: null });
      expect(body()).to.deep.equal({ pending: 0, last_error: null, last_delivered_at: null, refused: 0, dropped: 0 });
    });
  });
});
