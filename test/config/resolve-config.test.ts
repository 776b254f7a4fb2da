import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { resolveConfig } from '../../src-main/config/resolve-config.js';
import { assertValidConfig } from '../../src-shared/config/validate-config.js';
import type { StreamConfig, ThinStreamConfig } from '../../src-shared/config/config-types.js';
import { ThinStreamError } from '../../src-shared/errors.js';

function withStreams(streams: StreamConfig[], extra: ThinStreamConfig = {}): ThinStreamConfig {
  const config: ThinStreamConfig = {
    ...extra,
    server: { ...extra.server, streamsGrps: [{ uid: 'g', name: 'G', streams }] },
  };
  return assertValidConfig(config).config;
}

test('an empty file resolves to documented defaults', () => {
  const resolved = resolveConfig({}, { configDir: '/etc/thinstream' });
  assert.deepEqual(resolved.storage, {
    rootPath: '/etc/thinstream/recordings',
    limitBytes: 10 * 1024 ** 3,
    isReadOnly: false,
    keepUnknownFiles: true,
    waitForLoad: true,
    initialLoadThreads: 4,
  });
  assert.deepEqual(resolved.rtp, { rtspEnabled: true, udpEnabled: true, ports: [8000], rtcpPort: 8001 });
  assert.deepEqual(resolved.streams, []);
  assert.deepEqual(resolved.http.ports, []);
  assert.equal(resolved.certs.ca.certPath, '/etc/thinstream/thinstream_ca.cert.der');
  assert.equal(resolved.certs.ca.key.pass, '');
  assert.equal(resolved.certs.registryPath, '/etc/thinstream/thinstream_ca.issued.json');
  assert.equal(resolved.certs.ca.def.bits, 2048);
});

test('version params override the defaults key by key; sizes and durations become bytes and ms', () => {
  const config = withStreams(
    [
      {
        device: { uid: 'cam', server: 'cam.local' },
        versions: [
          {
            sid: 'hi',
            uri: '/h264/main',
            params: {
              write: { limit: '2GB', files: { maxAge: '30d', payload: { divider: '5m' } } },
              rtsp: { transport: 'tcp' },
            },
          },
          { sid: 'lo', uri: '/h264/sub', params: { write: { mode: 'never' } } },
        ],
      },
    ],
    {
      server: {
        defaults: {
          streams: {
            params: {
              write: { files: { nameDigits: 8, fsync: 'fragment', payload: { divider: '1h', limit: '64MB' } } },
              rtp: { assumeConnDroppedAfter: '20s' },
            },
          },
        },
        rtsp: {
          requests: { timeouts: { max: { msConnect: 3000 } } },
          rtp: { server: { ports: [0], perStream: { orderingQueueSz: 32 } } },
          rtcp: { port: 0 },
        },
      },
    },
  );
  const [hi, lo] = resolveConfig(config, { configDir: '/data' }).streams;
  assert.ok(hi && lo);
  assert.equal(hi.transport, 'tcp');
  assert.equal(lo.transport, 'auto');
  assert.equal(hi.assumeConnDroppedAfterMs, 20_000);
  assert.equal(hi.connectTimeoutMs, 3000);
  assert.equal(hi.reorderQueueSize, 32);
  assert.deepEqual(hi.recording, {
    enabled: true,
    folder: '/data/recordings/cam/hi',
    dividerMs: 300_000,
    fileLimitBytes: 64 * 1024 ** 2,
    nameDigits: 8,
    fsync: 'fragment',
    maxAgeMs: 30 * 86_400_000,
    streamLimitBytes: 2 * 1024 ** 3,
  });
  assert.equal(lo.recording.enabled, false, 'write.mode never');
  assert.equal(lo.recording.dividerMs, 3_600_000);
  assert.equal(lo.recording.maxAgeMs, null);
});

