// The heartbeat with real (short) timers and a scripted ping.
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Heartbeat, type HeartbeatOptions } from '../../supervisor/heartbeat.js';
import { until } from '../support/promises.js';

const INTERVAL_MS = 20;

// A ping whose answers the test scripts: each call takes `answer(n)` (1-based) as its outcome.
interface ScriptedPing {
  readonly startedAt: number[];
  readonly hung: string[];
  maxInFlight: number;
  options: HeartbeatOptions;
}

function scriptedPing(misses: number, answer: (call: number) => Promise<unknown>): ScriptedPing {
  let inFlight = 0;
  const script: ScriptedPing = {
    startedAt: [],
    hung: [],
    maxInFlight: 0,
    options: {
      intervalMs: INTERVAL_MS,
      misses,
      ping: async () => {
        script.startedAt.push(performance.now());
        inFlight += 1;
        script.maxInFlight = Math.max(script.maxInFlight, inFlight);
        try {
          return await answer(script.startedAt.length);
        } finally {
          inFlight -= 1;
        }
      },
      onHung: (why) => script.hung.push(why),
    },
  };
  return script;
}

describe('heartbeat', function () {
  const running: Heartbeat[] = [];

  function start(script: ScriptedPing): Heartbeat {
    const heartbeat = new Heartbeat(script.options);
    running.push(heartbeat);
    heartbeat.start();
    return heartbeat;
  }

  afterEach(function () {
    for (const heartbeat of running.splice(0)) heartbeat.stop();
  });

  it('pings first one interval after start, then once per interval', async function () {
    const script = scriptedPing(2, async () => null);
    const startedAt = performance.now();
    start(script);
    expect(script.startedAt).to.have.length(0);
    await until(() => script.startedAt.length >= 3);
    const times = [startedAt, ...script.startedAt];
    // Timers may fire up to a millisecond early by the monotonic clock.
    for (let index = 1; index < times.length; index += 1) {
      expect((times[index] as number) - (times[index - 1] as number)).to.be.at.least(INTERVAL_MS - 1);
    }
    expect(script.hung).to.deep.equal([]);
  });

  it('waits for an answer before the next ping: a slow answer delays it, pings never overlap', async function () {
    const script = scriptedPing(2, () => sleep(60));
    start(script);
    await until(() => script.startedAt.length >= 3);
    expect(script.maxInFlight).to.equal(1);
    const [first = 0, second = 0] = script.startedAt;
    expect(second - first).to.be.at.least(60 + INTERVAL_MS - 1);
  });

  it('declares the worker hung after `misses` consecutive failed pings, once, naming the last failure, and stops pinging', async function () {
    const script = scriptedPing(3, async (call) => {
      throw new Error(`no answer in time #${call}`);
    });
    start(script);
    await until(() => script.hung.length > 0);
    await sleep(INTERVAL_MS * 4);
    expect(script.hung).to.deep.equal(['3 heartbeats failed (last: no answer in time #3)']);
    expect(script.startedAt).to.have.length(3);
  });

  it('starts counting again after an answer: failures that are not consecutive never declare it hung', async function () {
    const script = scriptedPing(2, async (call) => {
      if (call % 2 === 1) throw new Error('no answer in time');
      return null;
    });
    start(script);
    await until(() => script.startedAt.length >= 8);
    expect(script.hung).to.deep.equal([]);
  });

  it('stops at once: no ping after stop(), and a ping failing after it declares nothing', async function () {
    let fail: (error: Error) => void = () => undefined;
    const script = scriptedPing(1, () => new Promise((_, reject) => (fail = reject)));
    const heartbeat = start(script);
    await until(() => script.startedAt.length === 1);
    heartbeat.stop();
    fail(new Error('no answer in time'));
    await sleep(INTERVAL_MS * 4);
    expect(script.hung).to.deep.equal([]);
    expect(script.startedAt).to.have.length(1);
  });

  it('keeps one chain of pings when started twice', async function () {
    const script = scriptedPing(2, () => sleep(5));
    const heartbeat = start(script);
    heartbeat.start();
    await until(() => script.startedAt.length >= 4);
    expect(script.maxInFlight).to.equal(1);
  });

  it('never keeps the process alive by itself (its timer is unref-ed)', function () {
    const refTimers = (): number => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const before = refTimers();
    start(scriptedPing(2, async () => null));
    expect(refTimers()).to.equal(before);
  });
});
