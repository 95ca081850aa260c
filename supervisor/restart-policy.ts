// When to restart a worker that died, and when to stop trying: capped exponential backoff plus a
// crash-loop guard (more than maxFailures failures within windowMs), after which it is tried again only
// every crashLoopRetryMs (0: never by itself). The decisions are pure functions; RestartGuard keeps the
// history of one host and logs what it decided.
import type { Logger } from '../shared/logger.js';

export interface RestartPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly crashLoopRetryMs: number;
}

// Backoff starts at 1 s and doubles up to 1 min; how many failures in which window is configurable.
export function restartPolicyFrom(config: { restartMaxFailures: number; restartWindowMs: number; crashLoopRetryMs: number }): RestartPolicy {
  return Object.freeze({
    baseDelayMs: 1000,
    maxDelayMs: 60_000,
    maxFailures: config.restartMaxFailures,
    windowMs: config.restartWindowMs,
    crashLoopRetryMs: config.crashLoopRetryMs,
  });
}

export interface NextStart {
  phase: 'BACKOFF' | 'CRASH_LOOP';
  // When the next worker starts; undefined: only on request.
  delayMs: number | undefined;
  // The crash loop's reason (the session becomes DISCONNECTED with it).
  reason: string | undefined;
}

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

// Why the session is DISCONNECTED after the guard gave up: how often, the last failure, and the reason the
// session last gave (e.g. the START_FAILED cause), and what to do.
export function crashLoopReason(failures: number, policy: RestartPolicy, why: string, lastReason: string | null): string {
  const earlier = lastReason && !lastReason.startsWith('CRASH_LOOP') ? `; ${lastReason}` : '';
  const minutes = Math.round(policy.windowMs / 60_000);
  const retryMs = policy.crashLoopRetryMs;
  const next = retryMs > 0 ? `trying again every ${seconds(retryMs)}, or now with SIGUSR2 or POST /connect once the cause is fixed` : 'fix the cause, then send SIGUSR2 or POST /connect';
  return `CRASH_LOOP: the worker failed ${failures} times in ${minutes} min (last: ${why}${earlier}); ${next}`;
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

// The failures of one host's workers, and what to do after each.
export class RestartGuard {
  readonly policy: RestartPolicy;
  #failures: number[] = [];

  constructor(policy: RestartPolicy) {
    this.policy = policy;
  }

  get recent(): number {
    return this.#failures.length;
  }

  // A manual retry (SIGUSR2, POST /connect): past failures are forgiven.
  forgive(): void {
    this.#failures = [];
  }

  // Counts a failure now and decides: restart after a delay, or give up.
  fail(now: number = Date.now()): RestartDecision {
    this.#failures = recentFailures([...this.#failures, now], now, this.policy);
    return decideRestart(this.#failures, now, this.policy);
  }

  // Counts a failure and says, and logs, what follows it: a restart after backoff, or the crash loop (with
  // the reason to publish), tried again after crashLoopRetryMs or never (no delay).
  next(why: string, lastReason: string | null, logger: Logger): NextStart {
    const decision = this.fail();
    if (decision.action === 'restart') {
      logger.warn('Restarting the worker after a delay', { why, delay_ms: decision.delayMs, recent_failures: this.recent });
      return { phase: 'BACKOFF', delayMs: decision.delayMs, reason: undefined };
    }
    const retryMs = this.policy.crashLoopRetryMs > 0 ? this.policy.crashLoopRetryMs : undefined;
    logger.error(retryMs ? 'Worker keeps failing; trying again slowly' : 'Worker keeps failing; not restarting it', {
      failures: decision.failures,
      why,
      last_reason: lastReason,
      retry_in_ms: retryMs ?? null,
    });
    return { phase: 'CRASH_LOOP', delayMs: retryMs, reason: crashLoopReason(decision.failures, this.policy, why, lastReason) };
  }
}
