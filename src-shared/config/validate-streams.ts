/**
 * Validation of the `server` section: stream parameters, the RTSP/RTP settings, and the camera list
 * (`streamsGrps[].streams[].versions[]`) with its uniqueness rules. Part of validateConfig().
 */
import type { ConfigChecker, JsonObject, KeySpec } from './config-checker.js';
import { joinPath } from './config-checker.js';
import { ALWAYS_MODES, ID_RE } from './config-defaults.js';
import { checkHost, hasScheme, parseRtspUrl } from './rtsp-url.js';
import { show } from './units.js';

const PARAMS: KeySpec = { used: ['read', 'write', 'rtsp', 'rtp'], unused: ['buffers'] };
const GROUP: KeySpec = { used: ['isDisabled', 'uid', 'name', 'streams'] };
const STREAM: KeySpec = { used: ['isDisabled', 'device', 'versions'] };
const DEVICE: KeySpec = { used: ['uid', 'name', 'server', 'port', 'useSSL', 'user', 'pass'] };
const VERSION: KeySpec = { used: ['sid', 'isDisabled', 'uri', 'params'] };
const PORT_RANGE = { min: 0, max: 65535 };

/** What the cross-checks need from one stream's parameters. */
export interface CheckedParams {
  transport?: string;
}

/** `server.defaults.streams.params` or a version's `params`. */
export function checkStreamParams(c: ConfigChecker, params: JsonObject, path: string): CheckedParams {
  const read = c.object(params, 'read', path, { used: ['mode'], unused: ['source'] });
  if (read) c.oneOf(read, 'mode', joinPath(path, 'read'), ALWAYS_MODES);

  const write = c.object(params, 'write', path, { used: ['mode', 'files', 'limit'] });
  if (write) {
    const at = joinPath(path, 'write');
    c.oneOf(write, 'mode', at, [...ALWAYS_MODES, 'never']);
    c.size(write, 'limit', at, 1024 * 1024);
    const files = c.object(write, 'files', at, {
      used: ['nameDigits', 'payload', 'fsync', 'maxAge'],
      unused: ['buffKeyframes', 'index'],
    });
    if (files) {
      const filesAt = joinPath(at, 'files');
      c.int(files, 'nameDigits', filesAt, { min: 1, max: 12 });
      c.oneOf(files, 'fsync', filesAt, ['never', 'fragment', 'segment']);
      c.duration(files, 'maxAge', filesAt, 60_000, true);
      const payload = c.object(files, 'payload', filesAt, { used: ['divider', 'limit'] });
      if (payload) {
        c.duration(payload, 'divider', joinPath(filesAt, 'payload'), 1000);
        c.size(payload, 'limit', joinPath(filesAt, 'payload'), 64 * 1024);
      }
    }
  }

  const checked: CheckedParams = {};
  const rtsp = c.object(params, 'rtsp', path, { used: ['ports', 'transport'] });
  if (rtsp) {
    const at = joinPath(path, 'rtsp');
    checked.transport = c.oneOf(rtsp, 'transport', at, ['udp', 'tcp', 'auto']);
    const ports = c.object(rtsp, 'ports', at, { used: ['rtp', 'rtcp'] });
    if (ports) {
      for (const key of ['rtp', 'rtcp']) {
        const port = c.int(ports, key, joinPath(at, 'ports'), PORT_RANGE);
        if (port !== undefined && port !== 0)
          c.warn(
            joinPath(joinPath(at, 'ports'), key),
            'is ignored: every stream shares the server ports server.rtsp.rtp.server.ports and server.rtsp.rtcp.port',
            'caveat',
          );
      }
    }
  }
  const rtp = c.object(params, 'rtp', path, { used: ['assumeConnDroppedAfter'] });
  if (rtp) c.duration(rtp, 'assumeConnDroppedAfter', joinPath(path, 'rtp'), 1000);
  return checked;
}

