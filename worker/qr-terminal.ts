// Prints a QR in the terminal so the operator can scan it from the phone.
import qrcode from 'qrcode-terminal';

export function printQr(qr: string, out: NodeJS.WritableStream = process.stdout): void {
  qrcode.generate(qr, { small: true }, (art) => {
    out.write(`\nScan this QR code with WhatsApp (Linked devices > Link a device):\n${art}\n`);
  });
}
