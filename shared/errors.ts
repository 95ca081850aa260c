// The error catalogue: every error the service answers with is declared here once,
// with its stable code, HTTP status and message. The README's error table is checked against it.

export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
  // What it means for the caller: the README's error table says exactly this (a test checks it).
  readonly description: string;
  // False when the message may carry internals: the client then gets the catalogue's message only,
  // and the real one stays in the log of the process that saw it.
  readonly expose?: false;
}

export const ERRORS = {
  INVALID_JSON: {
    status: 400,
    message: 'Request body is not valid JSON',
    description: 'The body could not be parsed as JSON, or is not valid UTF-8.',
  },
  INVALID_BODY: {
    status: 400,
    message: 'Request body must be a JSON object',
    description: 'The body parsed, but is not a JSON object (an array, a string, null...).',
  },
  INVALID_FIELD: {
    status: 400,
    message: 'A field of the request is missing or invalid',
    description: 'A field is missing or has the wrong type or form; the message names the field.',
  },
  CLIENTE_ID_MISMATCH: {
    status: 400,
    message: 'cliente_id does not belong to this instance',
    description: 'The request was meant for another tenant; nothing was sent.',
  },
  INVALID_PHONE_NUMBER: {
    status: 400,
    message: 'The phone number must be an international number of 8 to 15 digits',
    description: '`to` (or `phone` of `/pairing-code`) is not 8-15 digits after removing `+`, spaces, dashes and parentheses.',
  },
  INVALID_MESSAGE: {
    status: 400,
    message: 'message must be a non-empty string of at most 65536 characters',
    description: '`message` is missing, empty, not a string, or too long.',
  },
  UNAUTHORIZED: {
    status: 401,
    message: 'Missing or invalid bearer token',
    description: '`API_TOKEN` is set and the request lacks `Authorization: Bearer <token>` with the right token.',
  },
  NOT_FOUND: {
    status: 404,
    message: 'No such route',
    description: 'Unknown path.',
  },
  MESSAGE_NOT_FOUND: {
    status: 404,
    message: 'No message with this id was sent by this tenant',
    description: '`GET /messages/:message_id`: this tenant never sent a message with this id through the service, or it was forgotten (older than `MESSAGE_STATUS_TTL_MS`, or beyond `MESSAGE_STATUS_MAX`).',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    message: 'Method not allowed on this route',
    description: 'Known path, wrong method; the `Allow` header lists the right ones.',
  },
  SESSION_NOT_READY: {
    status: 409,
    message: 'WhatsApp session is not ready',
    description: 'The session is not `READY`; the message names the current state. Nothing was sent.',
  },
  QR_NOT_AVAILABLE: {
    status: 409,
    message: 'No QR code to scan',
    description: 'A QR exists only in `QR_REQUIRED`; the message names the current state.',
  },
  PAIRING_NOT_AVAILABLE: {
    status: 409,
    message: 'No pairing code can be asked for now',
    description: 'A pairing code can be asked for only in `QR_REQUIRED` (a session not linked yet); the message names the current state.',
  },
  NUMBER_NOT_ON_WHATSAPP: {
    status: 422,
    message: 'The number is not on WhatsApp',
    description: 'WhatsApp has no account for `to`. Nothing was sent.',
  },
  RECIPIENT_UNRESOLVABLE: {
    status: 422,
    message: 'WhatsApp cannot resolve this recipient',
    description: 'WhatsApp knows the number but could not resolve it to an account to write to ("No LID for user"). Nothing was sent.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'This Idempotency-Key was already used for a different message',
    description: 'The key came with another `to` or `message` than its first use. Nothing was sent.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    message: 'Request body is too large',
    description: 'The body is over the limit (256 KB).',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Request body must be JSON (Content-Type: application/json)',
    description: 'A body was sent with another content type or encoding.',
  },
  QUEUE_FULL: {
    status: 429,
    message: 'Too many messages are waiting to be sent',
    description: 'The send queue is full (`SEND_QUEUE_MAX`); retry after the `Retry-After` seconds. Nothing was sent.',
  },
  NEW_CONTACT_LIMIT: {
    status: 429,
    message: 'WhatsApp refused the message: too many messages to new contacts',
    description: 'WhatsApp\'s limit on messages to new contacts (error 463); chats with earlier messages still work. Nothing was sent; wait before writing to new contacts again.',
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Internal error',
    description: 'A bug: the log has the details. Nothing more is exposed.',
    expose: false,
  },
  SEND_FAILED: {
    status: 500,
    message: 'WhatsApp could not send the message',
    description: 'WhatsApp refused or failed the send; the message gives the reason. It was not sent.',
  },
  SEND_OUTCOME_UNKNOWN: {
    status: 502,
    message: 'The worker stopped while sending; the message may or may not have been sent',
    description: 'The worker or its browser went away during the send. Check the recipient before sending again.',
  },
  WORKER_UNAVAILABLE: {
    status: 503,
    message: 'The WhatsApp worker is not running',
    description: 'The worker is starting, restarting or stopped; try again shortly. Nothing was sent.',
  },
  WORKER_BUSY: {
    status: 503,
    message: 'Too many requests are waiting for the WhatsApp worker',
    description: 'The pending-call cap was reached; retry after the `Retry-After` seconds. Nothing was sent.',
  },
  STORAGE_UNAVAILABLE: {
    status: 503,
    message: 'The Idempotency-Key could not be recorded; nothing was sent',
    description: 'The tenant\'s folder cannot be written (the disk is full, or read-only), so the key could not be recorded and the message was not sent (exactly once comes first). `/health`\'s `storage` says why; retry once it is writable again.',
  },
  SHUTTING_DOWN: {
    status: 503,
    message: 'The service is shutting down',
    description: 'SIGINT/SIGTERM received; new work is refused. Nothing was sent.',
  },
  WORKER_TIMEOUT: {
    status: 504,
    message: 'The WhatsApp worker did not answer in time',
    description: 'The call timed out. For `/send` the outcome is unknown: check before sending again.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

export interface AppErrorOptions {
  message?: string;
  cause?: unknown;
  headers?: Readonly<Record<string, string>>;
}

// An error the service means to answer with; its message reaches the client when `expose` is true.
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly expose: boolean;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? ERRORS[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.headers = options.headers ?? {};
    const spec: ErrorSpec = ERRORS[code];
    this.expose = spec.expose ?? true;
  }

  // What the client may read.
  get publicMessage(): string {
    return this.expose ? this.message : ERRORS[this.code].message;
  }
}

// How an error crosses the process boundary: plain data, rebuilt on the other side.
export interface SerializedError {
  code: ErrorCode;
  message: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof AppError) {
    return { code: error.code, message: error.publicMessage };
  }
  // Anything else is a bug: its text stays in the log of the process that saw it.
  return { code: 'INTERNAL_ERROR', message: ERRORS.INTERNAL_ERROR.message };
}

export function deserializeError(data: SerializedError): AppError {
  return new AppError(data.code, { message: data.message });
}

export function errorBody(error: AppError): { ok: false; code: ErrorCode; message: string } {
  return { ok: false, code: error.code, message: error.publicMessage };
}
