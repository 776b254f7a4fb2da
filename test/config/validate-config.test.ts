import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../support/paths.js';
import { validateConfig, assertValidConfig, ConfigInvalidError } from '../../src-shared/config/validate-config.js';
import { formatConfigErrors } from '../../src-shared/config/format-errors.js';
import type { ThinStreamConfig } from '../../src-shared/config/config-types.js';

function original(): Record<string, unknown> {
  return JSON.parse(readFileSync(fixturePath('config', 'original-readme.json'), 'utf8')) as Record<string, unknown>;
}

/** A config with one problem of each kind, to prove every one is reported at once with its path. */
function broken(): unknown {
  return {
    context: {
      filesystem: {
        streams: {
          rootPath: '',
          defaults: { limit: '10 gigs', isReadOnly: 'no', initialLoadThreads: 0 },
        },
      },
      caCert: {
        path: 'same.der',
        def: {
          bits: 512,
          daysValid: 0,
          subject: [
            { type: 'CN', value: 'x' },
            { type: 'Q', value: 'y' },
          ],
        },
        key: { pass: 12, path: 'same.der' },
      },
    },
    server: {
      defaults: {
        streams: {
          params: {
            write: { mode: 'sometimes', files: { payload: { divider: '1 fortnight', limit: '1GB' }, fsync: 'maybe' } },
            rtsp: { transport: 'carrier-pigeon' },
            rtp: { assumeConnDroppedAfter: '-5s' },
          },
        },
      },
      rtsp: { rtp: { server: { ports: [8000, 70000] } }, rtcp: { port: 8000 } },
      streamsGrps: [
        {
          uid: 'main',
          streams: [
            {
              device: { uid: 'cam-door', server: '10.0.0.2', port: '554' },
              versions: [{ sid: '1-high', uri: 'rtsp://10.0.0.2/video1' }],
            },
            {
              device: { uid: 'cam-yard', server: 'yard cam', port: '55a4', useSSL: 'yes' },
              versions: [
                { sid: 'hd', uri: 'http://10.0.0.3/video' },
                { sid: 'hd', uri: 'rtsp://10.0.0.3:99999/x' },
                { sid: '../etc', uri: '/relative/ok' },
                { uri: 'rtsp://10.0.0.3/sd', params: { write: { files: { maxAge: '30 moons' } } } },
              ],
            },
            { device: { uid: 'cam-door', server: '10.0.0.4' }, versions: [] },
            { device: { name: 'no uid' }, versions: [{ sid: 'a', uri: 'media/1' }] },
          ],
        },
        { uid: 'main', streams: 'none' },
      ],
    },
    http: {
      ports: [
        { port: 30443 },
        { port: 30443, ssl: { cert: { isRequired: 'sure' } } },
        { port: 'https' },
        { desc: 'no port' },
      ],
    },
  };
}

