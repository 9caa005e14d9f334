import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { LedgerError } from '../errors.js';
import type { ConnectionSettings } from './settings.js';

/** One way to connect: in the clear (`false`) or over TLS with these options. */
export type Transport = false | ConnectionOptions;

/** A connection attempt, and for the second one, which failure of the first allows it. */
export interface Attempt {
  readonly tls: Transport;
  readonly retryAfter?: 'no-ssl-support' | 'refused-in-clear';
}

/**
 * The attempts sslmode asks for, as libpq makes them. The driver's own reading of sslmode treats
 * `prefer` and `require` as `verify-full` and never falls back, so drainctl builds the TLS options
 * itself: `prefer` (the default) tries TLS without checking the certificate and connects in the
 * clear when the server has no TLS; `allow` does the reverse when the server refuses a clear
 * connection; `require` encrypts without checking (checking the CA when a root certificate is
 * given, as libpq does); `verify-ca` checks the CA; `verify-full` also checks the host name.
 * Unix sockets never use TLS.
 */
export function connectionAttempts(settings: ConnectionSettings, env: NodeJS.ProcessEnv, location: string): Attempt[] {
  if (settings.host.startsWith('/')) return [{ tls: false }];
  const files = new CertificateFiles(settings, env, location);
  const unchecked: ConnectionOptions = { rejectUnauthorized: false, ...files.clientCertificate() };
  switch (settings.sslMode) {
    case 'disable':
      return [{ tls: false }];
    case 'allow':
      return [{ tls: false }, { tls: unchecked, retryAfter: 'refused-in-clear' }];
    case 'prefer':
      return [{ tls: unchecked }, { tls: false, retryAfter: 'no-ssl-support' }];
    case 'require': {
      const ca = files.rootCertificate(false);
      return [{ tls: ca ? { ...unchecked, ...caOnly(ca) } : unchecked }];
    }
    case 'verify-ca':
      return [{ tls: { ...unchecked, ...caOnly(files.rootCertificate(true)) } }];
    case 'verify-full': {
      const ca = files.rootCertificate(true);
      return [{ tls: { ...files.clientCertificate(), rejectUnauthorized: true, ...(ca === 'system' ? {} : { ca }) } }];
    }
  }
}

// The chain must lead to the given CA; the name in the certificate is not compared with the host.
function caOnly(ca: Buffer | 'system'): ConnectionOptions {
  return { ...(ca === 'system' ? {} : { ca }), rejectUnauthorized: true, checkServerIdentity: () => undefined };
}

/** The certificate files libpq would use: named in the URL or variables, else the defaults under ~/.postgresql. */
class CertificateFiles {
  private readonly dir: string;

  constructor(
    private readonly settings: ConnectionSettings,
    env: NodeJS.ProcessEnv,
    private readonly location: string,
  ) {
    this.dir = path.join(env.HOME || os.homedir(), '.postgresql');
  }

  /** The CA to check against: `'system'` for the system's CAs, undefined when none is given and `required` is false. */
  rootCertificate(required: true): Buffer | 'system';
  rootCertificate(required: boolean): Buffer | 'system' | undefined;
  rootCertificate(required: boolean): Buffer | 'system' | undefined {
    const named = this.settings.sslRootCert;
    if (named === 'system') return 'system';
    if (named !== undefined) return this.read(named, 'sslrootcert');
    const fallback = path.join(this.dir, 'root.crt');
    if (fs.existsSync(fallback)) return this.read(fallback, 'sslrootcert');
    if (!required) return undefined;
    throw new LedgerError(
      this.location,
      `ledger ${this.location}: sslmode=${this.settings.sslMode} checks the server's certificate, and no CA was given; name its file with sslrootcert=<file> in the URL (or PGSSLROOTCERT, or put it at ${fallback}), or use sslrootcert=system for the system's CAs`,
    );
  }

  /** The client certificate and key, when named or present at the default paths. */
  clientCertificate(): ConnectionOptions {
    const { sslCert, sslKey } = this.settings;
    const cert = sslCert ?? path.join(this.dir, 'postgresql.crt');
    const key = sslKey ?? path.join(this.dir, 'postgresql.key');
    if (sslCert === undefined && sslKey === undefined && !(fs.existsSync(cert) && fs.existsSync(key))) return {};
    return { cert: this.read(cert, 'sslcert'), key: this.read(key, 'sslkey') };
  }

  private read(file: string, param: string): Buffer {
    try {
      return fs.readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new LedgerError(this.location, `ledger ${this.location}: cannot read the ${param} file ${file} (${code}); fix ${param} in the URL (or PG${param.toUpperCase()})`, { cause: error });
    }
  }
}
