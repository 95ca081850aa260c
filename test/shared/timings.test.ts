// The timings that depend on each other keep their order, and what the README and the PM2 example say
// about the stop bound is what the code does.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

  it("gives PM2's kill_timeout in the example ecosystem file room for the whole stop bound", function () {
    const require = createRequire(import.meta.url);
    const ecosystem = require(fileURLToPath(new URL('docs/ecosystem.config.cjs', ROOT))) as { apps: { kill_timeout: number }[] };
    const bound = stopBoundMs(loadConfig({ CLIENTE_ID: '51' }).shutdownGraceMs);
    for (const app of ecosystem.apps) expect(app.kill_timeout).to.be.at.least(bound);
  });
});