const EXPECTED: Array<[string, RegExp]> = [
  ['context.filesystem.streams.rootPath', /^rootPath must be a file or folder path, got ""$/],
  ['context.filesystem.streams.defaults.limit', /^limit "gigs" is not a size unit.*got "10 gigs"$/],
  ['context.filesystem.streams.defaults.isReadOnly', /^isReadOnly must be true or false, got "no"$/],
  [
    'context.filesystem.streams.defaults.initialLoadThreads',
    /^initialLoadThreads must be a number from 1 to 64, got 0$/,
  ],
  ['context.caCert.def.bits', /bits must be a number from 2048 to 8192, got 512/],
  ['context.caCert.def.daysValid', /daysValid must be a number from 1 to 36500, got 0/],
  ['context.caCert.def.subject[1].type', /type must be one of "C", "ST".*got "Q"/],
  ['context.caCert.key.pass', /pass must be a text in quotes, got 12/],
  ['context.caCert.key.path', /names "same\.der", which is already the CA certificate \(context\.caCert\.path\)/],
  ['server.defaults.streams.params.write.mode', /mode must be one of "allways", "always", "never", got "sometimes"/],
  ['server.defaults.streams.params.write.files.fsync', /fsync must be one of "never", "fragment", "segment"/],
  ['server.defaults.streams.params.write.files.payload.divider', /"fortnight" is not a duration unit/],
  [
    'server.defaults.streams.params.rtsp.transport',
    /transport must be one of "udp", "tcp", "auto", got "carrier-pigeon"/,
  ],
  ['server.defaults.streams.params.rtp.assumeConnDroppedAfter', /assumeConnDroppedAfter .*got "-5s"/],
  ['server.rtsp.rtp.server.ports[1]', /ports\[1\] must be a number from 0 to 65535, got 70000/],
  ['server.rtsp.rtcp.port', /port 8000 is already the RTP port/],
  [
    'server.streamsGrps[0].streams[1].device.server',
    /^server must be a host name or address \(like "cam1\.local" or "192\.168\.1\.20"\), got "yard cam"$/,
  ],
  ['server.streamsGrps[0].streams[1].device.port', /^port must be a number from 1 to 65535, got "55a4"$/],
  ['server.streamsGrps[0].streams[1].device.useSSL', /useSSL must be true or false, got "yes"/],
  [
    'server.streamsGrps[0].streams[1].versions[0].uri',
    /^uri must be an rtsp:\/\/ or rtsps:\/\/ URL, got "http:\/\/10\.0\.0\.3\/video": its scheme is "http", not rtsp or rtsps$/,
  ],
  [
    'server.streamsGrps[0].streams[1].versions[1].sid',
    /^sid "hd" is already used by another stream of camera "cam-yard" \(server\.streamsGrps\[0\]\.streams\[1\]\.versions\[0\]\.sid\)$/,
  ],
  ['server.streamsGrps[0].streams[1].versions[1].uri', /its port must be a number from 1 to 65535, not "99999"/],
  ['server.streamsGrps[0].streams[1].versions[2].sid', /sid must be 1 to 64 letters, digits.*got "\.\.\/etc"/],
  ['server.streamsGrps[0].streams[1].versions[3].sid', /sid is required/],
  ['server.streamsGrps[0].streams[1].versions[3].params.write.files.maxAge', /"moons" is not a duration unit/],
  [
    'server.streamsGrps[0].streams[2].device.uid',
    /^uid "cam-door" is already used by another camera \(server\.streamsGrps\[0\]\.streams\[0\]\.device\.uid\)$/,
  ],
  ['server.streamsGrps[0].streams[2].versions', /versions must list at least one stream/],
  ['server.streamsGrps[0].streams[3].device.uid', /uid is required/],
  [
    'server.streamsGrps[0].streams[3].versions[0].uri',
    /uri is a path without a host, and the camera has no device\.server/,
  ],
  ['server.streamsGrps[1].uid', /^uid "main" is already used by another group/],
  ['server.streamsGrps[1].streams', /streams must be a list \[ … \], got "none"/],
  ['http.ports[1].port', /^port 30443 is already served by http\.ports\[0\]$/],
  ['http.ports[1].ssl.cert.isRequired', /isRequired must be true or false, got "sure"/],
  ['http.ports[2].port', /port must be a number from 0 to 65535, got "https"/],
  ['http.ports[3].port', /port is required/],
];

test('a broken config reports every problem at once, each with its JSON path and the value it got', () => {
  const check = validateConfig(broken());
  assert.equal(check.config, null);
  for (const e of check.errors) assert.equal(e.code, 'CONFIG_INVALID');
  const byPath = new Map<string, string[]>();
  for (const e of check.errors) byPath.set(e.path ?? '', [...(byPath.get(e.path ?? '') ?? []), e.message]);
  for (const [path, pattern] of EXPECTED) {
    const messages = byPath.get(path) ?? [];
    assert.ok(
      messages.some((m) => pattern.test(m)),
      `expected an error at ${path} matching ${pattern}; got ${JSON.stringify(messages)}\nall: ${check.errors
        .map((e) => `${e.path}: ${e.message}`)
        .join('\n')}`,
    );
  }
  const expectedPaths = new Set(EXPECTED.map(([p]) => p));
  const extra = check.errors.filter((e) => !expectedPaths.has(e.path ?? ''));
  assert.deepEqual(extra, [], 'no error beyond the ones planted');
});

