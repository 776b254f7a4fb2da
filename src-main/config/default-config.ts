/**
 * First run: the config written when there is none, with everything under the app-data folder, HTTPS on 30443
 * with certificates made on first start, and random key passwords (sealed into the key store when the app saves
 * it). The runtime adds the demo camera with demoCameraEntry().
 */
import { randomBytes } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { StreamConfig, ThinStreamConfig } from '../../src-shared/config/config-types.js';
import { CONFIG_DEFAULTS, defaultSubject } from '../../src-shared/config/config-defaults.js';

export const DEFAULT_HTTPS_PORT = 30443;
export const CONFIG_FILENAME = 'thinstream.json';
export const DEMO_DEVICE_UID = 'demo';

export interface DefaultConfigOptions {
  /** The app-data folder (appDataDir()): recordings and certificates go under it. */
  dataDir: string;
  /** HTTPS port of the viewer (default 30443; 0 = any free port, for tests). */
  httpsPort?: number;
}

export function defaultConfig(options: DefaultConfigOptions): ThinStreamConfig {
  const { dataDir } = options;
  const certs = join(dataDir, 'certs');
  const port = options.httpsPort ?? DEFAULT_HTTPS_PORT;
  const host = safeHostname();
  return {
    context: {
      filesystem: {
        streams: {
          rootPath: join(dataDir, 'recordings'),
          defaults: {
            limit: CONFIG_DEFAULTS.storage.limit,
            isReadOnly: false,
            keepUnknownFiles: true,
            waitForLoad: true,
            initialLoadThreads: CONFIG_DEFAULTS.storage.initialLoadThreads,
          },
        },
      },
      caCert: {
        path: join(certs, CONFIG_DEFAULTS.certs.caCertPath),
        def: {
          subject: defaultSubject(`ThinStream Local CA (${host})`),
          bits: CONFIG_DEFAULTS.certs.bits,
          daysValid: CONFIG_DEFAULTS.certs.caDaysValid,
        },
        key: {
          pass: randomPassword(),
          name: CONFIG_DEFAULTS.certs.caKeyName,
          path: join(certs, CONFIG_DEFAULTS.certs.caKeyPath),
        },
      },
      usrCert: {
        subject: defaultSubject('ThinStream device'),
        bits: CONFIG_DEFAULTS.certs.bits,
        daysValid: CONFIG_DEFAULTS.certs.clientDaysValid,
      },
    },
    server: {
      defaults: {
        streams: {
          params: {
            read: { mode: 'allways' },
            write: {
              mode: 'allways',
              files: {
                nameDigits: CONFIG_DEFAULTS.stream.nameDigits,
                payload: { divider: CONFIG_DEFAULTS.stream.divider, limit: CONFIG_DEFAULTS.stream.fileLimit },
                fsync: CONFIG_DEFAULTS.stream.fsync,
              },
            },
            rtsp: { transport: CONFIG_DEFAULTS.stream.transport },
            rtp: { assumeConnDroppedAfter: CONFIG_DEFAULTS.stream.assumeConnDroppedAfter },
          },
        },
      },
      rtsp: {
        isDisabled: false,
        requests: { timeouts: { min: { retries: 0, msConnect: 2000 }, max: { retries: 1, msConnect: 5000 } } },
        rtp: {
          isDisabled: false,
          server: {
            ports: [...CONFIG_DEFAULTS.rtsp.rtpPorts],
            perStream: { orderingQueueSz: CONFIG_DEFAULTS.rtsp.orderingQueueSz },
          },
        },
        rtcp: { isDisabled: false, port: CONFIG_DEFAULTS.rtsp.rtcpPort },
      },
      streamsGrps: [{ isDisabled: false, uid: 'home', name: 'Home', streams: [] }],
    },
    http: {
      maxs: { connsIn: 0, secsIdle: 0, bps: { in: 0, out: 0 } },
      ports: [
        {
          isDisabled: false,
          port,
          desc: 'ThinStream viewer (HTTPS)',
          perConn: {
            limits: {
              secsIdle: CONFIG_DEFAULTS.http.secsIdle,
              secsOverqueueing: CONFIG_DEFAULTS.http.secsOverqueueing,
              bps: { in: 0, out: 0 },
            },
          },
          ssl: {
            isDisabled: false,
            cert: {
              isRequested: true,
              isRequired: false,
              source: {
                path: join(certs, `thinstream_https_${port}.cert.der`),
                def: {
                  subject: defaultSubject(host),
                  bits: CONFIG_DEFAULTS.certs.bits,
                  daysValid: CONFIG_DEFAULTS.certs.serverDaysValid,
                },
                key: {
                  pass: randomPassword(),
                  name: `thinstream_https_${port}`,
                  path: join(certs, `thinstream_https_${port}.key.p12`),
                },
              },
            },
          },
        },
      ],
    },
  };
}

/**
 * The stream entry of the demo camera (the clip served in a loop by our RTSP server on loopback). Its recordings
 * are capped at 256MB so the demo never fills a disk; removing the entry removes the demo.
 */
export function demoCameraEntry(url: string): StreamConfig {
  return {
    isDisabled: false,
    device: { uid: DEMO_DEVICE_UID, name: 'Demo camera', useSSL: false, user: '', pass: '' },
    versions: [
      {
        sid: 'main',
        isDisabled: false,
        uri: url,
        params: { write: { limit: '256MB' }, rtsp: { transport: 'tcp' } },
      },
    ],
  };
}

/**
 * The OS's folder for the app's data: `$XDG_DATA_HOME/thinstream` (default `~/.local/share/thinstream`) on Linux
 * and other Unixes, `~/Library/Application Support/ThinStream` on macOS, `%APPDATA%\ThinStream` on Windows.
 */
export function appDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'ThinStream');
  if (platform === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'ThinStream');
  const xdg = env['XDG_DATA_HOME'];
  return join(xdg !== undefined && xdg.startsWith('/') ? xdg : join(home, '.local', 'share'), 'thinstream');
}

function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

function safeHostname(): string {
  const name = hostname().trim();
  return name === '' ? 'localhost' : name.slice(0, 64);
}
