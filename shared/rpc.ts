// Request/response over an injected message channel: ids, a pending map, a timeout per call,
// a cap on pending calls, and close() that rejects everything still waiting.
import { AppError, deserializeError, serializeError } from './errors.js';
import {
  parseRequest,
  parseResponse,
  type EventMessage,
  type MethodMap,
  type RequestMessage,
  type ResponseMessage,
} from './protocol.js';

// The transport is injected so the RPC layer is tested over an in-memory pair, without forking.
export interface Channel {
  // Throws when the message cannot be handed to the transport (e.g. the channel is closed).
  post(message: RequestMessage | ResponseMessage | EventMessage): void;
  subscribe(listener: (message: unknown) => void): () => void;
}

export interface CallOptions {
  timeoutMs: number;
}

export interface RpcClientOptions {
  maxPending: number;
  // Builds the error for a call that times out, per method (a timed-out send has an unknown outcome).
  timeoutError?: (method: string, timeoutMs: number) => Error;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

function defaultTimeoutError(method: string, timeoutMs: number): Error {
  return new AppError('WORKER_TIMEOUT', {
    message: `The WhatsApp worker did not answer "${method}" within ${timeoutMs} ms`,
  });
}

export class RpcClient<M extends MethodMap> {
  readonly #channel: Channel;
  readonly #options: RpcClientOptions;
  readonly #pending = new Map<number, Pending>();
  readonly #unsubscribe: () => void;
  #nextId = 1;
  #closedWith: ((method: string) => Error) | undefined;

  constructor(channel: Channel, options: RpcClientOptions) {
    this.#channel = channel;
    this.#options = options;
    this.#unsubscribe = channel.subscribe((message) => this.#onMessage(message));
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  get closed(): boolean {
    return this.#closedWith !== undefined;
  }

  call<K extends keyof M & string>(method: K, params: M[K]['params'], options: CallOptions): Promise<M[K]['result']> {
    if (this.#closedWith) return Promise.reject(this.#closedWith(method));
    if (this.#pending.size >= this.#options.maxPending) {
      return Promise.reject(
        new AppError('WORKER_BUSY', {
          message: `Too many calls are waiting for the WhatsApp worker (${this.#pending.size}); retry shortly`,
          headers: { 'Retry-After': '1' },
        }),
      );
    }
    const id = this.#nextId++;
    return new Promise<M[K]['result']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject((this.#options.timeoutError ?? defaultTimeoutError)(method, options.timeoutMs));
      }, options.timeoutMs);
      timer.unref();
      this.#pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject, timer });
      try {
        this.#channel.post({ type: 'sm:request', id, method, params });
      } catch (cause) {
        this.#settle(id)?.reject(
          new AppError('WORKER_UNAVAILABLE', { message: `Could not reach the WhatsApp worker for "${method}"`, cause }),
        );
      }
    });
  }

  // Rejects every pending call at once (a caller must never hang) and refuses later calls.
  close(errorFor: (method: string) => Error): void {
    if (this.#closedWith) return;
    this.#closedWith = errorFor;
    this.#unsubscribe();
    for (const id of [...this.#pending.keys()]) {
      const pending = this.#settle(id);
      pending?.reject(errorFor(pending.method));
    }
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }

  #onMessage(message: unknown): void {
    const response = parseResponse(message);
    if (!response) return;
    // An unknown id is a call that already timed out or was rejected: ignore it.
    const pending = this.#settle(response.id);
    if (!pending) return;
    if (response.ok) pending.resolve(response.result);
    else pending.reject(deserializeError(response.error));
  }
}

export type Handlers<M extends MethodMap> = {
  [K in keyof M]: (params: M[K]['params']) => Promise<M[K]['result']>;
};

export interface ServeOptions {
  // Validates params before the handler runs; throws an AppError for bad input.
  validate?: (method: string, params: unknown) => void;
  onHandlerError?: (method: string, error: unknown) => void;
}

// Answers requests arriving on the channel with the matching handler. Returns the unsubscribe function.
export function serveRpc<M extends MethodMap>(channel: Channel, handlers: Handlers<M>, options: ServeOptions = {}): () => void {
  return channel.subscribe((message) => {
    const request = parseRequest(message);
    if (!request) return;
    void answer(channel, handlers, request, options);
  });
}

async function answer<M extends MethodMap>(
  channel: Channel,
  handlers: Handlers<M>,
  request: RequestMessage,
  options: ServeOptions,
): Promise<void> {
  let response: ResponseMessage;
  try {
    if (!Object.hasOwn(handlers, request.method)) {
      throw new AppError('INTERNAL_ERROR', { message: `Unknown worker method "${request.method}"` });
    }
    options.validate?.(request.method, request.params);
    const handler = handlers[request.method as keyof M] as (params: unknown) => Promise<unknown>;
    const result = await handler(request.params);
    response = { type: 'sm:response', id: request.id, ok: true, result: result ?? null };
  } catch (error) {
    if (!(error instanceof AppError) || error.code === 'INTERNAL_ERROR') options.onHandlerError?.(request.method, error);
    response = { type: 'sm:response', id: request.id, ok: false, error: serializeError(error) };
  }
  try {
    channel.post(response);
  } catch (error) {
    // The other side is gone; nobody is waiting for this answer any more.
    options.onHandlerError?.(request.method, error);
  }
}