test('stream URLs: device server and port complete a path; credentials leave the URL; useSSL means rtsps', () => {
  const config = withStreams([
    {
      device: { uid: 'a', server: '192.168.1.20', port: 8554, user: 'admin', pass: 'p@ss:word' },
      versions: [
        { sid: 'path', uri: '/stream1' },
        { sid: 'nopath', uri: 'live/ch0?codec=h264' },
        { sid: 'samehost', uri: 'rtsp://192.168.1.20/s2' },
        { sid: 'otherhost', uri: 'rtsp://10.1.1.1/s3' },
        { sid: 'ownport', uri: 'rtsp://192.168.1.20:554/s4' },
      ],
    },
    {
      device: { uid: 'b', server: 'fe80::1', useSSL: true },
      versions: [
        { sid: 'tls', uri: '/x' },
        { sid: 'creds', uri: 'rtsp://viewer:s%40cret@[fe80::1]:322/y' },
      ],
    },
  ]);
  const urls = Object.fromEntries(
    resolveConfig(config, { configDir: '/' }).streams.map((s) => [s.streamId, [s.url, s.user, s.password, s.useSSL]]),
  );
  assert.deepEqual(urls['a/path'], ['rtsp://192.168.1.20:8554/stream1', 'admin', 'p@ss:word', false]);
  assert.deepEqual(urls['a/nopath'], ['rtsp://192.168.1.20:8554/live/ch0?codec=h264', 'admin', 'p@ss:word', false]);
  assert.deepEqual(urls['a/samehost'], ['rtsp://192.168.1.20:8554/s2', 'admin', 'p@ss:word', false]);
  assert.deepEqual(urls['a/otherhost'], ['rtsp://10.1.1.1/s3', 'admin', 'p@ss:word', false]);
  assert.deepEqual(urls['a/ownport'], ['rtsp://192.168.1.20:554/s4', 'admin', 'p@ss:word', false]);
  assert.deepEqual(urls['b/tls'], ['rtsps://[fe80::1]/x', undefined, undefined, true]);
  assert.deepEqual(urls['b/creds'], ['rtsps://[fe80::1]:322/y', 'viewer', 's@cret', true]);
});

test('disabled groups, cameras, versions, and the RTSP client itself disable their streams', () => {
  const base: StreamConfig[] = [
    {
      device: { uid: 'on' },
      versions: [
        { sid: 'a', uri: 'rtsp://h/a' },
        { sid: 'b', uri: 'rtsp://h/b', isDisabled: true },
      ],
    },
    { isDisabled: true, device: { uid: 'off' }, versions: [{ sid: 'a', uri: 'rtsp://h/c' }] },
  ];
  const resolved = resolveConfig(withStreams(base), { configDir: '/' });
  assert.deepEqual(
    resolved.streams.map((s) => [s.streamId, s.enabled, s.recording.enabled]),
    [
      ['on/a', true, true],
      ['on/b', false, false],
      ['off/a', false, false],
    ],
  );
  assert.deepEqual(
    resolved.cameras.map((c) => [c.deviceUid, c.enabled, c.versions.length]),
    [
      ['on', true, 2],
      ['off', false, 1],
    ],
  );
  const noRtsp = withStreams(base, { server: { rtsp: { isDisabled: true, rtp: { isDisabled: true } } } });
  const r2 = resolveConfig(noRtsp, { configDir: '/' });
  assert.equal(r2.streams.filter((s) => s.enabled).length, 0);
  assert.equal(r2.rtp.udpEnabled, false);
  assert.equal(r2.streams[0]!.transport, 'tcp', 'auto becomes tcp when UDP RTP is disabled');
});

test('relative paths resolve against the config folder, ~ against home, absolute ones stay', () => {
  const resolved = resolveConfig(
    {
      context: {
        filesystem: { streams: { rootPath: '~/videos' } },
        caCert: { path: '/srv/pki/ca.der', key: { path: 'keys/ca.p12', pass: 'x' } },
      },
      http: { ports: [{ port: 8443 }, { port: 8080, ssl: { isDisabled: true } }] },
    },
    { configDir: '/etc/ts' },
  );
  assert.equal(resolved.storage.rootPath, `${homedir()}/videos`);
  assert.equal(resolved.certs.ca.certPath, '/srv/pki/ca.der');
  assert.equal(resolved.certs.ca.key.path, '/etc/ts/keys/ca.p12');
  assert.equal(resolved.certs.registryPath, '/srv/pki/thinstream_ca.issued.json');
  const [https, http] = resolved.http.ports;
  assert.ok(https?.tls, 'a port without an ssl section serves HTTPS');
  assert.equal(https.tls.certPath, '/etc/ts/thinstream_port_8443.cert.der');
  assert.equal(https.tls.key.path, '/etc/ts/thinstream_port_8443.key.p12');
  assert.equal(https.tls.clientCert, 'none');
  assert.equal(http?.tls, null);
});

test('a password still referring to the key store is refused by name, not used as a password', () => {
  const config = withStreams([
    {
      device: { uid: 'cam', user: 'u', pass: '$secret.cam.cam.device.pass' },
      versions: [{ sid: 'a', uri: 'rtsp://h/a' }],
    },
  ]);
  assert.throws(
    () => resolveConfig(config, { configDir: '/' }),
    (err: unknown) =>
      err instanceof ThinStreamError &&
      err.code === 'CONFIG_INVALID' &&
      err.path === 'server.streamsGrps[0].streams[0].device.pass',
  );
});
