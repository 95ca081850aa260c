// When to restart a worker that died, and when to stop trying: capped exponential backoff plus a
// crash-loop guard (more than maxFailures failures within windowMs). Pure: the caller keeps the history.

export interface RestartPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxFailures: number;
  readonly windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = Object.freeze({
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxFailures: 5,
  windowMs: 5 * 60_000,
});

export type RestartDecision = { action: 'restart'; delayMs: number } | { action: 'give-up'; failures: number };

// `failures` holds the times of recent failures, the newest (the one being decided) included.
export function decideRestart(failures: readonly number[], now: number, policy: RestartPolicy): RestartDecision {
  const recent = failures.filter((at) => now - at < policy.windowMs).length;
  if (recent > policy.maxFailures) return { action: 'give-up', failures: recent };
  const exponent = Math.max(0, recent - 1);
  return { action: 'restart', delayMs: Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs) };
}

// Drops failures that no longer count, so the history stays bounded.
export function recentFailures(failures: readonly number[], now: number, policy: RestartPolicy): number[] {
  return failures.filter((at) => now - at < policy.windowMs);
}
