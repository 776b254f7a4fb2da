/**
 * The register of client certificates our CA issued, and which are revoked: a JSON file beside the CA
 * certificate (`thinstream_ca.issued.json`). The server asks isRevoked() on every TLS connection that presents a
 * certificate, so the register is held in memory and read once; each change is written atomically.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ThinStreamError } from '../../src-shared/errors.js';
import { writeFileAtomic } from '../config/save-config.js';
import { normalizeSerial } from './cert-files.js';

export interface IssuedCertificate {
  /** Hex, lower case, no leading zeros. */
  serial: string;
  /** The name given at issue (the certificate's CN). */
  name: string;
  subject: string;
  kind: 'client' | 'server';
  issuedMs: number;
  notBeforeMs: number;
  notAfterMs: number;
  revokedMs: number | null;
  /** The certificate itself, so it can be shown or checked later. */
  certPem: string;
}

interface RegistryFile {
  version: 1;
  certificates: IssuedCertificate[];
}

export class ClientCertRegistry {
  private readonly bySerial = new Map<string, IssuedCertificate>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** Reads the register (an absent file is an empty register). */
  static async open(path: string): Promise<ClientCertRegistry> {
    const registry = new ClientCertRegistry(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return registry;
      throw new ThinStreamError('CERT_INVALID', `certificate register ${path} cannot be read: ${String(err)}`, {
        cause: err,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ThinStreamError(
        'CERT_INVALID',
        `certificate register ${path} is not valid JSON; restore it from a backup (revocations are in it)`,
        { cause: err },
      );
    }
    const list = typeof parsed === 'object' && parsed !== null ? (parsed as Partial<RegistryFile>).certificates : null;
    if (!Array.isArray(list))
      throw new ThinStreamError('CERT_INVALID', `certificate register ${path} has no "certificates" list`);
    for (const entry of list) {
      if (!isIssued(entry)) continue;
      registry.bySerial.set(normalizeSerial(entry.serial), { ...entry, serial: normalizeSerial(entry.serial) });
    }
    return registry;
  }

  get(serial: string): IssuedCertificate | undefined {
    return this.bySerial.get(normalizeSerial(serial));
  }

  list(): IssuedCertificate[] {
    return [...this.bySerial.values()].sort((a, b) => a.issuedMs - b.issuedMs);
  }

  /** True when the certificate was issued here and revoked since. Unknown serials are not revoked by this register. */
  isRevoked(serial: string): boolean {
    const entry = this.bySerial.get(normalizeSerial(serial));
    return entry !== undefined && entry.revokedMs !== null;
  }

  async add(entry: IssuedCertificate): Promise<void> {
    this.bySerial.set(normalizeSerial(entry.serial), { ...entry, serial: normalizeSerial(entry.serial) });
    await this.persist();
  }

  /** Marks a certificate revoked; false when the serial was never issued here. Revoking twice keeps the first time. */
  async revoke(serial: string, nowMs = Date.now()): Promise<boolean> {
    const entry = this.bySerial.get(normalizeSerial(serial));
    if (!entry) return false;
    if (entry.revokedMs === null) {
      entry.revokedMs = nowMs;
      await this.persist();
    }
    return true;
  }

  private async persist(): Promise<void> {
    const body: RegistryFile = { version: 1, certificates: this.list() };
    const text = JSON.stringify(body, null, 2) + '\n';
    // A failed write must not wedge the queue: the next write starts afresh.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        await writeFileAtomic(this.path, text, 0o600);
      });
    await this.writing;
  }
}

function isIssued(value: unknown): value is IssuedCertificate {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['serial'] === 'string' &&
    typeof v['name'] === 'string' &&
    typeof v['notAfterMs'] === 'number' &&
    (v['revokedMs'] === null || typeof v['revokedMs'] === 'number') &&
    typeof v['certPem'] === 'string'
  );
}