/** `server.rtsp`; returns whether UDP RTP is enabled, for the transport cross-check. */
export function checkRtspSection(c: ConfigChecker, server: JsonObject, path: string): { udpEnabled: boolean } {
  const rtsp = c.object(server, 'rtsp', path, { used: ['isDisabled', 'requests', 'rtp', 'rtcp'] });
  if (!rtsp) return { udpEnabled: true };
  const at = joinPath(path, 'rtsp');
  c.bool(rtsp, 'isDisabled', at);
  const requests = c.object(rtsp, 'requests', at, { used: ['timeouts'] });
  const timeouts = requests && c.object(requests, 'timeouts', joinPath(at, 'requests'), { used: ['min', 'max'] });
  if (timeouts) {
    const timeoutsAt = joinPath(joinPath(at, 'requests'), 'timeouts');
    for (const key of ['min', 'max']) {
      const limit = c.object(timeouts, key, timeoutsAt, { used: ['retries', 'msConnect'] });
      if (!limit) continue;
      c.int(limit, 'retries', joinPath(timeoutsAt, key), { min: 0, max: 100 });
      c.int(limit, 'msConnect', joinPath(timeoutsAt, key), { min: 1, max: 600_000 });
    }
  }

  let udpEnabled = true;
  let rtpPorts: number[] = [];
  const rtp = c.object(rtsp, 'rtp', at, { used: ['isDisabled', 'server'] });
  if (rtp) {
    const rtpAt = joinPath(at, 'rtp');
    udpEnabled = c.bool(rtp, 'isDisabled', rtpAt) !== true;
    const server = c.object(rtp, 'server', rtpAt, {
      used: ['ports', 'perStream'],
      unused: ['atomicStats', 'packets', 'perPort'],
    });
    if (server) {
      const serverAt = joinPath(rtpAt, 'server');
      const ports = c.array(server, 'ports', serverAt);
      if (ports) {
        if (ports.length === 0 && udpEnabled) c.error(joinPath(serverAt, 'ports'), 'must list at least one UDP port');
        rtpPorts = ports.flatMap((value, i) => {
          const port = c.intValue(value, joinPath(joinPath(serverAt, 'ports'), i), PORT_RANGE);
          return port === undefined ? [] : [port];
        });
      }
      const perStream = c.object(server, 'perStream', serverAt, {
        used: ['orderingQueueSz'],
        unused: ['packetsBuffSz'],
      });
      if (perStream) c.int(perStream, 'orderingQueueSz', joinPath(serverAt, 'perStream'), { min: 0, max: 1024 });
    }
  }
  const rtcp = c.object(rtsp, 'rtcp', at, { used: ['isDisabled', 'port'] });
  if (rtcp) {
    c.bool(rtcp, 'isDisabled', joinPath(at, 'rtcp'));
    const port = c.int(rtcp, 'port', joinPath(at, 'rtcp'), PORT_RANGE);
    if (port !== undefined && port !== 0 && rtpPorts.includes(port))
      c.error(joinPath(joinPath(at, 'rtcp'), 'port'), `port ${port} is already the RTP port; RTCP needs its own port`);
  }
  return { udpEnabled };
}

