import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { fixturePath } from '../support/paths.js';
import { loadConfig } from '../../src-main/config/load-config.js';
import { resolveConfig } from '../../src-main/config/resolve-config.js';
import { formatConfigWarnings } from '../../src-shared/config/format-errors.js';

const FIXTURE = fixturePath('config', 'original-readme.json');

test('the original README example loads with no error', async () => {
  const loaded = await loadConfig(FIXTURE);
  assert.equal(loaded.configDir, dirname(FIXTURE));
  assert.equal(loaded.config.server?.streamsGrps?.[0]?.streams?.length, 2);
});

test('keys the original switched off with a trailing underscore are kept and warned about, not errors', async () => {
  const { config, warnings } = await loadConfig(FIXTURE);
  const disabled = warnings.filter((w) => w.kind === 'disabled').map((w) => w.path);
  assert.deepEqual(disabled.sort(), [
    'server.defaults.streams.merger.secsWaitAllFmtsMax___',
    'server.defaults.streams.params.write.files.debug_',
    'server.rtsp.rtp.server.debug_',
    'server.telemetry.process.threads_',
  ]);
  // They stay in the object, untouched, so saving writes them back.
  const merger = config.server?.defaults?.streams?.merger as Record<string, unknown>;
  assert.equal(merger['secsWaitAllFmtsMax___'], 5);
  const telemetry = config.server?.telemetry as { process: Record<string, unknown> };
  assert.ok(Array.isArray(telemetry.process['threads_']));
  const unused = warnings.filter((w) => w.kind === 'unused').map((w) => w.path);
  for (const path of ['context.threads', 'context.cypher', 'server.telemetry', 'server.defaults.streams.merger'])
    assert.ok(unused.includes(path), `${path} reported as kept but unused`);
  assert.equal(warnings.filter((w) => w.kind === 'unknown').length, 0, 'no key of the original is called unknown');
  const text = formatConfigWarnings(warnings, 'original-readme.json');
  assert.match(text, /kept but not used by ThinStream \(\d+\): .*context\.threads/);
  assert.match(text, /switched off by a trailing underscore, kept \(4\): .*debug_/);
});

test('the original example resolves to what its README says it does', async () => {
  const { config, configDir } = await loadConfig(FIXTURE);
  const resolved = resolveConfig(config, { configDir });

  // "saved in a local-storage folder up to 10GB"
  assert.equal(resolved.storage.limitBytes, 10 * 1024 ** 3);
  assert.equal(resolved.storage.rootPath, `${configDir}/folder_path_to_storage`);
  assert.equal(resolved.storage.keepUnknownFiles, false);
  assert.equal(resolved.storage.initialLoadThreads, 8);

  // "two cameras, and two streams qualities per camera"; the garage camera is disabled
  assert.deepEqual(
    resolved.streams.map((s) => [s.streamId, s.enabled]),
    [
      ['cam-door/1-high', true],
      ['cam-door/2-mid', true],
      ['cam-garage/1-high', false],
      ['cam-garage/2-mid', false],
    ],
  );
  const door = resolved.streams[0]!;
  // The device's port ("554", a string in the original) applies to the uri of the same host.
  assert.equal(door.url, 'rtsp://111.222.111.222:554/media/video1');
  assert.equal(door.user, 'admin');
  assert.equal(door.password, 'my_cam_pass');
  assert.equal(door.name, 'Cam. Door');
  assert.deepEqual(door.group, { uid: 'my_main_location_cams', name: 'My Main Location Cams' });
  assert.equal(door.transport, 'auto');
  assert.equal(door.assumeConnDroppedAfterMs, 60_000);
  assert.equal(door.connectTimeoutMs, 2000);
  assert.equal(door.reorderQueueSize, 16);
  assert.deepEqual(door.recording, {
    enabled: true,
    folder: `${configDir}/folder_path_to_storage/cam-door/1-high`,
    dividerMs: 3_600_000,
    fileLimitBytes: 1024 ** 3,
    nameDigits: 6,
    fsync: 'segment',
    maxAgeMs: null,
    streamLimitBytes: null,
  });
  assert.equal(
    resolved.streams[2]!.url,
    'rtsp://111.222.111.223:554/Streaming/channels/101/trackID=1',
    'query-less paths with = survive',
  );

  assert.deepEqual(resolved.rtp, { rtspEnabled: true, udpEnabled: true, ports: [8000], rtcpPort: 8001 });

  // "a local HTTPS webserve in the 30443 port": the example itself sets ssl.isDisabled, so plain HTTP.
  assert.equal(resolved.http.ports.length, 1);
  const port = resolved.http.ports[0]!;
  assert.equal(port.port, 30443);
  assert.equal(port.tls, null);
  assert.equal(port.perConn.idleMs, 30_000);
  assert.equal(port.perConn.overqueueingMs, 15_000);

  assert.equal(resolved.certs.ca.certPath, `${configDir}/thinstream_ca.cert.der`);
  assert.equal(resolved.certs.ca.key.path, `${configDir}/thinstream_ca.key.p12`);
  assert.equal(resolved.certs.ca.key.pass, 'thinstream_ca_pass');
  assert.equal(resolved.certs.ca.def.bits, 2048);
  assert.equal(resolved.certs.ca.def.daysValid, 365);
  assert.deepEqual(
    resolved.certs.ca.def.subject.find((a) => a.type === 'CN'),
    {
      type: 'CN',
      value: 'Thin Stream CA',
    },
  );
  assert.equal(resolved.certs.clientDef.subject.find((a) => a.type === 'CN')?.value, 'Thin Stream User');
});

test('with the example’s ssl switched on, the port gets TLS with its certificate paths and client-cert request', async () => {
  const { config, configDir } = await loadConfig(FIXTURE);
  config.http!.ports![0]!.ssl!.isDisabled = false;
  const tls = resolveConfig(config, { configDir }).http.ports[0]!.tls;
  assert.ok(tls);
  assert.equal(tls.certPath, `${configDir}/thinstream_channel_public.cert.der`);
  assert.deepEqual(tls.key, {
    path: `${configDir}/my_ssl_cert.key.p12`,
    pass: 'my_ssl_cert_pass',
    name: 'my_ssl_cert',
  });
  assert.equal(tls.clientCert, 'request');
  assert.equal(tls.def.subject.find((a) => a.type === 'CN')?.value, 'public.thinstream');
});
