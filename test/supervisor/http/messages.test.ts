// GET /messages/:message_id against the Koa app, with a real status store behind it: the body, 404
// MESSAGE_NOT_FOUND, and the same token and shutdown rules as every route but /health.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createApp } from '../../../supervisor/http/app.js';
import { MessageStatusStore } from '../../../supervisor/message-status-store.js';
import { request, serve, type TestServer } from '../../support/http.js';
import { captureLogger } from '../../support/logger.js';
import { SessionStandIn } from '../../support/session-stand-in.js';

const ID = 'true_5491123456789@c.us_3EB0ABCDEF';
const AUTH = { authorization: 'Bearer t0ken' };

describe('GET /messages/:message_id', () => {
  let dir: string;
  let statuses: MessageStatusStore;
  let server: TestServer;
  let shuttingDown: boolean;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'messages-route-'));
    const { logger } = captureLogger();
    statuses = await MessageStatusStore.open({ file: path.join(dir, 'message-status.jsonl'), ttlMs: 60_000, max: 10, logger });
    const service = new SessionStandIn();
    shuttingDown = false;
    server = await serve(
      createApp({ clienteId: 51, apiToken: 't0ken', service, sender: service, logger, messages: statuses, isShuttingDown: () => shuttingDown }),
    );
  });

  afterEach(async () => {
    await server.close();
    await statuses.flush();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the status of a sent message, whatever the session state, and follows its acks', async () => {
    statuses.sent(ID, '5491123456789');
    const sent = await request(`${server.url}/messages/${encodeURIComponent(ID)}`, { headers: AUTH });
    expect(sent.status).to.equal(200);
    expect(sent.body).to.include({ message_id: ID, to: '5491123456789', status: 'sent', ack: 1 });
    expect(Date.parse(sent.body.sent_at as string)).to.be.closeTo(Date.now(), 5000);
    statuses.ack(ID, 3);
    const read = await request(`${server.url}/messages/${ID}`, { headers: AUTH });
    expect(read.body).to.include({ status: 'read', ack: 3 });
  });

  it('answers 404 MESSAGE_NOT_FOUND for an id this tenant never sent', async () => {
    const response = await request(`${server.url}/messages/true_000@c.us_NOPE`, { headers: AUTH });
    expect([response.status, response.body.ok, response.body.code]).to.deep.equal([404, false, 'MESSAGE_NOT_FOUND']);
    expect(response.body.message).to.contain('true_000@c.us_NOPE');
  });

  it('needs the bearer token, and answers 503 while shutting down', async () => {
    statuses.sent(ID, '5491123456789');
    expect((await request(`${server.url}/messages/${ID}`)).status).to.equal(401);
    shuttingDown = true;
    const response = await request(`${server.url}/messages/${ID}`, { headers: AUTH });
    expect([response.status, response.body.code]).to.deep.equal([503, 'SHUTTING_DOWN']);
  });
});
