import { expect } from 'chai';
import { loadConfig } from '../../shared/config.js';
import {
  decideRestart,
  restartPolicyFrom,
  recentFailures,
  type RestartPolicy,
} from '../../supervisor/restart-policy.js';

const NOW = 1_000_000;
const POLICY: RestartPolicy = { baseDelayMs: 100, maxDelayMs: 1_000, maxFailures: 3, windowMs: 10_000, crashLoopRetryMs: 0 };
// Enough allowed failures to watch the delay reach its cap.
const PATIENT: RestartPolicy = { ...POLICY, maxFailures: 50 };

// `count` failures, one second apart, the last at NOW.
function failures(count: number): number[] {
  return Array.from({ length: count }, (_, index) => NOW - (count - 1 - index) * 1_000);
}

function delayAfter(count: number, policy: RestartPolicy = PATIENT): number {
  const decision = decideRestart(failures(count), NOW, policy);
  if (decision.action !== 'restart') return expect.fail(`expected a restart after ${count} failures`);
  return decision.delayMs;
}

describe('restart-policy', function () {
  describe('decideRestart', function () {
    it('restarts after the base delay on a first failure', function () {
      expect(decideRestart([NOW], NOW, POLICY)).to.deep.equal({ action: 'restart', delayMs: 100 });
    });

    it('doubles the delay with each failure in the window', function () {
      expect([1, 2, 3, 4].map((count) => delayAfter(count))).to.deep.equal([100, 200, 400, 800]);
    });

    it('caps the delay at maxDelayMs', function () {
      expect([5, 6, 10, 50].map((count) => delayAfter(count))).to.deep.equal([1_000, 1_000, 1_000, 1_000]);
    });

    it('keeps restarting at exactly maxFailures failures in the window', function () {
      expect(decideRestart(failures(3), NOW, POLICY).action).to.equal('restart');
    });

    it('gives up after more than maxFailures failures in the window, saying how many', function () {
      expect(decideRestart(failures(4), NOW, POLICY)).to.deep.equal({ action: 'give-up', failures: 4 });
    });

    it('does not count failures that fell out of the window', function () {
      const history = [NOW - 50_000, NOW - 20_000, NOW - 10_000, NOW - 9_999, NOW];
      expect(decideRestart(history, NOW, POLICY)).to.deep.equal({ action: 'restart', delayMs: 200 });
    });

    it('starts again from the base delay after a quiet window', function () {
      const oldStorm = failures(3).map((at) => at - 60_000);
      expect(decideRestart([...oldStorm, NOW], NOW, POLICY)).to.deep.equal({ action: 'restart', delayMs: 100 });
    });

    it('with the default settings, gives up on the eleventh crash within fifteen minutes', function () {
      const policy = restartPolicyFrom(loadConfig({ CLIENTE_ID: '51' }));
      const tenCrashes = Array.from({ length: 10 }, (_, minute) => NOW - 9 * 60_000 + minute * 60_000);
      expect(decideRestart(tenCrashes, NOW, policy)).to.deep.equal({ action: 'restart', delayMs: 60_000 });
      const elevenCrashes = [NOW - 14 * 60_000, ...tenCrashes];
      expect(decideRestart(elevenCrashes, NOW, policy)).to.deep.equal({ action: 'give-up', failures: 11 });
    });
  });

  describe('recentFailures', function () {
    it('keeps only the failures inside the window, in order, without touching the input', function () {
      const history = [NOW - 30_000, NOW - 10_000, NOW - 5_000, NOW - 1];
      const before = [...history];
      expect(recentFailures(history, NOW, POLICY)).to.deep.equal([NOW - 5_000, NOW - 1]);
      expect(history).to.deep.equal(before);
    });

    it('returns an empty history when every failure is old', function () {
      expect(recentFailures([NOW - 10_000, NOW - 99_000], NOW, POLICY)).to.deep.equal([]);
    });
  });
});
