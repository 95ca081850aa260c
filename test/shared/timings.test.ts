// The timings that depend on each other keep their order, and what the README says about the stop bound
// is what the code does.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadConfig } from '../../shared/config.js';
import {
  BROWSER_CLOSE_TIMEOUT_MS,
  BROWSER_KILL_GRACE_MS,
  BROWSER_KILLED_WAIT_MS,
  shutdownCallTimeoutMs,
  stopBoundMs,
  WORKER_CLOSE_BOUND_MS,
} from '../../shared/timings.js';

const ROOT = new URL('../../../', import.meta.url);

describe('timings', function () {
  it("lets the worker's own close bound cover the driver's worst close, and the supervisor wait longer than both", function () {
    expect(WORKER_CLOSE_BOUND_MS).to.be.above(BROWSER_CLOSE_TIMEOUT_MS + BROWSER_KILL_GRACE_MS + BROWSER_KILLED_WAIT_MS);
    for (const graceMs of [0, 10_000]) expect(shutdownCallTimeoutMs(graceMs)).to.be.above(graceMs + WORKER_CLOSE_BOUND_MS);
  });

  it('is the stop bound the README states, SHUTDOWN_GRACE_MS + N s', function () {
    const readme = readFileSync(fileURLToPath(new URL('README.md', ROOT)), 'utf8');
    const stated = [...readme.matchAll(/`SHUTDOWN_GRACE_MS` \+ (\d+) s/g)].map((match) => Number(match[1]));
    expect(stated).to.have.length.at.least(2);
    for (const seconds of stated) expect(seconds * 1000).to.equal(stopBoundMs(0));
    const withDefaults = /(\d+) s with the defaults/.exec(readme)?.[1];
    expect(Number(withDefaults) * 1000).to.equal(stopBoundMs(loadConfig({ CLIENTE_ID: '51' }).shutdownGraceMs));
  });

  // PM2's kill_timeout against this bound: test/pm2/ecosystem-config.test.ts.
});
