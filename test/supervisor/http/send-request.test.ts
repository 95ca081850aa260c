import { expect } from 'chai';
import { AppError, type ErrorCode } from '../../../shared/errors.js';
import {
  MAX_MESSAGE_LENGTH,
  normalizePhoneNumber,
  parseDisconnectRequest,
  parseSendRequest,
} from '../../../supervisor/http/send-request.js';

const TENANT = 51;
const VALID = { cliente_id: 51, to: '5491123456789', message: 'Hola' };

// The AppError `run` throws; fails the test when it throws nothing or something else.
function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  return expect.fail('expected an AppError to be thrown');
}

// Asserts a /send body is refused with `code`, and returns the error for further checks.
function refusedSend(body: unknown, code: ErrorCode): AppError {
  const error = refusal(() => parseSendRequest(body, TENANT));
  expect(error.code, JSON.stringify(body)?.slice(0, 80)).to.equal(code);
  expect(error.status).to.equal(400);
  return error;
}

const withField = (field: string, value: unknown): Record<string, unknown> => ({ ...VALID, [field]: value });

function without(field: keyof typeof VALID): Record<string, unknown> {
  const body: Record<string, unknown> = { ...VALID };
  delete body[field];
  return body;
}

describe('send-request', function () {
  describe('normalizePhoneNumber', function () {
    it('strips +, spaces, dashes and parentheses', function () {
      expect(normalizePhoneNumber('+54 9 (11) 2345-6789')).to.equal('5491123456789');
    });

    it('keeps a number that is already digits only', function () {
      expect(normalizePhoneNumber('5491123456789')).to.equal('5491123456789');
    });

    it('accepts 8 to 15 digits', function () {
      expect(normalizePhoneNumber('12345678')).to.equal('12345678');
      expect(normalizePhoneNumber('+123 456 789 012 345')).to.equal('123456789012345');
    });

    const refused: readonly [string, string][] = [
      ['7 digits', '1234567'],
      ['16 digits', '1234567890123456'],
      ['letters', '54911CALLME89'],
      ['dots', '549.11.2345.6789'],
      ['slashes', '549/11/2345/6789'],
      ['an empty string', ''],
      ['decoration only', '+ ( ) -'],
      ['non-ASCII digits', '٥٤٩١١٢٣٤٥٦٧٨٩'],
      ['a WhatsApp id suffix', '5491123456789@c.us'],
    ];
    for (const [what, input] of refused) {
      it(`refuses ${what}`, function () {
        expect(normalizePhoneNumber(input)).to.equal(undefined);
      });
    }
  });

  describe('parseSendRequest', function () {
    it('returns the digits of to and the message as sent', function () {
      const body = { cliente_id: 51, to: '+54 9 11 2345-6789', message: '  Hola\nmundo  ', extra: true };
      expect(parseSendRequest(body, TENANT)).to.deep.equal({ to: '5491123456789', message: '  Hola\nmundo  ' });
    });

    for (const body of [[VALID], null, 'hola', 42, undefined]) {
      it(`refuses a body that is not an object (${JSON.stringify(body) ?? 'undefined'}) with INVALID_BODY`, function () {
        refusedSend(body, 'INVALID_BODY');
      });
    }

    describe('cliente_id', function () {
      it('refuses a missing cliente_id, naming the field', function () {
        expect(refusedSend(without('cliente_id'), 'INVALID_FIELD').message).to.contain('cliente_id');
        refusedSend(withField('cliente_id', null), 'INVALID_FIELD');
      });

      it("refuses another tenant's cliente_id with CLIENTE_ID_MISMATCH, saying nothing was sent", function () {
        const error = refusedSend(withField('cliente_id', 52), 'CLIENTE_ID_MISMATCH');
        expect(error.message).to.contain('52').and.to.contain('nothing was sent');
        refusedSend(withField('cliente_id', '52'), 'CLIENTE_ID_MISMATCH');
      });

      it('reports the wrong tenant first, even when other fields are wrong too', function () {
        refusedSend({ cliente_id: 52, to: 'nope', message: '' }, 'CLIENTE_ID_MISMATCH');
      });

      it('accepts the tenant id written as a string of digits', function () {
        expect(parseSendRequest(withField('cliente_id', '51'), TENANT).to).to.equal('5491123456789');
      });

      for (const value of [51.5, -1, 0, true, '051', ' 51', '51abc', [51], { id: 51 }]) {
        it(`refuses cliente_id ${JSON.stringify(value)} with INVALID_FIELD`, function () {
          expect(refusedSend(withField('cliente_id', value), 'INVALID_FIELD').message).to.contain('cliente_id');
        });
      }
    });

    describe('to', function () {
      for (const [what, body] of [
        ['that is missing', without('to')],
        ['given as a number', withField('to', 5491123456789)],
        ['that is null', withField('to', null)],
        ['that is not a phone number', withField('to', 'call me')],
      ] as const) {
        it(`refuses a to ${what} with INVALID_PHONE_NUMBER`, function () {
          expect(refusedSend(body, 'INVALID_PHONE_NUMBER').message).to.match(/^to /);
        });
      }
    });

    describe('message', function () {
      for (const [what, body] of [
        ['that is missing', without('message')],
        ['that is empty', withField('message', '')],
        ['of only whitespace', withField('message', '   \n\t')],
        ['given as a number', withField('message', 42)],
        ['that is null', withField('message', null)],
        ['holding a NUL character', withField('message', 'Hola\u0000mundo')],
      ] as const) {
        it(`refuses a message ${what} with INVALID_MESSAGE`, function () {
          expect(refusedSend(body, 'INVALID_MESSAGE').message).to.match(/^message /);
        });
      }

      it('accepts exactly 65,536 characters and refuses one more', function () {
        const longest = 'a'.repeat(MAX_MESSAGE_LENGTH);
        expect(parseSendRequest(withField('message', longest), TENANT).message).to.equal(longest);
        refusedSend(withField('message', `${longest}a`), 'INVALID_MESSAGE');
      });

      it('counts characters, not UTF-16 units: 65,536 emoji pass, 65,537 do not', function () {
        const emoji = '😀'.repeat(MAX_MESSAGE_LENGTH);
        expect(emoji.length).to.equal(2 * MAX_MESSAGE_LENGTH);
        expect(parseSendRequest(withField('message', emoji), TENANT).message).to.equal(emoji);
        expect(refusedSend(withField('message', `${emoji}😀`), 'INVALID_MESSAGE').message).to.contain('too long');
      });
    });

    describe('__proto__ keys from JSON.parse', function () {
      it('does not read fields hidden under a __proto__ key', function () {
        const body: unknown = JSON.parse('{"__proto__": {"cliente_id": 51, "to": "5491123456789", "message": "Hola"}}');
        refusedSend(body, 'INVALID_FIELD');
      });

      it('accepts a valid body that also carries a __proto__ key, without polluting Object.prototype', function () {
        const body: unknown = JSON.parse(
          '{"cliente_id": 51, "to": "5491123456789", "message": "Hola", "__proto__": {"cliente_id": 52, "polluted": true}}',
        );
        expect(parseSendRequest(body, TENANT)).to.deep.equal({ to: '5491123456789', message: 'Hola' });
        expect(Object.hasOwn(Object.prototype, 'polluted')).to.equal(false);
      });
    });
  });

  describe('parseDisconnectRequest', function () {
    it('does not log out when there is no body or an empty one', function () {
      expect(parseDisconnectRequest(undefined)).to.deep.equal({ logout: false });
      expect(parseDisconnectRequest({})).to.deep.equal({ logout: false });
    });

    it('reads logout true and false', function () {
      expect(parseDisconnectRequest({ logout: true })).to.deep.equal({ logout: true });
      expect(parseDisconnectRequest({ logout: false })).to.deep.equal({ logout: false });
    });

    for (const logout of ['yes', 'true', 1, null]) {
      it(`refuses logout ${JSON.stringify(logout)} with INVALID_FIELD naming logout`, function () {
        const error = refusal(() => parseDisconnectRequest({ logout }));
        expect(error.code).to.equal('INVALID_FIELD');
        expect(error.message).to.contain('logout');
      });
    }

    for (const body of [[], [{ logout: true }], 'logout', null]) {
      it(`refuses a body that is not an object (${JSON.stringify(body)}) with INVALID_BODY`, function () {
        expect(refusal(() => parseDisconnectRequest(body)).code).to.equal('INVALID_BODY');
      });
    }
  });
});
