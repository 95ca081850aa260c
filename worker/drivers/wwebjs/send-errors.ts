// What a failed send through whatsapp-web.js means for the caller, decided here only: the browser went away
// while the message was being handed over (outcome unknown), or WhatsApp refused it (not sent), with a
// stable code for the refusals the page names.
import { AppError, type ErrorCode } from '../../../shared/errors.js';

// Errors that mean the browser or page went away mid-call: whether WhatsApp got the message is unknown.
const BROWSER_GONE = /Target closed|Session closed|detached Frame|Execution context was destroyed|Protocol error|Connection closed/i;

// WhatsApp's refusals that the page names, each with its code. Nothing was sent in any of them.
const REFUSALS: readonly { pattern: RegExp; code: ErrorCode; text: string }[] = [
  // WhatsApp Web 2.3000.x throws this from findOrCreateLatestChat when it cannot map the number to its
  // LID (its newer account id): the chat cannot even be opened.
  { pattern: /No LID for user/i, code: 'RECIPIENT_UNRESOLVABLE', text: 'WhatsApp cannot resolve this recipient (No LID for user)' },
  // The server's refusal of messages to new contacts ("reach-out timelock"), when the page passes its code on.
  { pattern: /\b463\b/, code: 'NEW_CONTACT_LIMIT', text: 'WhatsApp refused the message: too many messages to new contacts (error 463)' },
];

// The first line of an error: whatsapp-web.js appends the page's stack to its messages.
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() || 'unknown error';
}

// `handingOver`: the message may have reached the page's send (a lookup that fails has sent nothing).
export function sendError(error: unknown, handingOver: boolean): AppError {
  if (error instanceof AppError) return error;
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  if (handingOver && BROWSER_GONE.test(text)) {
    return new AppError('SEND_OUTCOME_UNKNOWN', {
      message: 'The browser went away while sending; the message may or may not have been sent',
      cause: error,
    });
  }
  const reason = firstLine(error);
  const refusal = REFUSALS.find(({ pattern }) => pattern.test(reason));
  if (refusal) return new AppError(refusal.code, { message: `${refusal.text}; nothing was sent`, cause: error });
  return new AppError('SEND_FAILED', { message: `WhatsApp could not send the message: ${reason}`, cause: error });
}

// The message whatsapp-web.js returned once the page had WhatsApp's send result (waitUntilMsgSent), when
// that result was a failure: ack -1 (ERROR) or the page's own send-failure mark.
export function failedSend(ack: unknown, data: unknown): AppError | undefined {
  const marked = typeof data === 'object' && data !== null && (data as { isSendFailure?: unknown }).isSendFailure === true;
  if (ack !== -1 && !marked) return undefined;
  const why = ack === -1 ? 'WhatsApp failed the message (ack -1)' : 'WhatsApp Web marked the send as failed';
  return new AppError('SEND_FAILED', { message: `WhatsApp could not send the message: ${why}; it was not sent` });
}
