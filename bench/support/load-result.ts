// What a load generator is asked and what it reports, shared by the wrk and autocannon runners.

export interface LoadRequest {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers?: Readonly<Record<string, string>>;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  // Answers received, all of them 2xx (anything else throws).
  requests: number;
  // Bytes received (headers and bodies): per answer, the same for both servers when they answer alike.
  bytes: number;
  rps: number;
  latencyMs: { mean: number; p50: number; p99: number };
}

// A generator is killed when it outlives its duration by this much.
export const LOAD_GRACE_MS = 20_000;

// The refusal when some answers were not 2xx or some requests failed.
export function assertAllOk(what: string, counts: Readonly<Record<string, number>>): void {
  const bad = Object.entries(counts).filter(([, count]) => count > 0);
  if (bad.length > 0) throw new Error(`${what}: ${bad.map(([kind, count]) => `${count} ${kind}`).join(', ')}; every answer must be 2xx`);
}
