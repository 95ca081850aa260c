// WhatsApp Web's link as whatsapp-web.js reports it: which states mean it is lost, when it is back, and the
// one timer for a loss that lasts too long.
import { expect } from 'chai';
import { LinkWatch } from '../../worker/link-watch.js';

function watch(lostTimeoutMs = 30): { link: LinkWatch; tooLong: string[] } {
  const tooLong: string[] = [];
  return { link: new LinkWatch({ lostTimeoutMs, onLostTooLong: (state) => tooLong.push(state) }), tooLong };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('link watch', function () {
  it('is lost on TIMEOUT, OPENING or PAIRING, still lost on the next, and restored on CONNECTED', function () {
    const { link } = watch(60_000);
    expect(link.update('CONNECTED')).to.equal('none');
    expect(link.update('TIMEOUT')).to.equal('lost');
    expect(link.update('OPENING')).to.equal('still-lost');
    expect(link.lost).to.equal(true);
    expect(link.update('CONNECTED')).to.equal('restored');
    expect(link.update('PAIRING')).to.equal('lost');
    link.reset();
    expect(link.lost).to.equal(false);
  });

  it('leaves states that end the session (CONFLICT, UNPAIRED...) to the disconnected event', function () {
    const { link } = watch(60_000);
    expect(link.update('CONFLICT')).to.equal('none');
    expect(link.update('UNPAIRED')).to.equal('none');
    expect(link.lost).to.equal(false);
  });

  it('says once, with WhatsApp\'s latest state, that a loss outlasted the timeout; a restore or reset cancels it', async function () {
    const { link, tooLong } = watch(30);
    link.update('TIMEOUT');
    link.update('CONNECTED');
    link.update('TIMEOUT');
    link.reset();
    await sleep(50);
    expect(tooLong).to.deep.equal([]);
    link.update('TIMEOUT');
    link.update('OPENING');
    await sleep(50);
    expect(tooLong).to.deep.equal(['OPENING']);
  });
});
