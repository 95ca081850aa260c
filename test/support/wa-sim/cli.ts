// Manual runs: `node dist/test/support/wa-sim/cli.js [--qr-rotate-ms=N] [--phone=...] [--pushname=...]
// [--platform=...] [--sync-delay-ms=N]`. Prints {port, controlUrl, chromeArgs} as JSON; Ctrl-C stops it.
import { parseArgs } from 'node:util';
import { startWhatsAppSimulator, type SimOptions } from './index.js';

const { values } = parseArgs({
  options: {
    'qr-rotate-ms': { type: 'string' },
    phone: { type: 'string' },
    pushname: { type: 'string' },
    platform: { type: 'string' },
    'sync-delay-ms': { type: 'string' },
  },
});

const options: SimOptions = {};
if (values['qr-rotate-ms'] !== undefined) options.qrRotateMs = Number(values['qr-rotate-ms']);
if (values['sync-delay-ms'] !== undefined) options.syncDelayMs = Number(values['sync-delay-ms']);
if (values.phone !== undefined) options.phone = values.phone;
if (values.pushname !== undefined) options.pushname = values.pushname;
if (values.platform !== undefined) options.platform = values.platform;

const starting = startWhatsAppSimulator(options);

// Registered before the simulator is up, so an early Ctrl-C still removes the temp certificate.
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  starting
    .then((sim) => sim.close())
    .then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${String(err)}\n`);
        process.exit(1);
      },
    );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const sim = await starting;
process.stdout.write(
  `${JSON.stringify({ port: sim.port, controlUrl: sim.controlUrl, chromeArgs: sim.chromeArgs }, null, 2)}\n`,
);
