// GET /openapi.json: the HTTP API as an OpenAPI 3.1 document, written by hand next to the routes. A test
// fails when it and the router's routes, or the error catalogue (shared/errors.ts), disagree.
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  COMPONENTS,
  SHUTDOWN_ERROR,
  WORKER_ERRORS,
  errorAnswer,
  jsonAnswer,
  jsonBody,
  schema,
} from './openapi-components.js';

const PUBLIC = { security: [] };
const HUB = ['hub'];
const LINKING = ['linking'];

const OK_BODY = schema('Ok');

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'session-manager',
    version: '0.1.0',
    description:
      "One WhatsApp Web session for one LeadMaster tenant (CLIENTE_ID). Every answer is JSON (errors included) unless a route says otherwise. With API_TOKEN set, every route but GET /health and GET /qr needs the bearer token.",
  },
  tags: [
    { name: 'hub', description: 'The routes the central hub calls (the contract).' },
    { name: 'linking', description: 'Linking the phone: QR, pairing code, the page for a person.' },
  ],
  security: [{ bearer: [] }],
  paths: {
    '/health': {
      get: {
        tags: HUB,
        summary: 'Always answers while the process runs, even while the worker restarts or the service stops',
        ...PUBLIC,
        responses: { 200: jsonAnswer('The service and the session state', schema('Health')) },
      },
    },
    '/status': {
      get: {
        tags: HUB,
        summary: 'The session state, from memory',
        responses: { 200: jsonAnswer('The session state', schema('Status')), ...AUTH_ERRORS, ...SHUTDOWN_ERROR },
      },
    },
    '/qr-code': {
      get: {
        tags: [...HUB, ...LINKING],
        summary: 'The QR to scan while QR_REQUIRED: raw (JSON), or a PNG with ?format=png',
        parameters: [
          { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'png'], default: 'json' } },
          { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'format=png: the ETag of the PNG shown; 304 while unchanged.' },
        ],
        responses: {
          200: {
            description: 'The current QR',
            headers: { ETag: { schema: { type: 'string' }, description: 'format=png only.' } },
            content: {
              'application/json': { schema: { type: 'object', required: ['qr_code'], properties: { qr_code: { type: 'string' } } } },
              'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
            },
          },
          304: { description: 'format=png: the QR is still the one of If-None-Match' },
          400: errorAnswer('format is neither json nor png', ['INVALID_FIELD']),
          ...AUTH_ERRORS,
          409: errorAnswer('Not QR_REQUIRED; the message names the state', ['QR_NOT_AVAILABLE']),
          ...WORKER_ERRORS,
        },
      },
    },
    '/pairing-code': {
      post: {
        tags: LINKING,
        summary: 'A code to enter on the phone (Link with phone number instead) while QR_REQUIRED',
        requestBody: jsonBody(schema('PairingRequest')),
        responses: {
          200: jsonAnswer('The code, as the phone asks for it', {
            type: 'object',
            required: ['pairing_code'],
            properties: { pairing_code: { type: 'string', pattern: '^[A-Z0-9]{4}-[A-Z0-9]{4}$' } },
          }),
          400: errorAnswer('The body or the number is not valid', ['INVALID_JSON', 'INVALID_BODY', 'INVALID_PHONE_NUMBER']),
          ...AUTH_ERRORS,
          409: errorAnswer('Not QR_REQUIRED; the message names the state', ['PAIRING_NOT_AVAILABLE']),
          ...BODY_ERRORS,
          ...WORKER_ERRORS,
        },
      },
    },
    '/qr': {
      get: {
        tags: LINKING,
        summary: 'An HTML page for a person: shows the QR, follows it, offers a pairing code, says when linked',
        description: 'Served without the token (it holds no secret); its script asks for the token and sends it as a bearer header.',
        ...PUBLIC,
        responses: {
          200: {
            description: 'The page, self-contained, under a strict Content-Security-Policy',
            headers: { 'Content-Security-Policy': { schema: { type: 'string' } } },
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          ...SHUTDOWN_ERROR,
        },
      },
    },
    '/send': {
      post: {
        tags: HUB,
        summary: "Sends a text message; 200 once WhatsApp's server accepted it",
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
            description: 'Repeats with the same key get the first answer and send nothing.',
          },
        ],
        requestBody: jsonBody(schema('SendRequest')),
        responses: {
          200: jsonAnswer(
            'Sent',
            { type: 'object', required: ['ok', 'message_id'], properties: { ok: { const: true }, message_id: { type: 'string' } } },
            { 'Idempotent-Replayed': { schema: { const: 'true' }, description: 'The answer of an earlier request with this key.' } },
          ),
          400: errorAnswer('A field or the Idempotency-Key is not valid; nothing was sent', [
            'INVALID_JSON', 'INVALID_BODY', 'INVALID_FIELD', 'CLIENTE_ID_MISMATCH', 'INVALID_PHONE_NUMBER', 'INVALID_MESSAGE',
          ]),
          ...AUTH_ERRORS,
          409: errorAnswer('Not READY; nothing was sent', ['SESSION_NOT_READY']),
          ...BODY_ERRORS,
          422: errorAnswer('WhatsApp cannot take this message, or the key was used for another one; nothing was sent', [
            'NUMBER_NOT_ON_WHATSAPP', 'RECIPIENT_UNRESOLVABLE', 'IDEMPOTENCY_KEY_REUSED',
          ]),
          429: errorAnswer('The queue is full, or WhatsApp limits messages to new contacts; nothing was sent', ['QUEUE_FULL', 'NEW_CONTACT_LIMIT'], {
            'Retry-After': { $ref: '#/components/headers/RetryAfter' },
          }),
          500: errorAnswer('WhatsApp failed the send (not sent), or a bug', ['INTERNAL_ERROR', 'SEND_FAILED']),
          502: errorAnswer('The worker went away during the send: outcome unknown', ['SEND_OUTCOME_UNKNOWN']),
          503: errorAnswer(
            'No worker to ask, too many calls waiting for it, shutting down, or the Idempotency-Key could not be recorded (see /health\'s storage); nothing was sent',
            ['WORKER_UNAVAILABLE', 'WORKER_BUSY', 'SHUTTING_DOWN', 'STORAGE_UNAVAILABLE'],
            { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } },
          ),
          504: errorAnswer('No answer within SEND_TIMEOUT_MS: outcome unknown', ['WORKER_TIMEOUT']),
        },
      },
    },
    '/disconnect': {
      post: {
        tags: HUB,
        summary: 'Closes the WhatsApp connection (login kept); {"logout": true} also unlinks and deletes it',
        requestBody: jsonBody({ type: 'object', properties: { logout: { type: 'boolean', default: false } } }, false),
        responses: {
          200: jsonAnswer('Disconnected', OK_BODY),
          400: errorAnswer('The body is not valid', ['INVALID_JSON', 'INVALID_BODY', 'INVALID_FIELD']),
          ...AUTH_ERRORS,
          ...BODY_ERRORS,
          ...WORKER_ERRORS,
        },
      },
    },
    '/connect': {
      post: {
        tags: HUB,
        summary: 'Brings a DISCONNECTED session back (a no-op while a client runs)',
        responses: {
          200: jsonAnswer('Connecting; follow /status', {
            type: 'object',
            required: ['ok', 'message', 'state'],
            properties: { ok: { const: true }, message: { type: 'string' }, state: schema('State') },
          }),
          ...AUTH_ERRORS,
          ...WORKER_ERRORS,
        },
      },
    },
    '/account-info': {
      get: {
        tags: HUB,
        summary: 'The linked account, when READY',
        responses: {
          200: jsonAnswer('The account', {
            type: 'object',
            required: ['phone', 'platform', 'pushname'],
            properties: { phone: { type: 'string' }, platform: { type: 'string' }, pushname: { type: 'string' } },
          }),
          ...AUTH_ERRORS,
          409: errorAnswer('Not READY', ['SESSION_NOT_READY']),
          ...WORKER_ERRORS,
        },
      },
    },
    '/messages/{message_id}': {
      get: {
        tags: HUB,
        summary: "What became of a message sent through this service, from WhatsApp's acks (kept MESSAGE_STATUS_TTL_MS)",
        parameters: [{ name: 'message_id', in: 'path', required: true, schema: { type: 'string' }, description: 'The message_id /send answered.' }],
        responses: {
          200: jsonAnswer('The message', {
            type: 'object',
            required: ['message_id', 'to', 'status', 'ack', 'sent_at', 'updated_at'],
            properties: {
              message_id: { type: 'string' },
              to: { type: 'string', description: 'The number /send was asked for (digits).' },
              status: { type: 'string', enum: ['pending', 'sent', 'delivered', 'read', 'played', 'failed'] },
              ack: { type: 'integer', enum: [-1, 0, 1, 2, 3, 4], description: "whatsapp-web.js's MessageAck." },
              sent_at: { type: 'string', format: 'date-time' },
              updated_at: { type: 'string', format: 'date-time' },
            },
          }),
          ...AUTH_ERRORS,
          404: errorAnswer('Never sent by this tenant, or forgotten', ['MESSAGE_NOT_FOUND']),
          ...SHUTDOWN_ERROR,
        },
      },
    },
    '/metrics': {
      get: {
        summary: "Prometheus' text format (not JSON): session state, restarts by cause, sends by result and duration, queue depth, memory",
        responses: {
          200: { description: 'The metrics', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } },
          ...AUTH_ERRORS,
          ...SHUTDOWN_ERROR,
        },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        responses: { 200: jsonAnswer('OpenAPI 3.1', { type: 'object' }), ...AUTH_ERRORS, ...SHUTDOWN_ERROR },
      },
    },
  },
  components: COMPONENTS,
} as const;

// Serialised once: the document never changes while the process runs.
export const OPENAPI_JSON = JSON.stringify(OPENAPI);
