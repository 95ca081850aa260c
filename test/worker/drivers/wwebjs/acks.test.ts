// What a send learns from WhatsApp's acks, and which acks are passed on: the send settles on the server's
// ack (>= 1) or a failure (-1), also when the ack came before sendMessage returned; nothing waits forever.
import { expect } from 'chai';
import { AckTracker, chatDigits, type AckReport } from '../../../../worker/drivers/wwebjs/acks.js';
import { rejectionOf } from '../../../support/promises.js';

const ID = 'true_5491122334455@c.us_3EB0AA';
const CHAT = '5491122334455@c.us';

function tracker(): { acks: AckTracker; reports: AckReport[] } {
  const reports: AckReport[] = [];
  return { acks: new AckTracker((report) => reports.push(report)), reports };
}

describe('wwebjs driver: acks', function () {
  it('passes on every ack of this account\'s messages with the chat\'s digits, and ignores others\' and unknown values', function () {
    const { acks, reports } = tracker();
    acks.onAck(ID, CHAT, true, 1);
    acks.onAck(ID, CHAT, true, 3);
    acks.onAck('false_5491100000000@c.us_X', CHAT, false, 3);
    acks.onAck(ID, CHAT, true, 7);
    expect(reports).to.deep.equal([
      { messageId: ID, to: '5491122334455', ack: 1 },
      { messageId: ID, to: '5491122334455', ack: 3 },
    ]);
  });

  it('settles at once with the ack sendMessage returned, or with one that arrived before it returned', async function () {
    const { acks } = tracker();
    expect(await acks.settled(ID, 1, 1000)).to.equal(1);
    acks.onAck('other', CHAT, true, -1);
    expect(await acks.settled('other', 0, 1000)).to.equal(-1);
    expect(acks.waiting).to.equal(0);
  });

  it('waits through ack 0 for the server\'s ack, then forgets the wait', async function () {
    const { acks } = tracker();
    const settled = acks.settled(ID, 0, 1000);
    acks.onAck(ID, CHAT, true, 0);
    expect(acks.waiting).to.equal(1);
    acks.onAck(ID, CHAT, true, 2);
    expect(await settled).to.equal(2);
    expect(acks.waiting).to.equal(0);
  });

  it('gives up after the timeout with an outcome unknown, and forgets the wait', async function () {
    const { acks } = tracker();
    const error = await rejectionOf(acks.settled(ID, 0, 20));
    expect(error).to.include({ code: 'SEND_OUTCOME_UNKNOWN' });
    expect(String((error as Error).message)).to.contain('may or may not');
    expect(acks.waiting).to.equal(0);
  });

  it('rejects the waits at once when the client closes, and any later one', async function () {
    const { acks } = tracker();
    const waiting = acks.settled(ID, 0, 60_000);
    acks.close(new Error('client closed'));
    expect(await rejectionOf(waiting)).to.have.property('message', 'client closed');
    expect(await rejectionOf(acks.settled('later', 0, 60_000))).to.have.property('message', 'client closed');
    expect(acks.waiting).to.equal(0);
  });

  it('keeps the digits of a chat id, whatever its server', function () {
    expect(chatDigits('5491122334455@c.us')).to.equal('5491122334455');
    expect(chatDigits('123456789012345@lid')).to.equal('123456789012345');
  });
});
