import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const runFile = promisify(execFile);

/** A self-signed certificate and its key, both PEM, in a temporary directory. */
export interface SelfSignedCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** A file with the private key followed by the certificate, the form `ClientCertificateCredential` reads. */
  combinedPemPath: string;
  /** Deletes the temporary directory. */
  remove(): Promise<void>;
}

/**
 * Generates a self-signed RSA certificate with `openssl`, valid for two days.
 * With `ipAddress`, the certificate names that address in subjectAltName, so
 * a server can use it on that address. The certificate is its own CA, so a
 * client only needs to trust it.
 */
export async function createSelfSignedCertificate(options: {
  commonName: string;
  ipAddress?: string;
}): Promise<SelfSignedCertificate> {
  const directory = await mkdtemp(join(tmpdir(), 'ably-idp-sync-cert-'));
  const keyPath = join(directory, 'key.pem');
  const certificatePath = join(directory, 'certificate.pem');
  const args = [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-keyout', keyPath, '-out', certificatePath, '-subj', `/CN=${options.commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
  ];
  if (options.ipAddress !== undefined) {
    args.push('-addext', `subjectAltName=IP:${options.ipAddress}`);
  }
  await runFile('openssl', args);

  const privateKeyPem = await readFile(keyPath, 'utf8');
  const certificatePem = await readFile(certificatePath, 'utf8');
  const combinedPemPath = join(directory, 'combined.pem');
  await writeFile(combinedPemPath, privateKeyPem + certificatePem, { mode: 0o600 });

  return {
    certificatePem,
    privateKeyPem,
    combinedPemPath,
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}