/** `server.streamsGrps`: every group, camera and version, unique ids, URLs. */
export function checkStreamGroups(
  c: ConfigChecker,
  server: JsonObject,
  path: string,
  defaults: CheckedParams,
  udpEnabled: boolean,
): void {
  const groupUids = new Map<string, string>();
  const deviceUids = new Map<string, string>();
  for (const group of c.objects(server, 'streamsGrps', path, GROUP)) {
    c.bool(group.value, 'isDisabled', group.path);
    c.string(group.value, 'name', group.path);
    const uid = c.string(group.value, 'uid', group.path, { nonEmpty: true });
    if (uid !== undefined) unique(c, groupUids, uid, joinPath(group.path, 'uid'), 'another group');

    for (const stream of c.objects(group.value, 'streams', group.path, STREAM)) {
      c.bool(stream.value, 'isDisabled', stream.path);
      const device = c.object(stream.value, 'device', stream.path, DEVICE);
      const deviceAt = joinPath(stream.path, 'device');
      if (!device) {
        if (stream.value['device'] === undefined || stream.value['device'] === null)
          c.error(deviceAt, 'is required: the camera (uid, name, server, port, user, pass)');
        continue;
      }
      const deviceUid = checkId(c, device, 'uid', deviceAt);
      if (deviceUid !== undefined) unique(c, deviceUids, deviceUid, joinPath(deviceAt, 'uid'), 'another camera');
      c.string(device, 'name', deviceAt);
      const host = c.string(device, 'server', deviceAt);
      if (host !== undefined && host !== '') {
        const bad = checkHost(host);
        if (bad !== null)
          c.error(
            joinPath(deviceAt, 'server'),
            `must be a host name or address (like "cam1.local" or "192.168.1.20"), got ${show(host)}`,
          );
      }
      c.int(device, 'port', deviceAt, { min: 1, max: 65535, allowString: true });
      c.bool(device, 'useSSL', deviceAt);
      c.string(device, 'user', deviceAt);
      c.string(device, 'pass', deviceAt);

      const versions = c.objects(stream.value, 'versions', stream.path, VERSION);
      if (versions.length === 0 && !Array.isArray(stream.value['versions']))
        c.error(
          joinPath(stream.path, 'versions'),
          'is required: a list of the camera’s streams, each with sid and uri',
        );
      else if (versions.length === 0)
        c.error(joinPath(stream.path, 'versions'), 'must list at least one stream (sid and uri)');
      const sids = new Map<string, string>();
      for (const version of versions) {
        const sid = checkId(c, version.value, 'sid', version.path);
        if (sid !== undefined)
          unique(c, sids, sid, joinPath(version.path, 'sid'), `another stream of camera ${show(deviceUid ?? '?')}`);
        c.bool(version.value, 'isDisabled', version.path);
        checkUri(c, version.value, version.path, host);
        const params = c.object(version.value, 'params', version.path, PARAMS);
        const own = params ? checkStreamParams(c, params, joinPath(version.path, 'params')) : {};
        const transport = own.transport ?? defaults.transport;
        if (transport === 'udp' && !udpEnabled) {
          const at = own.transport !== undefined ? joinPath(version.path, 'params') : 'server.defaults.streams.params';
          c.error(
            joinPath(joinPath(at, 'rtsp'), 'transport'),
            'is "udp" but server.rtsp.rtp.isDisabled is true; use "tcp" or "auto", or enable RTP over UDP',
          );
        }
      }
    }
  }
}

function checkId(c: ConfigChecker, obj: JsonObject, key: string, path: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    c.error(joinPath(path, key), `is required: a short name of letters, digits, ".", "_" or "-"`);
    return undefined;
  }
  const id = c.string(obj, key, path);
  if (id === undefined) return undefined;
  if (!ID_RE.test(id) || id === '.' || id === '..') {
    c.error(
      joinPath(path, key),
      `must be 1 to 64 letters, digits, ".", "_" or "-" (it names a folder and a URL), got ${show(id)}`,
    );
    return undefined;
  }
  return id;
}

function unique(c: ConfigChecker, seen: Map<string, string>, id: string, path: string, what: string): void {
  const first = seen.get(id);
  if (first !== undefined) c.error(path, `${show(id)} is already used by ${what} (${first})`);
  else seen.set(id, path);
}

function checkUri(c: ConfigChecker, version: JsonObject, path: string, deviceHost: string | undefined): void {
  const at = joinPath(path, 'uri');
  if (version['uri'] === undefined || version['uri'] === null) {
    c.error(at, 'is required: the stream’s address, like "rtsp://192.168.1.20:554/stream1"');
    return;
  }
  const uri = c.string(version, 'uri', path, { nonEmpty: true });
  if (uri === undefined) return;
  if (!hasScheme(uri)) {
    if (deviceHost === undefined || deviceHost === '')
      c.error(
        at,
        `is a path without a host, and the camera has no device.server; write a full rtsp:// URL, got ${show(uri)}`,
      );
    else if (/\s/.test(uri)) c.error(at, `must not contain spaces (write them as %20), got ${show(uri)}`);
    return;
  }
  const parsed = parseRtspUrl(uri);
  if (!parsed.ok) c.error(at, `must be an rtsp:// or rtsps:// URL, got ${show(uri)}: ${parsed.reason}`);
}
