/**
 * Run by test/integration/discovery-multicast.test.ts inside a fresh network namespace (`unshare -n`), where
 * multicast cannot leave the machine: two ONVIF simulators join 239.255.255.250:3702, the product's multicast
 * discovery (default interfaces) finds them, and each found XAddr is asked for its stream addresses. Prints one
 * JSON line with what it saw. Not a test file by itself.
 */
import { discoverCameras } from '../../src-main/discovery/camera-discovery.js';
import { fetchStreamUris } from '../../src-main/discovery/onvif-client.js';
import { startOnvifSimulator } from '../support/onvif-simulator.js';

const profile = (n: number) => [
  {
    token: 'main',
    name: 'main',
    encoding: 'H264',
    width: 1920,
    height: 1080,
    fps: 25,
    bitrateKbps: 4096,
    uri: `rtsp://127.0.0.1:554/cam${n}/main`,
  },
  {
    token: 'sub',
    name: 'sub',
    encoding: 'H264',
    width: 640,
    height: 360,
    fps: 15,
    bitrateKbps: 512,
    uri: `rtsp://127.0.0.1:554/cam${n}/sub`,
  },
];

const sims = await Promise.all(
  [1, 2].map((n) =>
    startOnvifSimulator({
      user: 'admin',
      password: `pw${n}`,
      profiles: profile(n),
      name: `Camera ${n}`,
      hardware: `SIM-${n}`,
      discovery: 'multicast',
    }),
  ),
);
try {
  const found = await discoverCameras({ timeoutMs: 1000 });
  const streams = [];
  for (const cam of found.cameras) {
    const n = Number(cam.name?.slice(-1));
    const r = await fetchStreamUris({ xaddr: cam.xaddr, user: 'admin', password: `pw${n}`, timeoutMs: 3000 });
    streams.push({ name: cam.name, mainUri: r.mainUri, subUri: r.subUri });
  }
  process.stdout.write(
    JSON.stringify({
      mode: found.mode,
      cameras: found.cameras.map((c) => ({ name: c.name, model: c.model, xaddr: c.xaddr, endpoint: c.endpoint })),
      endpoints: sims.map((s) => s.endpoint),
      probes: sims.map((s) => s.probes),
      streams,
      ignored: found.ignored,
    }) + '\n',
  );
} finally {
  await Promise.all(sims.map((s) => s.close()));
}
