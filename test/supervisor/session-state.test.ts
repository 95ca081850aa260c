import { expect } from 'chai';
import { SESSION_STATES, canTransition } from '../../shared/state.js';
import { SessionStateStore, type SessionSnapshot } from '../../supervisor/session-state.js';

const START = Date.parse('2025-01-01T00:00:00.000Z');

interface Recorded {
  store: SessionStateStore;
  // Every (next, previous) pair the store published, in order.
  seen: [SessionSnapshot, SessionSnapshot][];
  // Moves the store's clock forward.
  tick(ms?: number): void;
}

// A store on a clock that moves only when told, with a subscriber recording what it publishes.
function recordedStore(): Recorded {
  let now = START;
  const store = new SessionStateStore(() => new Date(now));
  const seen: Recorded['seen'] = [];
  store.subscribe((next, previous) => seen.push([next, previous]));
  return {
    store,
    seen,
    tick(ms = 1_000) {
      now += ms;
    },
  };
}

const states = (seen: Recorded['seen']): string[] => seen.map(([next]) => next.state);

describe('session-state', function () {
  describe('SessionStateStore', function () {
    it('starts in INIT, since its creation, with a starting worker and no disconnect reason', function () {
      const { store } = recordedStore();
      expect(store.snapshot).to.deep.equal({
        state: 'INIT',
        since: new Date(START).toISOString(),
        lastDisconnectReason: null,
        lastRestore: null,
        worker: { status: 'STARTING', pid: null, restarts: 0, memoryMb: null },
      });
    });

    it('publishes each change to subscribers as (next, previous)', function () {
      const { store, seen } = recordedStore();
      const initial = store.snapshot;
      store.setState('QR_REQUIRED');
      expect(seen).to.have.length(1);
      const [[next, previous] = []] = seen;
      expect(next).to.equal(store.snapshot);
      expect(next?.state).to.equal('QR_REQUIRED');
      expect(previous).to.equal(initial);
    });

    it('moves since only when the state changes', function () {
      const { store, tick } = recordedStore();
      tick();
      store.setState('READY');
      const readySince = store.snapshot.since;
      expect(readySince).to.equal(new Date(START + 1_000).toISOString());
      tick();
      store.setWorker({ status: 'RUNNING', pid: 4242 });
      tick();
      store.setState('READY');
      expect(store.snapshot.since).to.equal(readySince);
      tick();
      store.setState('DISCONNECTED', 'NAVIGATION');
      expect(store.snapshot.since).to.equal(new Date(START + 4_000).toISOString());
    });

    it('publishes nothing when asked for the state it is already in', function () {
      const { store, seen } = recordedStore();
      store.setState('READY');
      store.setState('READY');
      store.setState('READY', 'ignored');
      expect(states(seen)).to.deep.equal(['READY']);
    });

    it('records why the session disconnected and keeps it after recovery', function () {
      const { store } = recordedStore();
      store.setState('READY');
      store.setState('DISCONNECTED', 'LOGOUT');
      expect(store.snapshot.lastDisconnectReason).to.equal('LOGOUT');
      store.setState('INIT');
      store.setState('QR_REQUIRED');
      store.setState('READY');
      expect(store.snapshot.lastDisconnectReason).to.equal('LOGOUT');
    });

    it('publishes a new disconnect reason while DISCONNECTED, keeping since', function () {
      const { store, seen, tick } = recordedStore();
      store.setState('DISCONNECTED', 'NAVIGATION');
      const since = store.snapshot.since;
      tick();
      store.setState('DISCONNECTED', 'CRASH_LOOP');
      expect(states(seen)).to.deep.equal(['DISCONNECTED', 'DISCONNECTED']);
      expect(store.snapshot).to.include({ lastDisconnectReason: 'CRASH_LOOP', since });
    });

    it('goes READY -> INIT -> QR_REQUIRED when asked for a QR while READY, and subscribers see both moves', function () {
      const { store, seen } = recordedStore();
      store.setState('READY');
      store.setState('QR_REQUIRED');
      expect(states(seen)).to.deep.equal(['READY', 'INIT', 'QR_REQUIRED']);
      const [, [, fromReady] = [], [, fromInit] = []] = seen;
      expect(fromReady?.state).to.equal('READY');
      expect(fromInit?.state).to.equal('INIT');
    });

    it('only ever publishes moves the transition table allows, from any state to any other', function () {
      for (const from of SESSION_STATES) {
        for (const to of SESSION_STATES) {
          const { store, seen } = recordedStore();
          store.setState(from);
          store.setState(to);
          expect(store.snapshot.state).to.equal(to);
          for (const [next, previous] of seen) {
            const legal = next.state === previous.state || canTransition(previous.state, next.state);
            expect(legal, `${from} -> ${to} published ${previous.state} -> ${next.state}`).to.equal(true);
          }
        }
      }
    });

    it('merges worker details without touching the session state', function () {
      const { store, seen } = recordedStore();
      store.setState('READY');
      store.setWorker({ status: 'RUNNING', pid: 4242 });
      store.setWorker({ restarts: 1 });
      expect(store.snapshot.worker).to.deep.equal({ status: 'RUNNING', pid: 4242, restarts: 1, memoryMb: null });
      expect(store.snapshot.state).to.equal('READY');
      expect(seen.map(([next]) => next.worker.restarts)).to.deep.equal([0, 0, 1]);
    });

    it('hands out frozen snapshots that later changes leave untouched', function () {
      const { store } = recordedStore();
      const before = store.snapshot;
      store.setState('READY');
      store.setWorker({ status: 'RUNNING', pid: 1 });
      for (const snapshot of [before, store.snapshot]) {
        expect(Object.isFrozen(snapshot)).to.equal(true);
        expect(Object.isFrozen(snapshot.worker)).to.equal(true);
      }
      expect(Reflect.set(store.snapshot, 'state', 'INIT')).to.equal(false);
      expect(before.state).to.equal('INIT');
      expect(before.worker).to.deep.equal({ status: 'STARTING', pid: null, restarts: 0, memoryMb: null });
    });

    it('stops calling a subscriber once it unsubscribes, and keeps calling the others', function () {
      const { store, seen } = recordedStore();
      const quitter: string[] = [];
      const unsubscribe = store.subscribe((next) => quitter.push(next.state));
      store.setState('QR_REQUIRED');
      unsubscribe();
      store.setState('READY');
      expect(quitter).to.deep.equal(['QR_REQUIRED']);
      expect(states(seen)).to.deep.equal(['QR_REQUIRED', 'READY']);
    });
  });
});
