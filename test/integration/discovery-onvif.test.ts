/**
 * Finding a camera end to end on this machine: a unicast WS-Discovery probe to the ONVIF simulator on 127.0.0.1,
 * GetProfiles/GetStreamUri with a UsernameToken digest, and the stream addresses it gives probed with the real
 * RTSP client against our own RTSP camera. Then every way it can go wrong: wrong password, a camera clock an hour
 * off, HTTP Digest instead of WS-Security, a camera that does not know its own address, garbage answers,
 * a closed port, a camera that never answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ThinStreamError } from '../../src-shared/errors.js';
import { discoverCameras } from '../../src-main/discovery/camera-discovery.js';
import { fetchStreamUris } from '../../src-main/discovery/onvif-client.js';
import { checkUrlPatterns } from '../../src-main/discovery/url-pattern-check.js';
import { startRtspServer, type RtspServer } from '../../src-main/rtsp/server/index.js';
import { probe } from '../../src-main/cli/probe-command.js';
import { makeClip } from '../support/clips.js';
import { startOnvifSimulator, type OnvifSimulator, type SimulatedProfile } from '../support/onvif-simulator.js';

const USER = 'admin';
const PASSWORD = 'cam-Pass#1';
const MAIN_PATH = '/Streaming/Channels/101';
const SUB_PATH = '/Streaming/Channels/102';

let camera: RtspServer;
let profiles: SimulatedProfile[];

before(async () => {
  const main = await makeClip({ width: 640, height: 360, fps: 25, seconds: 2 });
  const sub = await makeClip({ width: 320, height: 180, fps: 25, seconds: 2 });
  const auth = { scheme: 'digest' as const, user: USER, password: PASSWORD };
  camera = await startRtspServer({
    mounts: [
      { path: MAIN_PATH, source: main.path, auth },
      { path: SUB_PATH, source: sub.path, auth },
    ],
  });
  profiles = [
    {
      token: 'Profile_1',
      name: 'mainStream',
      encoding: 'H264',
      width: 640,
      height: 360,
      fps: 25,
      bitrateKbps: 800,
      uri: camera.url(MAIN_PATH),
    },
    {
      token: 'Profile_2',
      name: 'subStream',
      encoding: 'H264',
      width: 320,
      height: 180,
      fps: 25,
      bitrateKbps: 256,
      uri: camera.url(SUB_PATH),
    },
    {
      token: 'Profile_3',
      name: 'h265Stream',
      encoding: 'H265',
      width: 640,
      height: 360,
      fps: 25,
      bitrateKbps: 512,
      uri: null,
    },
  ];
});

after(async () => {
  await camera.close();
});

/** Live UDP sockets, to show discovery closes its own. */
function udpHandles(): number {
  return process.getActiveResourcesInfo().filter((t) => t === 'UDPWrap').length;
}

