// The delay before a dropped client's successor starts: doubling up to a cap, back to the base once READY,
// one pending start at a time, and nothing left running after cancel().
import { expect } from 'chai';
import { Reconnect } from '../../worker/reconnect.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Reconnect', () => {
  it('doubles the delay on each try up to the cap, and starts from the base again after reset()', () => {
    const reconnect = new Reconnect(10, 35);
    const delays = [1, 2, 3, 4].map(() => reconnect.schedule(() => undefined));
    reconnect.reset();
    delays.push(reconnect.schedule(() => undefined));
    reconnect.cancel();
    expect(delays).to.deep.equal([10, 20, 35, 35, 10]);
  });

  it('runs the start once after the delay, or after the delay the caller names', async () => {
    const reconnect = new Reconnect(1000, 1000);
    let started = 0;
    expect(reconnect.schedule(() => (started += 1), 5)).to.equal(5);
    expect(reconnect.pending).to.equal(true);
    await sleep(30);
    expect(started).to.equal(1);
    expect(reconnect.pending).to.equal(false);
  });

  it('starts nothing once cancelled', async () => {
    const reconnect = new Reconnect(5, 5);
    let started = 0;
    reconnect.schedule(() => (started += 1));
    reconnect.cancel();
    await sleep(30);
    expect(started).to.equal(0);
    expect(reconnect.pending).to.equal(false);
  });
});
