import { expect } from 'chai';
import { eventMessage, parseEvent, parseRequest, parseResponse, type WorkerEvent } from '../../shared/protocol.js';
import { SESSION_STATES } from '../../shared/state.js';

// Ids must be positive safe integers: anything else is not an id this side ever issued.
const BAD_IDS: readonly unknown[] = [0, -1, 1.5, '1', Number.NaN, Number.MAX_SAFE_INTEGER + 1, null, undefined];

// Not a message at all: what a stray process.send() could deliver.
const NOT_OBJECTS: readonly unknown[] = [null, undefined, 'sm:request', 42, true, []];

// Runs `parse` on a copy of `valid` with `field` set to each bad value, and expects all refused.
function expectRefusedWith(
  parse: (message: unknown) => unknown,
  valid: Record<string, unknown>,
  field: string,
  values: readonly unknown[],
): void {
  for (const value of values) {
    expect(parse({ ...valid, [field]: value }), `${field}: ${String(value)}`).to.equal(undefined);
  }
}

describe('protocol', function () {
  describe('parseRequest', function () {
    const valid = { type: 'sm:request', id: 7, method: 'send', params: { to: '5491123456789', message: 'Hola' } };

    it('accepts a request and keeps id, method and params', function () {
      expect(parseRequest(valid)).to.deep.equal(valid);
    });

    it('gives params null when they are missing', function () {
      expect(parseRequest({ type: 'sm:request', id: 1, method: 'ping' })).to.deep.equal({
        type: 'sm:request',
        id: 1,
        method: 'ping',
        params: null,
      });
    });

    it('refuses values that are not objects', function () {
      for (const message of NOT_OBJECTS) expect(parseRequest(message)).to.equal(undefined);
    });

    it('refuses another message type', function () {
      expectRefusedWith(parseRequest, valid, 'type', ['sm:response', 'sm:event', 'request', undefined]);
    });

    it('refuses ids that are not positive integers (0, -1, 1.5, "1"...)', function () {
      expectRefusedWith(parseRequest, valid, 'id', BAD_IDS);
    });

    it('refuses a method that is not a string', function () {
      expectRefusedWith(parseRequest, valid, 'method', [42, null, undefined, ['send']]);
    });
  });

  describe('parseResponse', function () {
    const success = { type: 'sm:response', id: 3, ok: true, result: { messageId: 'true_5491123456789@c.us_ABC' } };
    const failure = { type: 'sm:response', id: 4, ok: false, error: { code: 'SEND_FAILED', message: 'rate limited' } };

    it('accepts a success and keeps its result', function () {
      expect(parseResponse(success)).to.deep.equal(success);
    });

    it('gives a success without result the result null', function () {
      expect(parseResponse({ type: 'sm:response', id: 3, ok: true })).to.deep.equal({
        type: 'sm:response',
        id: 3,
        ok: true,
        result: null,
      });
    });

    it('accepts a failure and keeps only the code and message of its error', function () {
      const withExtra = { ...failure, error: { ...failure.error, stack: 'at worker.js:1' } };
      expect(parseResponse(withExtra)).to.deep.equal(failure);
    });

    it('refuses values that are not objects', function () {
      for (const message of NOT_OBJECTS) expect(parseResponse(message)).to.equal(undefined);
    });

    it('refuses another message type', function () {
      expectRefusedWith(parseResponse, success, 'type', ['sm:request', undefined]);
    });

    it('refuses ids that are not positive integers (0, -1, 1.5, "1"...)', function () {
      expectRefusedWith(parseResponse, success, 'id', BAD_IDS);
      expectRefusedWith(parseResponse, failure, 'id', BAD_IDS);
    });

    it('refuses an ok that is not a boolean', function () {
      expectRefusedWith(parseResponse, success, 'ok', ['true', 1, null, undefined]);
    });

    it('refuses a failure whose error is missing or not an object', function () {
      expectRefusedWith(parseResponse, failure, 'error', [undefined, null, 'SEND_FAILED', ['SEND_FAILED', 'x']]);
    });

    it('refuses error codes missing from the catalogue', function () {
      for (const code of ['NOPE', 'send_failed', 'toString', '__proto__', '', 500, undefined]) {
        expect(parseResponse({ ...failure, error: { code, message: 'x' } }), String(code)).to.equal(undefined);
      }
    });

    it('refuses an error message that is not a string', function () {
      for (const message of [undefined, null, 42, { text: 'x' }]) {
        expect(parseResponse({ ...failure, error: { code: 'SEND_FAILED', message } })).to.equal(undefined);
      }
    });
  });

  describe('parseEvent', function () {
    const hello = { type: 'sm:event', event: { kind: 'hello', pid: 4242 } };
    const state = { type: 'sm:event', event: { kind: 'state', state: 'DISCONNECTED', reason: 'LOGOUT' } };

    it('accepts a hello event with the worker pid', function () {
      expect(parseEvent(hello)).to.deep.equal({ kind: 'hello', pid: 4242 });
    });

    it('accepts a state event for each of the four states, with a reason or null', function () {
      for (const value of SESSION_STATES) {
        for (const reason of [null, 'MANUAL']) {
          const event = { kind: 'state', state: value, reason };
          expect(parseEvent({ type: 'sm:event', event })).to.deep.equal(event);
        }
      }
    });

    it('survives the JSON trip through IPC built by eventMessage', function () {
      const events: WorkerEvent[] = [
        { kind: 'hello', pid: 1 },
        { kind: 'state', state: 'READY', reason: null },
        { kind: 'message', messageId: 'true_5491122334455@c.us_3EB0AB', to: '5491122334455', ack: 2 },
      ];
      for (const event of events) {
        expect(parseEvent(JSON.parse(JSON.stringify(eventMessage(event))))).to.deep.equal(event);
      }
    });

    it('refuses values that are not objects, and events that are not objects', function () {
      for (const message of NOT_OBJECTS) expect(parseEvent(message)).to.equal(undefined);
      expectRefusedWith(parseEvent, hello, 'event', NOT_OBJECTS);
    });

    it('refuses another message type', function () {
      expectRefusedWith(parseEvent, hello, 'type', ['sm:response', undefined]);
    });

    it('refuses unknown event kinds', function () {
      expectRefusedWith(parseEvent, hello, 'event', [
        { kind: 'qr', qr: 'abc' },
        { kind: 'HELLO', pid: 1 },
        { pid: 1 },
      ]);
    });

    it('refuses a hello whose pid is not a positive integer', function () {
      for (const pid of BAD_IDS) expect(parseEvent({ type: 'sm:event', event: { kind: 'hello', pid } })).to.equal(undefined);
    });

    it('refuses states outside the contract', function () {
      for (const value of ['CONNECTED', 'ready', 'RESTARTING', '', 3, undefined]) {
        expect(parseEvent({ ...state, event: { ...state.event, state: value } }), String(value)).to.equal(undefined);
      }
    });

    it('refuses a message event without an id or with an ack outside whatsapp-web.js MessageAck', function () {
      const message = { type: 'sm:event', event: { kind: 'message', messageId: 'true_1@c.us_A', to: '1', ack: 1 } };
      expect(parseEvent(message)).to.deep.equal(message.event);
      expectRefusedWith(parseEvent, message, 'event', [{ ...message.event, messageId: '' }, { ...message.event, messageId: 7 }]);
      for (const ack of [-2, 5, 1.5, '1', null]) {
        expect(parseEvent({ ...message, event: { ...message.event, ack } }), String(ack)).to.equal(undefined);
      }
    });

    it('refuses a reason that is neither a string nor null', function () {
      for (const reason of [42, false, { code: 'LOGOUT' }]) {
        expect(parseEvent({ ...state, event: { ...state.event, reason } })).to.equal(undefined);
      }
    });
  });
});
