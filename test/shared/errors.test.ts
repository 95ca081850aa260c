// The README's error table is the hub's documentation: it must list exactly the catalogue's codes and statuses.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { AppError, ERRORS, deserializeError, errorBody, serializeError } from '../../shared/errors.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

function readmeErrorTable(): Map<string, { status: number; description: string }> {
  const rows = new Map<string, { status: number; description: string }>();
  for (const line of readFileSync(README, 'utf8').split('\n')) {
    const match = /^\| `([A-Z_]+)` \| (\d{3}) \| (.*) \|$/.exec(line);
    if (match?.[1] && match[2] && match[3]) rows.set(match[1], { status: Number(match[2]), description: match[3] });
  }
  return rows;
}

describe('error catalogue', () => {
  it('is documented in the README table with the same codes, statuses and meanings', () => {
    const documented = Object.fromEntries(readmeErrorTable());
    const catalogue = Object.fromEntries(
      Object.entries(ERRORS).map(([code, spec]) => [code, { status: spec.status, description: spec.description }]),
    );
    expect(documented).to.deep.equal(catalogue);
  });

  it('never shows the client the message of an error that is not exposed, wherever it is answered', () => {
    const bug = new AppError('INTERNAL_ERROR', { message: 'Unknown worker method "rm -rf"' });
    expect(bug.expose).to.equal(false);
    expect(errorBody(bug).message).to.equal(ERRORS.INTERNAL_ERROR.message);
    expect(serializeError(bug).message).to.equal(ERRORS.INTERNAL_ERROR.message);
    expect(errorBody(new AppError('SEND_FAILED', { message: 'blocked' })).message).to.equal('blocked');
  });

  it('gives every code a 4xx or 5xx status and a message', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(spec.status, code).to.be.within(400, 599);
      expect(spec.message, code).not.to.be.empty;
    }
  });

  it('crosses the process boundary as plain data and comes back with the same code and message', () => {
    const original = new AppError('SEND_FAILED', { message: 'WhatsApp could not send the message: blocked' });
    const wire = JSON.parse(JSON.stringify(serializeError(original))) as ReturnType<typeof serializeError>;
    const rebuilt = deserializeError(wire);
    expect(rebuilt).to.be.instanceOf(AppError);
    expect(errorBody(rebuilt)).to.deep.equal({ ok: false, code: 'SEND_FAILED', message: original.message });
    expect(rebuilt.status).to.equal(500);
  });

  it('does not let the text of an unexpected error cross the boundary', () => {
    expect(serializeError(new Error('ENOENT /root/secret'))).to.deep.equal({
      code: 'INTERNAL_ERROR',
      message: ERRORS.INTERNAL_ERROR.message,
    });
  });
});
