// `npm run session -- export <file>` and `npm run session -- import <file> [--force]`: moves a tenant's
// saved login (with its Idempotency-Keys and message statuses) to another host. CLIENTE_ID, SESSIONS_DIR
// and WA_DRIVER come from the environment, as for `npm start`. Exit codes: 0 done, 1 refused or failed
// (one line saying why), 2 a wrong command line.
import { ConfigError, loadConfig } from '../shared/config.js';
import { StorageError } from '../shared/tenant-dir.js';
import { ArchiveError, exportSession, importSession } from './session-archive.js';

const USAGE = 'usage: npm run session -- export <file> | import <file> [--force]';

async function run(argv: readonly string[]): Promise<number> {
  const [command, file, ...rest] = argv;
  const force = rest.includes('--force');
  if ((command !== 'export' && command !== 'import') || !file || rest.some((arg) => arg !== '--force') || (force && command !== 'import')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const config = loadConfig();
    if (command === 'export') {
      const { bytes } = await exportSession(config, file);
      process.stdout.write(`Exported the session of CLIENTE_ID=${config.clienteId} to ${file} (${bytes} bytes, mode 0600). It is a credential: keep it like a password.\n`);
    } else {
      await importSession(config, file, { force });
      process.stdout.write(`Imported ${file} for CLIENTE_ID=${config.clienteId}; start the service (npm start) and it comes back READY without a QR.\n`);
    }
    return 0;
  } catch (error) {
    const known = error instanceof ConfigError || error instanceof ArchiveError || error instanceof StorageError;
    process.stderr.write(`${known ? error.message : `session ${command} failed: ${error instanceof Error ? error.message : String(error)}`}\n`);
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
