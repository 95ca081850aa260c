// The X-Signature-256 header of a webhook: the receiver recomputes it over the raw body with the shared
// secret (WEBHOOK_SECRET) and compares in constant time.
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-signature-256';

export function signatureOf(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
