// One POST to the webhook receiver over node:http(s), on a kept-alive connection (deliveries are one at a
// time, so one socket): cheaper per request than fetch, which matters when every send makes two events.
// Each request has its own timeout and can be aborted; close() ends the kept-alive socket.
import http from 'node:http';
import https from 'node:https';

export interface PostAnswer {
  status: number;
  retryAfter: string | null;
}

export class WebhookPoster {
  readonly #url: URL;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;

  constructor(url: string) {
    this.#url = new URL(url);
    const secure = this.#url.protocol === 'https:';
    this.#agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 1 });
    this.#request = secure ? https.request : http.request;
  }

  // Resolves with the answer's status once its body is read; rejects on a network error, on no answer
  // within timeoutMs (Error "no answer within <ms> ms"), or when `signal` aborts (with its reason).
  post(body: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<PostAnswer> {
    return new Promise<PostAnswer>((resolve, reject) => {
      const request = this.#request(this.#url, {
        method: 'POST',
        agent: this.#agent,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = (): void => {
        request.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      request.on('error', (error) => {
        settle();
        reject(error);
      });
      request.on('response', (response) => {
        response.on('error', (error) => {
          settle();
          reject(error);
        });
        // The body is not needed; reading it to the end lets the socket be reused.
        response.resume();
        response.on('end', () => {
          settle();
          const retryAfter = response.headers['retry-after'];
          resolve({ status: response.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
        });
      });
      request.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
