// The webhook events: what each one says, and where they come from (the session's state, which has one
// writer in worker-lifecycle.ts, and the message status store). This module only listens.
import { randomUUID } from 'node:crypto';
import type { MessageStatus } from '../message-status.js';
import { statusOf } from '../message-status.js';
import type { SessionSnapshot, SnapshotListener } from '../session-state.js';

export const WEBHOOK_EVENT_TYPES = ['session.state', 'message.status'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

// One POST's body. `id` is unique per event (a receiver dedupes by it: delivery is at least once).
export interface WebhookEvent {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly cliente_id: number;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

function event(clienteId: number, type: WebhookEventType, data: Record<string, unknown>): WebhookEvent {
  return Object.freeze({ id: randomUUID(), type, cliente_id: clienteId, at: new Date().toISOString(), data: Object.freeze(data) });
}

// A change of the session's state; a new QR, the worker's details or a new reason alone are not one.
export function sessionStateEvent(clienteId: number, next: SessionSnapshot, previous: SessionSnapshot): WebhookEvent | undefined {
  if (next.state === previous.state) return undefined;
  const reason = next.state === 'DISCONNECTED' ? next.lastDisconnectReason : null;
  return event(clienteId, 'session.state', { state: next.state, previous: previous.state, reason });
}

export function messageStatusEvent(clienteId: number, message: MessageStatus): WebhookEvent {
  return event(clienteId, 'message.status', {
    message_id: message.messageId,
    to: message.to,
    status: statusOf(message.ack),
    ack: message.ack,
  });
}

export interface WebhookSources {
  clienteId: number;
  session: { subscribe(listener: SnapshotListener): () => void };
  messages: { subscribe(listener: (message: MessageStatus) => void): () => void };
}

// Turns every state change and message status change into an event, in the order they happen. Returns
// the unsubscribe.
export function listenForWebhookEvents(sources: WebhookSources, push: (event: WebhookEvent) => void): () => void {
  const { clienteId } = sources;
  const stopSession = sources.session.subscribe((next, previous) => {
    const changed = sessionStateEvent(clienteId, next, previous);
    if (changed) push(changed);
  });
  const stopMessages = sources.messages.subscribe((message) => push(messageStatusEvent(clienteId, message)));
  return () => {
    stopSession();
    stopMessages();
  };
}
