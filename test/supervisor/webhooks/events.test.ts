import { expect } from 'chai';
import { SessionStateStore } from '../../../supervisor/session-state.js';
import { listenForWebhookEvents, messageStatusEvent, type WebhookEvent } from '../../../supervisor/webhooks/events.js';
import type { MessageStatus } from '../../../supervisor/message-status.js';

describe('webhooks/events', function () {
  function listen(): { session: SessionStateStore; emit: (message: MessageStatus) => void; events: WebhookEvent[]; stop: () => void } {
    const session = new SessionStateStore();
    const listeners = new Set<(message: MessageStatus) => void>();
    const events: WebhookEvent[] = [];
    const stop = listenForWebhookEvents(
      { clienteId: 51, session, messages: { subscribe: (listener) => (listeners.add(listener), () => listeners.delete(listener)) } },
      (event) => events.push(event),
    );
    return { session, emit: (message) => listeners.forEach((listener) => listener(message)), events, stop };
  }

  it('sends one session.state per state change, with the previous state, and the reason only for DISCONNECTED', function () {
    const { session, events } = listen();
    session.setState('QR_REQUIRED');
    session.setWorker({ memoryMb: 300 });
    session.setState('READY');
    session.setState('DISCONNECTED', 'CONNECTION_LOST: TIMEOUT');
    session.setState('DISCONNECTED', 'CONNECTION_LOST: OPENING');
    session.setState('INIT');
    expect(events.map((event) => [event.type, event.data])).to.deep.equal([
      ['session.state', { state: 'QR_REQUIRED', previous: 'INIT', reason: null }],
      ['session.state', { state: 'READY', previous: 'QR_REQUIRED', reason: null }],
      ['session.state', { state: 'DISCONNECTED', previous: 'READY', reason: 'CONNECTION_LOST: TIMEOUT' }],
      ['session.state', { state: 'INIT', previous: 'DISCONNECTED', reason: null }],
    ]);
  });

  it('gives every event a unique id, the tenant and an ISO 8601 time, and never a QR', function () {
    const { session, emit, events } = listen();
    session.setState('QR_REQUIRED');
    emit({ messageId: 'm1', to: '5491123456789', ack: 1, sentAt: 0, updatedAt: 0 });
    expect(new Set(events.map((event) => event.id)).size).to.equal(2);
    for (const event of events) {
      expect(event.cliente_id).to.equal(51);
      expect(new Date(event.at).toISOString()).to.equal(event.at);
      expect(JSON.stringify(event)).not.to.match(/2@/);
    }
  });

  it('describes a message status change with the id, the number, the status and the ack', function () {
    const event = messageStatusEvent(51, { messageId: 'm1', to: '5491123456789', ack: 3, sentAt: 0, updatedAt: 5 });
    expect([event.type, event.data]).to.deep.equal(['message.status', { message_id: 'm1', to: '5491123456789', status: 'read', ack: 3 }]);
  });

  it('stops listening to both sources', function () {
    const { session, emit, events, stop } = listen();
    stop();
    session.setState('READY');
    emit({ messageId: 'm1', to: '5491123456789', ack: 1, sentAt: 0, updatedAt: 0 });
    expect(events).to.deep.equal([]);
  });
});
