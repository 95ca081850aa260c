// The reusable parts of the OpenAPI document (openapi.ts): schemas, headers, and error answers that name
// their codes (every code is the catalogue's, shared/errors.ts; a test checks both ways).
import type { ErrorCode } from '../../shared/errors.js';

type Json = Readonly<Record<string, unknown>>;

const ref = (kind: string, name: string): Json => ({ $ref: `#/components/${kind}/${name}` });

export const schema = (name: string): Json => ref('schemas', name);

// An answer `{"ok":false,"code":...}` with one of `codes` (all of the same HTTP status).
export function errorAnswer(description: string, codes: readonly ErrorCode[], headers?: Json): Json {
  return {
    description: `${description} (${codes.join(', ')})`,
    ...(headers ? { headers } : {}),
    content: {
      'application/json': {
        schema: { allOf: [schema('Error'), { type: 'object', properties: { code: { enum: codes } } }] },
      },
    },
  };
}

export const jsonAnswer = (description: string, body: Json, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: body } },
});

export const jsonBody = (body: Json, required = true): Json => ({
  required,
  content: { 'application/json': { schema: body } },
});

const RETRY_AFTER = { 'Retry-After': ref('headers', 'RetryAfter') };

// The answers every route that needs the token or the worker may give.
export const AUTH_ERRORS: Json = {
  401: errorAnswer('API_TOKEN is set and the bearer token is missing or wrong', ['UNAUTHORIZED'], {
    'WWW-Authenticate': { schema: { type: 'string', const: 'Bearer' } },
  }),
};
export const SHUTDOWN_ERROR: Json = { 503: errorAnswer('The service is shutting down', ['SHUTTING_DOWN']) };
export const WORKER_ERRORS: Json = {
  500: errorAnswer('A bug; the log has the details', ['INTERNAL_ERROR']),
  503: errorAnswer('No worker to ask, too many calls waiting for it, or shutting down', ['WORKER_UNAVAILABLE', 'WORKER_BUSY', 'SHUTTING_DOWN'], RETRY_AFTER),
  504: errorAnswer('The worker did not answer in time', ['WORKER_TIMEOUT']),
};
export const BODY_ERRORS: Json = {
  413: errorAnswer('The body is over 256 KB', ['PAYLOAD_TOO_LARGE'], { Connection: { schema: { type: 'string', const: 'close' } } }),
  415: errorAnswer('The body is not uncompressed UTF-8 JSON', ['UNSUPPORTED_MEDIA_TYPE']),
};

const STATES = ['INIT', 'QR_REQUIRED', 'READY', 'DISCONNECTED'];
const WORKER_STATUSES = ['STARTING', 'RUNNING', 'STOPPING', 'BACKOFF', 'CRASH_LOOP', 'IDLE', 'SHUT_DOWN'];

const DETAILS: Json = {
  since: { type: 'string', format: 'date-time', description: 'When the state last changed.' },
  last_disconnect_reason: { type: ['string', 'null'], description: 'Why it last became DISCONNECTED (kept after recovery).' },
  last_restore: {
    type: ['object', 'null'],
    description: 'The last time the saved login was restored from a snapshot (LOGIN_SNAPSHOTS), and which; null until one happened.',
    required: ['at', 'snapshot'],
    properties: { at: { type: 'string', format: 'date-time' }, snapshot: { type: 'string' } },
  },
  worker: schema('Worker'),
};

const PHONE: Json = {
  type: 'string',
  description: 'International number: country code, area code, number. `+`, spaces, dashes and parentheses are removed; 8-15 digits remain.',
  examples: ['5491123456789'],
};