async function withSimulator<T>(
  options: Partial<Parameters<typeof startOnvifSimulator>[0]>,
  fn: (sim: OnvifSimulator) => Promise<T>,
): Promise<T> {
  const sim = await startOnvifSimulator({
    user: USER,
    password: PASSWORD,
    profiles,
    name: 'Garage East',
    hardware: 'DS-2CD2143G2-I',
    manufacturer: 'Hikvision',
    ...options,
  });
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<ThinStreamError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ThinStreamError, `a ThinStreamError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('discovery and stream addresses against the ONVIF simulator', () => {
  test('a unicast probe finds the camera (address, name, model, xaddr), ignores garbage, and closes its socket', async () => {
    await withSimulator(
      {
        extraDiscoveryAnswers: [
          '<not xml',
          '<?xml version="1.0"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><d:Hello xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"/></e:Body></e:Envelope>',
          '\u0000\u0001binary',
        ],
      },
      async (sim) => {
        const udpBefore = udpHandles();
        const result = await discoverCameras({ targets: [{ host: '127.0.0.1', port: sim.udpPort }], timeoutMs: 800 });
        assert.equal(result.mode, 'unicast');
        assert.equal(result.cameras.length, 1);
        const found = result.cameras[0]!;
        assert.equal(found.address, '127.0.0.1');
        assert.equal(found.endpoint, sim.endpoint);
        assert.equal(found.xaddr, sim.xaddr);
        assert.equal(found.name, 'Garage East');
        assert.equal(found.model, 'DS-2CD2143G2-I');
        assert.equal(found.manufacturer, 'Hikvision');
        assert.equal(found.brandHint, 'hikvision');
        assert.ok(found.types.includes('dn:NetworkVideoTransmitter'));
        assert.ok(result.durationMs >= 700 && result.durationMs < 3000, `bounded: ${result.durationMs} ms`);
        assert.equal(sim.probes, 4, 'two probes (NVT, Device), each sent twice; the camera is listed once');
        assert.equal(result.ignored.length, 12, result.ignored.join('\n'));
        assert.ok(result.ignored.some((r) => /malformed XML/.test(r)));
        assert.ok(result.ignored.some((r) => /expected ProbeMatches, got <Hello>/.test(r)));
        // libuv frees a closed handle a moment after the close callback: wait for it, bounded.
        for (let i = 0; i < 50 && udpHandles() > udpBefore; i++) await new Promise((r) => setTimeout(r, 20));
        assert.equal(udpHandles(), udpBefore, 'no UDP socket left open');
      },
    );
  });

  test('a camera that answers only tds:Device probes (or only NVT probes) is found all the same', async () => {
    for (const only of ['Device', 'NetworkVideoTransmitter'] as const) {
      await withSimulator({ answersTypes: [only] }, async (sim) => {
        const result = await discoverCameras({ targets: [{ host: '127.0.0.1', port: sim.udpPort }], timeoutMs: 400 });
        assert.deepEqual(
          result.cameras.map((c) => c.endpoint),
          [sim.endpoint],
          only,
        );
        assert.equal(sim.probes, 2, `${only}: answered its own probe and the repeat`);
      });
    }
  });

  test("answers to another client's probe are not reported; nothing answering is an empty list in time", async () => {
    await withSimulator({ relatesToOverride: 'urn:uuid:00000000-0000-4000-8000-000000000000' }, async (sim) => {
      const result = await discoverCameras({ targets: [{ host: '127.0.0.1', port: sim.udpPort }], timeoutMs: 400 });
      assert.deepEqual(result.cameras, []);
      assert.ok(result.ignored.some((r) => /relates to another probe/.test(r)));
    });
    const silent = await discoverCameras({ targets: [{ host: '127.0.0.1', port: 9 }], timeoutMs: 300 });
    assert.deepEqual(silent.cameras, []);
    assert.ok(silent.durationMs < 2000);
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(), 100);
    const early = await discoverCameras({
      targets: [{ host: '127.0.0.1', port: 9 }],
      timeoutMs: 10_000,
      signal: aborted.signal,
    });
    assert.ok(early.durationMs < 2000, `abort ends the wait: ${early.durationMs} ms`);
  });

  test('with the password: main and sub stream URIs from GetProfiles/GetStreamUri, and the real client plays them', async () => {
    await withSimulator({}, async (sim) => {
      const found = await discoverCameras({ targets: [{ host: '127.0.0.1', port: sim.udpPort }], timeoutMs: 400 });
      const xaddr = found.cameras[0]!.xaddr;
      const result = await fetchStreamUris({ xaddr, user: USER, password: PASSWORD, timeoutMs: 5000 });
      assert.equal(result.mainUri, camera.url(MAIN_PATH));
      assert.equal(result.subUri, camera.url(SUB_PATH));
      assert.equal(result.manufacturer, 'Hikvision');
      assert.equal(result.model, 'DS-2CD2143G2-I');
      assert.match(
        result.mediaXaddr,
        /\/onvif\/media_service$/,
        'GetProfiles went to the media service GetCapabilities named',
      );
      assert.deepEqual(
        result.profiles.map((p) => [p.token, p.encoding, p.width, p.height, p.supported, p.uri !== null]),
        [
          ['Profile_1', 'H264', 640, 360, true, true],
          ['Profile_2', 'H264', 320, 180, true, true],
          ['Profile_3', 'H265', 640, 360, false, false],
        ],
      );
      assert.match(result.profiles[2]!.problem ?? '', /NoProfile/);
      assert.deepEqual(result.quirks, []);
      assert.ok(!JSON.stringify(result).includes(PASSWORD), 'the password is never in the answer');
      assert.deepEqual(
        sim.calls.map((c) => `${c.operation}${c.authenticated ? '+auth' : ''}`),
        [
          'GetSystemDateAndTime',
          'GetCapabilities+auth',
          'GetDeviceInformation+auth',
          'GetProfiles+auth',
          'GetStreamUri+auth',
          'GetStreamUri+auth',
          'GetStreamUri+auth',
        ],
      );

      // The address ONVIF gave is one the client plays: frames of the profile's size.
      for (const [uri, width, height] of [
        [result.mainUri!, 640, 360],
        [result.subUri!, 320, 180],
      ] as const) {
        const report = await probe({
          url: uri,
          user: USER,
          password: PASSWORD,
          transport: 'tcp',
          seconds: 1,
          json: true,
          timeoutMs: 5000,
        });
        assert.equal(report.codec, 'h264');
        assert.deepEqual([report.width, report.height], [width, height]);
        assert.ok(report.frames >= 15, `${report.frames} frames from ${uri}`);
      }
    });
  });

  test('a wrong password is "the camera refused the credentials", and no password at all says one is needed', async () => {
    await withSimulator({}, async (sim) => {
      await rejectsWith(
        fetchStreamUris({ xaddr: sim.xaddr, user: USER, password: 'wrong', timeoutMs: 5000 }),
        'ONVIF_AUTH_REFUSED',
        /GetCapabilities at http:\/\/127\.0\.0\.1:\d+\/onvif\/device_service: the camera refused the credentials \(SOAP fault Sender\/NotAuthorized/,
      );
      await rejectsWith(
        fetchStreamUris({ xaddr: sim.xaddr, timeoutMs: 5000 }),
        'ONVIF_AUTH_REFUSED',
        /the camera wants a user and password/,
      );
    });
    await withSimulator({ authFaultStatus: 401 }, async (sim) => {
      await rejectsWith(
        fetchStreamUris({ xaddr: sim.xaddr, user: USER, password: 'wrong', timeoutMs: 5000 }),
        'ONVIF_AUTH_REFUSED',
        /refused the credentials/,
      );
    });
  });

  test("a camera clock an hour off: the token is made in the camera's time (quirk clock-offset)", async () => {
    await withSimulator({ clockOffsetMs: 3600_000, maxClockSkewMs: 30_000 }, async (sim) => {
      const result = await fetchStreamUris({ xaddr: sim.xaddr, user: USER, password: PASSWORD, timeoutMs: 5000 });
      assert.equal(result.mainUri, camera.url(MAIN_PATH));
      assert.deepEqual(result.quirks, ['clock-offset']);
    });
  });

  test('a camera that wants HTTP Digest instead of WS-Security is answered (quirk http-digest); a wrong password still refused', async () => {
    await withSimulator({ httpDigest: true }, async (sim) => {
      const result = await fetchStreamUris({ xaddr: sim.xaddr, user: USER, password: PASSWORD, timeoutMs: 5000 });
      assert.equal(result.subUri, camera.url(SUB_PATH));
      assert.deepEqual(result.quirks, ['http-digest']);
      await rejectsWith(
        fetchStreamUris({ xaddr: sim.xaddr, user: USER, password: 'nope', timeoutMs: 5000 }),
        'ONVIF_AUTH_REFUSED',
        /refused the credentials of user "admin" \(HTTP 401 to HTTP Digest\)/,
      );
    });
  });

  test("a media XAddr of 0.0.0.0 is asked at the address we reached; a host without path gets ONVIF's default path", async () => {
    await withSimulator({ mediaXaddrHost: '0.0.0.0' }, async (sim) => {
      const viaLocalhost = `localhost:${sim.httpPort}`;
      const result = await fetchStreamUris({ xaddr: viaLocalhost, user: USER, password: PASSWORD, timeoutMs: 5000 });
      assert.equal(result.xaddr, `http://localhost:${sim.httpPort}/onvif/device_service`);
      assert.equal(result.mediaXaddr, `http://localhost:${sim.httpPort}/onvif/media_service`);
      assert.ok(result.quirks.includes('media-xaddr-rewritten'));
      assert.equal(result.mainUri, camera.url(MAIN_PATH));
    });
  });

  test('malformed or foreign answers are clear errors naming the call, never a crash', async () => {
    const cases: Array<[Record<string, { status: number; body: string }>, string, RegExp]> = [
      [
        { GetProfiles: { status: 200, body: '<SOAP-ENV:Envelope><unclosed>' } },
        'ONVIF_BAD_RESPONSE',
        /GetProfiles at .*: the answer is not SOAP \(malformed XML/,
      ],
      [
        { GetProfiles: { status: 500, body: '<html><body>Internal error</body></html>' } },
        'ONVIF_BAD_RESPONSE',
        /GetProfiles at .*: HTTP 500 and the answer is not a SOAP envelope/,
      ],
      [
        { GetProfiles: { status: 200, body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>' } },
        'ONVIF_BAD_RESPONSE',
        /document type declarations are not allowed/,
      ],
      [
        {
          GetProfiles: {
            status: 200,
            body: '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><trt:GetVideoSourcesResponse xmlns:trt="urn:x"/></e:Body></e:Envelope>',
          },
        },
        'ONVIF_BAD_RESPONSE',
        /expected <GetProfilesResponse>, got <GetVideoSourcesResponse>/,
      ],
      [
        {
          GetProfiles: {
            status: 500,
            body: '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><e:Fault><e:Code><e:Value>e:Receiver</e:Value></e:Code><e:Reason><e:Text>Media service busy</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>',
          },
        },
        'ONVIF_FAULT',
        /GetProfiles at .*: the camera answered with a SOAP fault \(Receiver: Media service busy\)/,
      ],
    ];
    for (const [rawAnswers, code, message] of cases) {
      await withSimulator({ rawAnswers }, async (sim) => {
        await rejectsWith(
          fetchStreamUris({ xaddr: sim.xaddr, user: USER, password: PASSWORD, timeoutMs: 5000 }),
          code,
          message,
        );
      });
    }
    await withSimulator({}, async (sim) => {
      await rejectsWith(
        fetchStreamUris({ xaddr: `http://127.0.0.1:${sim.httpPort}/not/onvif`, user: USER, password: PASSWORD }),
        'ONVIF_BAD_RESPONSE',
        /HTTP 404: no ONVIF service at this address/,
      );
    });
  });

  test('a closed port is ONVIF_UNREACHABLE; a camera that never answers is ONVIF_TIMEOUT within the time given', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await rejectsWith(
      fetchStreamUris({ xaddr: `127.0.0.1:${closedPort}`, user: USER, password: PASSWORD, timeoutMs: 3000 }),
      'ONVIF_UNREACHABLE',
      /refused the connection \(is ONVIF switched on in the camera, is the port right\?\)/,
    );

    const held = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      held.add(socket);
      socket.on('data', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const startMs = Date.now();
      await rejectsWith(
        fetchStreamUris({
          xaddr: `127.0.0.1:${(silent.address() as AddressInfo).port}`,
          user: USER,
          password: PASSWORD,
          timeoutMs: 600,
        }),
        'ONVIF_TIMEOUT',
        /GetSystemDateAndTime at .*: no answer within \d+ ms/,
      );
      assert.ok(Date.now() - startMs < 2000, 'bounded by the timeout');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
    await rejectsWith(fetchStreamUris({ xaddr: 'ftp://camera/' }), 'URL_INVALID', /is http:\/\/ or https:\/\//);
  });
});

describe('brand URL patterns tried with RTSP DESCRIBE', () => {
  test('with the right password only the Hikvision paths answer 200; others 404', async () => {
    const checks = await checkUrlPatterns({
      host: '127.0.0.1',
      port: camera.port,
      user: USER,
      password: PASSWORD,
      patterns: ['hikvision', 'dahua', 'reolink'],
      timeoutMs: 10_000,
    });
    assert.deepEqual(
      checks.map((c) => [c.patternId, c.stream, c.outcome, c.status]),
      [
        ['hikvision', 'main', 'ok', 200],
        ['hikvision', 'sub', 'ok', 200],
        ['dahua', 'main', 'not-found', 404],
        ['dahua', 'sub', 'not-found', 404],
        ['reolink', 'main', 'not-found', 404],
        ['reolink', 'sub', 'not-found', 404],
      ],
    );
    assert.equal(checks[0]!.url, `rtsp://127.0.0.1:${camera.port}${MAIN_PATH}`);
    assert.match(checks[0]!.message, /describes a video stream/);
  });

  test('without credentials: needs-credentials; with a wrong password: refused once, then no more tries', async () => {
    const anonymous = await checkUrlPatterns({ host: '127.0.0.1', port: camera.port, patterns: ['hikvision'] });
    assert.deepEqual(
      anonymous.map((c) => c.outcome),
      ['needs-credentials', 'needs-credentials'],
    );
    const wrong = await checkUrlPatterns({
      host: '127.0.0.1',
      port: camera.port,
      user: USER,
      password: 'wrong',
      patterns: ['hikvision', 'dahua'],
    });
    assert.deepEqual(
      wrong.map((c) => c.outcome),
      ['auth-refused', 'skipped', 'skipped', 'skipped'],
    );
    assert.match(wrong[1]!.message, /already refused these credentials/);
  });

  test('a port nobody listens on is unreachable once and skipped after', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const checks = await checkUrlPatterns({ host: '127.0.0.1', port, patterns: ['tapo', 'axis'] });
    assert.deepEqual(
      checks.map((c) => c.outcome),
      ['unreachable', 'skipped', 'skipped', 'skipped'],
    );
  });
});
