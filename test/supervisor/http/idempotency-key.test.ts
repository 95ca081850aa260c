// The Idempotency-Key header rule, alone and as POST /send applies it.
import { expect } from 'chai';
import { AppError } from '../../../shared/errors.js';
import { createApp } from '../../../supervisor/http/app.js';
import { idempotencyKeyOf } from '../../../supervisor/http/idempotency-key.js';
import { serve, type TestServer } from '../../support/http.js';
import { captureLogger } from '../../support/logger.js';
import { rawRequest } from '../../support/raw-http.js';
import { SessionStandIn } from '../../support/session-stand-in.js';

const BODY = JSON.stringify({ cliente_id: 51, to: '5491123456789', message: 'Hello' });
const ONE_HEADER = 'Send one Idempotency-Key header, not several';
const BAD_VALUE = 'Idempotency-Key must be 1 to 200 visible ASCII characters';

function refusal(header: string[]): AppError {
  try {
    idempotencyKeyOf(header);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  return expect.fail(`expected ${JSON.stringify(header)} to be refused`);
}

describe('http/idempotency-key', () => {
  describe('idempotencyKeyOf', () => {
    it('has no key when the header is absent', () => {
      expect(idempotencyKeyOf(undefined)).to.equal(undefined);
    });

    it('returns a key of 200 visible ASCII characters, punctuation included, unchanged', () => {
      const key = `!~"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}`.padEnd(200, 'k');
      expect(idempotencyKeyOf([key])).to.equal(key);
    });

    for (const [what, key] of [
      ['an empty key', ''],
      ['a key containing a space', 'order 42'],
      ['a key of 201 characters', 'k'.repeat(201)],
      ['a key with non-ASCII characters', 'pedido-ñ'],
      ['a key with a tab', 'order\t42'],
    ] as const) {
      it(`refuses ${what} with INVALID_FIELD`, () => {
        expect(refusal([key])).to.include({ code: 'INVALID_FIELD', message: BAD_VALUE });
      });
    }

    it('refuses two header lines with INVALID_FIELD, even when both carry the same valid key', () => {
      expect(refusal(['order-42', 'order-42'])).to.include({ code: 'INVALID_FIELD', message: ONE_HEADER });
    });
  });

  describe('on POST /send', () => {
    let service: SessionStandIn;
    let server: TestServer;

    beforeEach(async () => {
      service = new SessionStandIn();
      service.setState('READY');
      server = await serve(createApp({ clienteId: 51, apiToken: undefined, service, sender: service, logger: captureLogger().logger }));
    });

    afterEach(async () => {
      await server.close();
    });

    const send = (headers: Record<string, string | string[]>) =>
      rawRequest(server.url, { method: 'POST', path: '/send', headers: { 'content-type': 'application/json', ...headers }, body: BODY });

    it('hands the key to the sender', async () => {
      expect((await send({ 'idempotency-key': 'order-42' })).status).to.equal(200);
      expect(service.calls).to.deep.equal([{ name: 'send', params: { to: '5491123456789', message: 'Hello' }, idempotencyKey: 'order-42' }]);
    });

    it('refuses two Idempotency-Key header lines with 400 INVALID_FIELD and sends nothing', async () => {
      const response = await send({ 'idempotency-key': ['order-42', 'order-43'] });
      expect(response.status).to.equal(400);
      expect(JSON.parse(response.text)).to.deep.equal({ ok: false, code: 'INVALID_FIELD', message: ONE_HEADER });
      expect(service.calls).to.deep.equal([]);
    });

    it('refuses an empty Idempotency-Key with 400 INVALID_FIELD and sends nothing', async () => {
      const response = await send({ 'idempotency-key': '' });
      expect(response.status).to.equal(400);
      expect(JSON.parse(response.text)).to.deep.equal({ ok: false, code: 'INVALID_FIELD', message: BAD_VALUE });
      expect(service.calls).to.deep.equal([]);
    });
  });
});