export const COMPONENTS: Json = {
  securitySchemes: {
    bearer: { type: 'http', scheme: 'bearer', description: 'Only when API_TOKEN is set: Authorization: Bearer <API_TOKEN>.' },
  },
  headers: {
    RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
  },
  schemas: {
    State: { type: 'string', enum: STATES },
    Worker: {
      type: 'object',
      required: ['status', 'pid', 'restarts', 'memory_mb'],
      properties: {
        status: { type: 'string', enum: WORKER_STATUSES },
        pid: { type: ['integer', 'null'] },
        restarts: { type: 'integer', minimum: 0 },
        memory_mb: { type: ['number', 'null'], description: 'PSS of the worker and its browser at the last heartbeat.' },
      },
    },
    Health: {
      type: 'object',
      required: ['status', 'service', 'cliente_id', 'whatsapp_state', 'timestamp', 'since', 'last_disconnect_reason', 'last_restore', 'worker', 'webhook', 'storage'],
      properties: {
        status: { const: 'healthy' },
        service: { const: 'session-manager' },
        cliente_id: { type: 'integer' },
        whatsapp_state: schema('State'),
        timestamp: { type: 'string', format: 'date-time' },
        ...DETAILS,
        webhook: {
          type: ['object', 'null'],
          description: 'The webhook backlog; null when WEBHOOK_URL is not set.',
          required: ['pending', 'last_error', 'last_delivered_at', 'refused', 'dropped'],
          properties: {
            pending: { type: 'integer', description: 'Events in the outbox, waiting or being retried.' },
            last_error: { type: ['string', 'null'], description: 'Why the last try failed; null once a delivery succeeds.' },
            last_delivered_at: { type: ['string', 'null'], format: 'date-time' },
            refused: { type: 'integer', description: 'Events the receiver refused (4xx) since the start: dropped.' },
            dropped: { type: 'integer', description: 'Events dropped for WEBHOOK_QUEUE_MAX since the start (oldest first).' },
          },
        },
        storage: {
          type: 'object',
          description: "Whether the tenant's files (Idempotency-Keys, message statuses, webhook outbox) can be written.",
          required: ['writable', 'error'],
          properties: {
            writable: { type: 'boolean', description: 'False since a write failed; true again once one works (retried every 5 s).' },
            error: {
              type: ['object', 'null'],
              required: ['file', 'code', 'message', 'since'],
              properties: {
                file: { type: 'string' },
                code: { type: ['string', 'null'], description: 'The system error: ENOSPC (disk full), EROFS, EACCES...' },
                message: { type: 'string' },
                since: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
    },
    Status: {
      type: 'object',
      required: ['cliente_id', 'connected', 'state', 'since', 'last_disconnect_reason', 'last_restore', 'worker'],
      properties: {
        cliente_id: { type: 'integer' },
        connected: { type: 'boolean', description: 'state === "READY"' },
        state: schema('State'),
        ...DETAILS,
      },
    },
    SendRequest: {
      type: 'object',
      required: ['cliente_id', 'to', 'message'],
      properties: {
        cliente_id: { type: ['integer', 'string'], description: "This instance's CLIENTE_ID (a number, or a string of digits)." },
        to: PHONE,
        message: { type: 'string', minLength: 1, maxLength: 65_536, description: 'Not only spaces; no NUL characters.' },
      },
    },
    PairingRequest: { type: 'object', required: ['phone'], properties: { phone: PHONE } },
    Ok: { type: 'object', required: ['ok', 'message'], properties: { ok: { const: true }, message: { type: 'string' } } },
    Error: {
      type: 'object',
      required: ['ok', 'code', 'message'],
      properties: {
        ok: { const: false },
        code: {
          type: 'string',
          description: 'Stable; match on it, not on `message`.',
          enum: [
            'INVALID_JSON', 'INVALID_BODY', 'INVALID_FIELD', 'CLIENTE_ID_MISMATCH', 'INVALID_PHONE_NUMBER', 'INVALID_MESSAGE',
            'UNAUTHORIZED', 'NOT_FOUND', 'MESSAGE_NOT_FOUND', 'METHOD_NOT_ALLOWED', 'SESSION_NOT_READY', 'QR_NOT_AVAILABLE', 'PAIRING_NOT_AVAILABLE',
            'NUMBER_NOT_ON_WHATSAPP', 'RECIPIENT_UNRESOLVABLE', 'IDEMPOTENCY_KEY_REUSED', 'PAYLOAD_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE', 'QUEUE_FULL', 'NEW_CONTACT_LIMIT', 'INTERNAL_ERROR', 'SEND_FAILED',
            'SEND_OUTCOME_UNKNOWN', 'WORKER_UNAVAILABLE', 'WORKER_BUSY', 'STORAGE_UNAVAILABLE', 'SHUTTING_DOWN', 'WORKER_TIMEOUT',
          ] satisfies ErrorCode[],
        },
        message: { type: 'string', description: 'For a human.' },
      },
    },
  },
  responses: {
    NotFound: errorAnswer('Unknown path (any route)', ['NOT_FOUND']),
    MethodNotAllowed: errorAnswer('Known path, wrong method (any route); Allow lists the right ones', ['METHOD_NOT_ALLOWED'], {
      Allow: { schema: { type: 'string' } },
    }),
  },
};
