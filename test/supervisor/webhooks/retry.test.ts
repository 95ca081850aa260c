import { expect } from 'chai';
import { backoffMs, outcomeOf, retryAfterMs } from '../../../supervisor/webhooks/retry.js';

describe('webhooks/retry', function () {
  it('counts every 2xx as a delivery', function () {
    for (const status of [200, 201, 202, 204, 299]) expect(outcomeOf(status, null, 0).kind, String(status)).to.equal('delivered');
  });

  it('tries again after 408, 429, 5xx, and 3xx (a redirect is not a delivery)', function () {
    for (const status of [408, 429, 500, 502, 503, 504, 301, 302]) expect(outcomeOf(status, null, 0).kind, String(status)).to.equal('retry');
  });

  it('takes any other 4xx as the receiver refusing the event', function () {
    for (const status of [400, 401, 403, 404, 409, 410, 413, 422]) {
      expect(outcomeOf(status, null, 0), String(status)).to.deep.equal({ kind: 'refused', why: `HTTP ${status}` });
    }
  });

  it('reads Retry-After in seconds or as an HTTP date, and ignores anything else', function () {
    expect(retryAfterMs('7', 0)).to.equal(7000);
    expect(retryAfterMs(' 0 ', 0)).to.equal(0);
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 12:00:30 GMT', now)).to.equal(30_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 11:00:00 GMT', now)).to.equal(0);
    expect([retryAfterMs(null, 0), retryAfterMs('soon', 0), retryAfterMs('-5', 0)]).to.deep.equal([undefined, undefined, undefined]);
    expect(outcomeOf(503, '3', 0)).to.deep.equal({ kind: 'retry', why: 'HTTP 503', retryAfterMs: 3000 });
  });

  it('doubles the wait with each failure in a row, up to the cap, and lets a longer Retry-After win up to the same cap', function () {
    const policy = { baseMs: 1000, maxMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((failures) => backoffMs(policy, failures, undefined))).to.deep.equal([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
    expect(backoffMs(policy, 1, 5000)).to.equal(5000);
    expect(backoffMs(policy, 3, 1000)).to.equal(4000);
    expect(backoffMs(policy, 1, 3_600_000)).to.equal(30_000);
  });
});
