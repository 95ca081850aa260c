// Self-signed TLS certificate for the simulated web.whatsapp.com, made with the openssl CLI.
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface SimCertificate {
  readonly keyPem: string;
  readonly certPem: string;
  /** base64(sha256(DER SubjectPublicKeyInfo)), the value for --ignore-certificate-errors-spki-list. */
  readonly spkiSha256: string;
  /** Removes the temp directory holding the key and certificate files. */
  dispose(): Promise<void>;
}

export async function createSelfSignedCertificate(hostname: string): Promise<SimCertificate> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wa-sim-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    await execFileAsync('openssl', [
      'req', '-x509', '-nodes',
      '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', keyFile, '-out', certFile,
      '-days', '7',
      '-subj', `/CN=${hostname}`,
      '-addext', `subjectAltName=DNS:${hostname}`,
      '-addext', 'extendedKeyUsage=serverAuth',
    ]);
    const [keyPem, certPem] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
    const spkiDer = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
    const spkiSha256 = createHash('sha256').update(spkiDer).digest('base64');
    let disposed = false;
    return {
      keyPem,
      certPem,
      spkiSha256,
      async dispose(): Promise<void> {
        if (disposed) return;
        disposed = true;
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`wa-sim: could not create a self-signed certificate with openssl: ${String(err)}`, { cause: err });
  }
}
