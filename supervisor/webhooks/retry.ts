// What a webhook try's outcome means, and how long to wait before the next try. Pure.

export type TryOutcome =
  | { kind: 'delivered' }
  // The receiver answered a 4xx other than 408/429: it refuses this event; trying again would not help.
  | { kind: 'refused'; why: string }
  | { kind: 'retry'; why: string; retryAfterMs: number | undefined };

export interface BackoffPolicy {
  // The first wait; each further failure in a row doubles it, up to maxMs.
  readonly baseMs: number;
  readonly maxMs: number;
}

// A 2xx is a delivery; 408, 429, 5xx (and 1xx/3xx: not an answer to act on) are tried again; other 4xx refuse.
export function outcomeOf(status: number, retryAfter: string | null, now: number): TryOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const why = `HTTP ${status}`;
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { kind: 'refused', why };
  return { kind: 'retry', why, retryAfterMs: retryAfterMs(retryAfter, now) };
}

const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

// Retry-After in seconds or as an HTTP date (IMF-fixdate); anything else is ignored.
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = HTTP_DATE.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// The wait after the `failures`-th failure in a row (1 for the first): exponential, capped; a longer
// Retry-After wins, up to the same cap.
export function backoffMs(policy: BackoffPolicy, failures: number, retryAfter: number | undefined): number {
  const exponential = policy.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(policy.maxMs, Math.max(exponential, retryAfter ?? 0));
}
