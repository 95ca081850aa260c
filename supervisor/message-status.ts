// What a WhatsApp ack means for a message, and which acks may follow which. Pure: the status store, the
// HTTP route and the webhooks all name statuses from here.
import type { MessageAck } from '../shared/protocol.js';

export const MESSAGE_STATUSES = ['failed', 'pending', 'sent', 'delivered', 'read', 'played'] as const;
export type MessageStatusName = (typeof MESSAGE_STATUSES)[number];

// whatsapp-web.js's MessageAck: -1 error, 0 pending, 1 server, 2 device, 3 read, 4 played.
export function statusOf(ack: MessageAck): MessageStatusName {
  switch (ack) {
    case -1:
      return 'failed';
    case 0:
      return 'pending';
    case 1:
      return 'sent';
    case 2:
      return 'delivered';
    case 3:
      return 'read';
    case 4:
      return 'played';
  }
}

// An ack never goes backwards: a later ack counts only when it is higher (a late 2 after 3 is ignored).
// `failed` (-1) counts only before delivery (a message a phone has received cannot fail afterwards), and
// is final.
export function acceptsAck(current: MessageAck, next: MessageAck): boolean {
  if (current === -1) return false;
  if (next === -1) return current < 2;
  return next > current;
}

// One message sent through this service, as GET /messages/:id and the webhooks show it.
export interface MessageStatus {
  readonly messageId: string;
  // The number /send was asked for (acks may name the chat by another id, e.g. a LID).
  readonly to: string;
  readonly ack: MessageAck;
  // Epoch ms: when /send answered, when the ack last moved.
  readonly sentAt: number;
  readonly updatedAt: number;
}

// What GET /messages/:message_id answers.
export function messageStatusBody(message: MessageStatus): Record<string, unknown> {
  return {
    message_id: message.messageId,
    to: message.to,
    status: statusOf(message.ack),
    ack: message.ack,
    sent_at: new Date(message.sentAt).toISOString(),
    updated_at: new Date(message.updatedAt).toISOString(),
  };
}
