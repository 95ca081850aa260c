// Prints a QR in the terminal so the operator can scan it from the phone. qrcode-terminal is loaded on the
// first QR only: a worker restoring a saved login never needs it (~20 ms of every worker start, measured).
export async function printQr(qr: string, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const { default: qrcode } = await import('qrcode-terminal');
  qrcode.generate(qr, { small: true }, (art) => {
    out.write(`\nScan this QR code with WhatsApp (Linked devices > Link a device):\n${art}\n`);
  });
}
