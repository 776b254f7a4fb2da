/** Shared set-up of the certificate tests: a temp folder and a resolved config whose files live in it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src-main/config/resolve-config.js';
import type { ResolvedConfig } from '../../src-shared/config/resolved-config.js';
import type { ThinStreamConfig } from '../../src-shared/config/config-types.js';

export function tempDir(t: { after(fn: () => void): void }, prefix = 'thinstream-certs-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Two HTTPS ports (one asking for client certificates) and one plain HTTP port, files in `dir`. */
export function certConfig(dir: string, extra: ThinStreamConfig = {}): ResolvedConfig {
  const subject = (cn: string) => [
    { type: 'C', value: 'NI' },
    { type: 'O', value: 'ThinStream Test' },
    { type: 'CN', value: cn },
  ];
  const config: ThinStreamConfig = {
    context: {
      caCert: {
        path: 'pki/ca.cert.der',
        def: { subject: subject('Test CA'), bits: 2048, daysValid: 365 },
        key: { pass: 'ca-pass', name: 'test_ca', path: 'pki/ca.key.p12' },
      },
      usrCert: { subject: subject('template'), bits: 2048, daysValid: 30 },
    },
    http: {
      ports: [
        {
          port: 30443,
          ssl: {
            cert: {
              isRequested: true,
              source: {
                path: 'pki/https.cert.der',
                def: { subject: subject('localhost'), bits: 2048, daysValid: 90 },
                key: { pass: 'ssl-pass', name: 'https', path: 'pki/https.key.p12' },
              },
            },
          },
        },
        { port: 30444, ssl: { cert: { isRequired: true } } },
        { port: 30080, ssl: { isDisabled: true } },
      ],
    },
    ...extra,
  };
  return resolveConfig(config, { configDir: dir });
}
