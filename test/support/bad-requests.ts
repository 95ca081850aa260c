// Generates malformed requests for the fuzz test: a seeded generator, so a failure can be replayed.
import type { RawRequest } from './raw-http.js';

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JSON_TYPE = { 'content-type': 'application/json' };
const GOOD = { cliente_id: 51, to: '5491123456789', message: 'hola' };

function post(body: Buffer | string, headers: Record<string, string> = JSON_TYPE, path = '/send'): RawRequest {
  return { method: 'POST', path, headers, body };
}

function withField(field: string, value: unknown): RawRequest {
  return post(JSON.stringify({ ...GOOD, [field]: value }));
}

function nested(depth: number, open: string, close: string): string {
  return `${open.repeat(depth)}${close.repeat(depth)}`;
}

// Fixed cases: every kind of bad input named in the issue at least once.
function fixedCases(): RawRequest[] {
  const cases: RawRequest[] = [
    post(JSON.stringify(GOOD), { 'content-type': 'text/plain' }),
    post('cliente_id=51&to=5491123456789&message=hi', { 'content-type': 'application/x-www-form-urlencoded' }),
    post('<send/>', { 'content-type': 'application/xml' }),
    post(JSON.stringify(GOOD), { 'content-type': 'application/json', 'content-encoding': 'br' }),
    post(JSON.stringify(GOOD), { 'content-type': 'application/json; charset=latin-9000' }),
    post('{"cliente_id":51,'),
    post('{"cliente_id":51}}'),
    post('nul'),
    post(''),
    post(`{"message":"${'x'.repeat(300 * 1024)}"}`),
    post(nested(5000, '[', ']')),
    post(nested(5000, '{"a":', '}').replace(/}$/, '1}')),
    post('[]'),
    post('null'),
    post('42'),
    post('"a string"'),
    post('true'),
    post(JSON.stringify([GOOD])),
    post('{"__proto__":{"cliente_id":51,"to":"5491123456789","message":"hi"}}'),
    post('{"constructor":{"prototype":{"cliente_id":51}},"to":"5491123456789","message":"hi"}'),
    post('{"cliente_id":51,"to":"5491123456789","message":"hi","__proto__":{"message":null}}'.replace('"message":"hi",', '')),
    withField('message', 'hola\u0000mundo'),
    withField('to', '5491123\u00004567'),
    withField('message', null),
    withField('message', ['hola']),
    withField('message', { text: 'hola' }),
    withField('message', ''),
    withField('message', '   '),
    withField('message', 'x'.repeat(65_537)),
    withField('to', 5491123456789),
    withField('to', '+54 (11) abc'),
    withField('to', '1234567'),
    withField('to', '1234567890123456'),
    withField('to', '٥٤٩١١٢٣٤٥٦٧٨٩'),
    withField('cliente_id', 52),
    withField('cliente_id', '51a'),
    withField('cliente_id', -51),
    withField('cliente_id', 0),
    withField('cliente_id', 1e300),
    withField('cliente_id', null),
    withField('cliente_id', [51]),
    post(Buffer.concat([Buffer.from('{"cliente_id":51,"to":"5491123456789","message":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])),
    post(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])),
    { method: 'GET', path: '/send' },
    { method: 'PUT', path: '/send', headers: JSON_TYPE, body: JSON.stringify(GOOD) },
    { method: 'DELETE', path: '/status' },
    { method: 'PATCH', path: '/disconnect' },
    { method: 'GET', path: '/../../etc/passwd' },
    { method: 'GET', path: '/%00' },
    { method: 'GET', path: `/${'a'.repeat(4000)}` },
    { method: 'GET', path: '/send?to=5491123456789&message=hi' },
    post(JSON.stringify(GOOD), { ...JSON_TYPE, 'idempotency-key': 'has space' }),
    post(JSON.stringify(GOOD), { ...JSON_TYPE, 'idempotency-key': 'x'.repeat(201) }),
    post('{"logout":"yes"}', JSON_TYPE, '/disconnect'),
    post('[true]', JSON_TYPE, '/disconnect'),
    post('logout', { 'content-type': 'text/plain' }, '/disconnect'),
  ];
  return cases;
}

// Random mutations of a valid body: truncation, byte flips, type swaps.
function randomCase(random: () => number): RawRequest {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const good = JSON.stringify(GOOD);
  switch (Math.floor(random() * 5)) {
    case 0:
      return post(good.slice(0, Math.floor(random() * (good.length - 1))));
    case 1: {
      const bytes = Buffer.from(good);
      // Corrupt a structural character, so the JSON can no longer parse.
      const structural = [...bytes.keys()].filter((index) => '{}":,'.includes(String.fromCharCode(bytes[index] ?? 0)));
      const index = pick(structural);
      bytes[index] = pick([0x00, 0x7b, 0x5d, 0x80, 0xff, 0x27].filter((byte) => byte !== bytes[index]));
      return post(bytes);
    }
    case 2:
      return withField(pick(['cliente_id', 'to', 'message']), pick([null, true, false, [], {}, -1, 1.5, '', 'x'.repeat(70_000)]));
    case 3:
      return post(good, { 'content-type': pick(['text/plain', 'application/octet-stream', 'multipart/form-data', 'text/json', 'application/jsonx']) });
    default: {
      const { cliente_id: _omit, ...rest } = GOOD;
      void _omit;
      return post(JSON.stringify(pick([rest, { ...GOOD, to: undefined }, { ...GOOD, message: undefined }, {}])));
    }
  }
}

export function badRequests(count: number, seed: number): RawRequest[] {
  const random = seededRandom(seed);
  const cases = fixedCases();
  while (cases.length < count) cases.push(randomCase(random));
  return cases;
}
