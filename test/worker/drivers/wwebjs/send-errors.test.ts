// What the caller is told when a send through whatsapp-web.js fails: WhatsApp's refusals by their own code,
// the browser going away as an unknown outcome, anything else as SEND_FAILED with the page's first line.
import { expect } from 'chai';
import { AppError } from '../../../../shared/errors.js';
import { failedSend, sendError } from '../../../../worker/drivers/wwebjs/send-errors.js';

const PAGE_STACK = '\n    at i (https://static.whatsapp.net/rsrc.php/v4/yJ/r/gh97Kj2dCkY.js:79:180)';

describe('wwebjs driver: send errors', function () {
  it('names a recipient WhatsApp cannot resolve ("No LID for user") RECIPIENT_UNRESOLVABLE, 422', function () {
    const error = sendError(new Error(`Error: No LID for user${PAGE_STACK}`), true);
    expect(error).to.include({ code: 'RECIPIENT_UNRESOLVABLE', status: 422 });
    expect(error.message).to.contain('nothing was sent').and.not.to.contain('static.whatsapp.net');
  });

  it('names WhatsApp\'s refusal 463 NEW_CONTACT_LIMIT, 429', function () {
    const error = sendError(new Error(`Error: wa-sim: the server refused the message (error 463)${PAGE_STACK}`), true);
    expect(error).to.include({ code: 'NEW_CONTACT_LIMIT', status: 429 });
    expect(sendError(new Error('rate-overlimit for 5491146300000'), true).code).to.equal('SEND_FAILED');
  });

  it('reports the browser going away mid-send as an unknown outcome, but not during the lookup', function () {
    expect(sendError(new Error('Protocol error (Runtime.callFunctionOn): Target closed'), true).code).to.equal('SEND_OUTCOME_UNKNOWN');
    expect(sendError(new Error('Protocol error (Runtime.callFunctionOn): Target closed'), false).code).to.equal('SEND_FAILED');
  });

  it('keeps the first line of anything else as the reason of a SEND_FAILED, and passes its own errors through', function () {
    const error = sendError('rate-overlimit', true);
    expect(error).to.include({ code: 'SEND_FAILED', message: 'WhatsApp could not send the message: rate-overlimit' });
    const own = new AppError('NUMBER_NOT_ON_WHATSAPP');
    expect(sendError(own, true)).to.equal(own);
  });

  it('reads a failed send from the message returned after the send result: ack -1 or the page\'s failure mark', function () {
    expect(failedSend(1, { isSendFailure: false })).to.equal(undefined);
    expect(failedSend(0, {})).to.equal(undefined);
    expect(failedSend(-1, {})).to.include({ code: 'SEND_FAILED' });
    expect(failedSend(0, { isSendFailure: true })?.message).to.contain('it was not sent');
  });
});
