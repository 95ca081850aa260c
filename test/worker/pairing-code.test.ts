import { expect } from 'chai';
import { AppError } from '../../shared/errors.js';
import { formatPairingCode } from '../../worker/pairing-code.js';

describe('formatPairingCode', () => {
  it('reads 8 letters and digits as the phone shows them, ABCD-EFGH', () => {
    expect(formatPairingCode('ABCDEFGH')).to.equal('ABCD-EFGH');
    expect(formatPairingCode('abcd-1234')).to.equal('ABCD-1234');
  });

  it('refuses what is not a pairing code as an internal error (the page gave something else)', () => {
    for (const raw of [undefined, null, '', 'ABC', 'ABCDEFGHI', 'ABCD_EFG', 42]) {
      expect(() => formatPairingCode(raw), String(raw)).to.throw(AppError, 'no usable pairing code');
    }
  });
});
