import { expect } from 'chai';
import { AppError } from '../../shared/errors.js';
import {
  SESSION_STATES,
  assertStateFor,
  canTransition,
  isSessionState,
  notInStateError,
  pathTo,
  type SessionState,
  type StatefulCall,
} from '../../shared/state.js';

// The moves the supervisor may publish, written out independently of the product's table.
const LEGAL = new Set([
  'INIT->QR_REQUIRED',
  'INIT->READY',
  'INIT->DISCONNECTED',
  'QR_REQUIRED->QR_REQUIRED',
  'QR_REQUIRED->INIT',
  'QR_REQUIRED->READY',
  'QR_REQUIRED->DISCONNECTED',
  'READY->INIT',
  'READY->DISCONNECTED',
  'DISCONNECTED->INIT',
  'DISCONNECTED->READY',
]);

const PAIRS = SESSION_STATES.flatMap((from) => SESSION_STATES.map((to) => [from, to] as const));

describe('state', function () {
  it('has exactly the four states of the contract', function () {
    expect(SESSION_STATES).to.deep.equal(['INIT', 'QR_REQUIRED', 'READY', 'DISCONNECTED']);
  });

  it('recognises the four states and nothing else', function () {
    for (const value of SESSION_STATES) expect(isSessionState(value)).to.equal(true);
    for (const value of ['ready', 'CONNECTED', '', 'INIT ', 0, null, undefined]) {
      expect(isSessionState(value), String(value)).to.equal(false);
    }
  });

  describe('canTransition', function () {
    for (const [from, to] of PAIRS) {
      const legal = LEGAL.has(`${from}->${to}`);
      it(`${legal ? 'allows' : 'refuses'} ${from} -> ${to}`, function () {
        expect(canTransition(from, to)).to.equal(legal);
      });
    }

    it('refuses READY -> QR_REQUIRED: a logged-in session that needs a QR again has restarted', function () {
      expect(canTransition('READY', 'QR_REQUIRED')).to.equal(false);
    });

    it('lets every other state reach INIT, and INIT reach every other state', function () {
      for (const state of SESSION_STATES.filter((each) => each !== 'INIT')) {
        expect(canTransition(state, 'INIT'), `${state} -> INIT`).to.equal(true);
        expect(canTransition('INIT', state), `INIT -> ${state}`).to.equal(true);
      }
    });
  });

  describe('pathTo', function () {
    it('moves directly when the move is legal', function () {
      expect(pathTo('INIT', 'READY')).to.deep.equal(['READY']);
      expect(pathTo('READY', 'DISCONNECTED')).to.deep.equal(['DISCONNECTED']);
    });

    it('goes through INIT when the direct move is illegal', function () {
      expect(pathTo('READY', 'QR_REQUIRED')).to.deep.equal(['INIT', 'QR_REQUIRED']);
      expect(pathTo('DISCONNECTED', 'QR_REQUIRED')).to.deep.equal(['INIT', 'QR_REQUIRED']);
    });

    it('stays put in one step when asked for the current state', function () {
      for (const state of SESSION_STATES) expect(pathTo(state, state)).to.deep.equal([state]);
    });

    it('ends at the target and takes only legal steps, from any state to any other', function () {
      for (const [from, to] of PAIRS.filter(([a, b]) => a !== b)) {
        const steps = pathTo(from, to);
        expect(steps.at(-1)).to.equal(to);
        let at: SessionState = from;
        for (const step of steps) {
          expect(canTransition(at, step), `${from} -> ${to} steps ${at} -> ${step}`).to.equal(true);
          at = step;
        }
      }
    });
  });

  describe('assertStateFor', function () {
    it('lets a call through in the state it needs', function () {
      expect(() => assertStateFor('send', 'READY')).not.to.throw();
      expect(() => assertStateFor('getQr', 'QR_REQUIRED')).not.to.throw();
    });

    const refusals: [StatefulCall, SessionState, string, string][] = [
      ['send', 'QR_REQUIRED', 'SESSION_NOT_READY', 'WhatsApp session is not ready (state: QR_REQUIRED)'],
      ['getAccountInfo', 'INIT', 'SESSION_NOT_READY', 'WhatsApp session is not ready (state: INIT)'],
      ['getQr', 'READY', 'QR_NOT_AVAILABLE', 'No QR code to scan (state: READY)'],
    ];
    for (const [method, state, code, message] of refusals) {
      it(`refuses ${method} in ${state} with 409 ${code}, naming the state`, function () {
        const error = notInStateError(method, state);
        expect(error).to.include({ code, status: 409, message });
        expect(() => assertStateFor(method, state)).to.throw(AppError, message);
      });
    }
  });
});