test('formatConfigErrors prints one line per problem with its path, for the -c flag', () => {
  const check = validateConfig(broken());
  const text = formatConfigErrors(check.errors, 'cfg.json');
  const lines = text.split('\n');
  assert.equal(lines[0], `cfg.json: ${check.errors.length} problems:`);
  assert.equal(lines.length, check.errors.length + 1);
  assert.ok(
    lines.includes('  server.streamsGrps[0].streams[1].device.port: port must be a number from 1 to 65535, got "55a4"'),
  );
  assert.equal(formatConfigErrors([], 'cfg.json'), 'cfg.json: OK');
});

test('assertValidConfig throws one ConfigInvalidError that carries them all', () => {
  assert.throws(
    () => assertValidConfig(broken()),
    (err: unknown) =>
      err instanceof ConfigInvalidError &&
      err.code === 'CONFIG_INVALID' &&
      err.errors.length === EXPECTED.length &&
      /the config is not valid: .* \(and \d+ more\)$/.test(err.message),
  );
});

test('unknown keys are kept and warned about with a spelling hint, never an error', () => {
  const config = original();
  const http = config['http'] as { ports: Array<Record<string, unknown>> };
  http.ports[0]!['isDisbled'] = true;
  config['myNotes'] = 'kept';
  const check = validateConfig(config);
  assert.deepEqual(check.errors, []);
  const unknown = check.warnings.filter((w) => w.kind === 'unknown');
  assert.deepEqual(
    unknown.map((w) => [w.path, w.message]),
    [
      ['myNotes', 'myNotes is not a known setting; kept and ignored'],
      ['http.ports[0].isDisbled', 'isDisbled is not a known setting; kept and ignored (did you mean "isDisabled"?)'],
    ],
  );
  assert.equal((check.config as Record<string, unknown>)['myNotes'], 'kept');
});

test('accepted forms: numbers as strings where the original writes them, null params, empty file, relative uri', () => {
  const minimal: ThinStreamConfig = {
    server: {
      streamsGrps: [
        {
          uid: 'g',
          streams: [
            {
              device: { uid: 'cam', server: '192.168.1.20', port: '554' },
              versions: [
                { sid: 'main', uri: '/Streaming/Channels/101', params: null },
                { sid: 'sub', uri: 'rtsps://[fe80::1]:322/sub', params: { rtsp: { transport: 'tcp' } } },
              ],
            },
          ],
        },
      ],
    },
  };
  assert.deepEqual(validateConfig(minimal).errors, []);
  assert.deepEqual(validateConfig({}).errors, []);
  const notObject = validateConfig([1, 2]);
  assert.equal(notObject.errors.length, 1);
  assert.match(notObject.errors[0]!.message, /must be a JSON object/);
});

test('a udp transport while RTP over UDP is disabled is an error at the transport that asks for it', () => {
  const check = validateConfig({
    server: {
      rtsp: { rtp: { isDisabled: true } },
      streamsGrps: [
        {
          uid: 'g',
          streams: [
            {
              device: { uid: 'cam' },
              versions: [{ sid: 'a', uri: 'rtsp://h/x', params: { rtsp: { transport: 'udp' } } }],
            },
          ],
        },
      ],
    },
  });
  assert.deepEqual(
    check.errors.map((e) => e.path),
    ['server.streamsGrps[0].streams[0].versions[0].params.rtsp.transport'],
  );
});

test('caveats are warnings: per-stream RTP ports, a zero storage limit, isRequired without TLS', () => {
  const check = validateConfig({
    context: { filesystem: { streams: { defaults: { limit: 0 } } } },
    server: { defaults: { streams: { params: { rtsp: { ports: { rtp: 9000, rtcp: 0 } } } } } },
    http: { ports: [{ port: 8080, ssl: { isDisabled: true, cert: { isRequired: true } } }] },
  });
  assert.deepEqual(check.errors, []);
  assert.deepEqual(
    check.warnings.filter((w) => w.kind === 'caveat').map((w) => w.path),
    [
      'context.filesystem.streams.defaults.limit',
      'server.defaults.streams.params.rtsp.ports.rtp',
      'http.ports[0].ssl.cert.isRequired',
    ],
  );
  const https = validateConfig({ http: { ports: [{ port: 8443 }] } });
  assert.deepEqual(
    https.warnings.map((w) => [w.path, w.kind]),
    [['context.caCert.key.pass', 'caveat']],
    'HTTPS with no CA key pass is accepted with a warning',
  );
});
