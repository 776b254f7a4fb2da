/**
 * resolveConfig(): a validated config file → the flat, fully-defaulted ResolvedConfig the runtime consumes.
 * Stream parameters are `server.defaults.streams.params` overridden per version by `versions[].params` (objects
 * merged key by key, the version winning); relative paths are resolved against the config file's folder; sizes
 * and durations become bytes and milliseconds.
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { makeStreamId } from '../../src-shared/access-unit.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { CONFIG_DEFAULTS, defaultCaDef, defaultSubject } from '../../src-shared/config/config-defaults.js';
import type {
  CertificateDef,
  HttpPortConfig,
  KeyRef,
  StreamParams,
  StreamsGroup,
  ThinStreamConfig,
} from '../../src-shared/config/config-types.js';
import type {
  ResolvedCamera,
  ResolvedCertDef,
  ResolvedConfig,
  ResolvedHttpPort,
  ResolvedKeyFile,
  ResolvedStreamVersion,
  ResolvedTls,
} from '../../src-shared/config/resolved-config.js';
import { isSecretRef } from '../../src-shared/config/secrets.js';
import { durationToMs, sizeToBytes } from '../../src-shared/config/units.js';
import { formatRtspUrl, hasScheme, parseRtspUrl } from '../../src-shared/config/rtsp-url.js';
import type { RtspUrlParts } from '../../src-shared/config/rtsp-url.js';
import { isJsonObject } from '../../src-shared/config/config-checker.js';

export interface ResolveOptions {
  /** The folder of the config file: relative paths in it are resolved against this. */
  configDir: string;
}

/** Expects a config that passed validateConfig(); throws CONFIG_INVALID for a secret reference not revealed. */
export function resolveConfig(config: ThinStreamConfig, options: ResolveOptions): ResolvedConfig {
  const configDir = resolve(options.configDir);
  const at = (p: string | undefined, fallback: string): string => resolvePath(configDir, p ?? fallback);
  const storageConfig = config.context?.filesystem?.streams;
  const storageDefaults = storageConfig?.defaults;
  const storage = {
    rootPath: at(storageConfig?.rootPath, CONFIG_DEFAULTS.storage.rootPath),
    limitBytes: sizeToBytes(storageDefaults?.limit ?? CONFIG_DEFAULTS.storage.limit),
    isReadOnly: storageDefaults?.isReadOnly ?? CONFIG_DEFAULTS.storage.isReadOnly,
    keepUnknownFiles: storageDefaults?.keepUnknownFiles ?? CONFIG_DEFAULTS.storage.keepUnknownFiles,
    waitForLoad: storageDefaults?.waitForLoad ?? CONFIG_DEFAULTS.storage.waitForLoad,
    initialLoadThreads: storageDefaults?.initialLoadThreads ?? CONFIG_DEFAULTS.storage.initialLoadThreads,
  };

  const rtsp = config.server?.rtsp;
  const rtp = {
    rtspEnabled: rtsp?.isDisabled !== true,
    udpEnabled: rtsp?.rtp?.isDisabled !== true,
    ports: [...(rtsp?.rtp?.server?.ports ?? CONFIG_DEFAULTS.rtsp.rtpPorts)],
    rtcpPort: rtsp?.rtcp?.isDisabled === true ? null : (rtsp?.rtcp?.port ?? CONFIG_DEFAULTS.rtsp.rtcpPort),
  };
  const timeouts = rtsp?.requests?.timeouts;
  const shared = {
    connectTimeoutMs: timeouts?.max?.msConnect ?? timeouts?.min?.msConnect ?? CONFIG_DEFAULTS.rtsp.connectTimeoutMs,
    reorderQueueSize: rtsp?.rtp?.server?.perStream?.orderingQueueSz ?? CONFIG_DEFAULTS.rtsp.orderingQueueSz,
    rtspEnabled: rtp.rtspEnabled,
    udpEnabled: rtp.udpEnabled,
    rootPath: storage.rootPath,
    defaults: config.server?.defaults?.streams?.params ?? {},
  };
  const cameras: ResolvedCamera[] = [];
  (config.server?.streamsGrps ?? []).forEach((group, g) => cameras.push(...resolveGroup(group, g, shared)));

  const maxs = config.http?.maxs;
  const http = {
    maxConns: maxs?.connsIn ?? 0,
    idleMs: Math.round((maxs?.secsIdle ?? 0) * 1000),
    bps: { inBps: maxs?.bps?.in ?? 0, outBps: maxs?.bps?.out ?? 0 },
    ports: (config.http?.ports ?? []).map((port, i) => resolveHttpPort(port, i, at)),
  };

  const ca = config.context?.caCert;
  const caCertPath = at(ca?.path, CONFIG_DEFAULTS.certs.caCertPath);
  const usr = config.context?.usrCert;
  const certs = {
    ca: {
      certPath: caCertPath,
      key: keyFile(ca?.key, at, CONFIG_DEFAULTS.certs.caKeyPath, CONFIG_DEFAULTS.certs.caKeyName, 'context.caCert.key'),
      def: certDef(ca?.def, defaultCaDef()),
    },
    registryPath: join(dirname(caCertPath), CONFIG_DEFAULTS.certs.registryFilename),
    clientDef: certDef(usr, {
      subject: defaultSubject('ThinStream device'),
      bits: CONFIG_DEFAULTS.certs.bits,
      daysValid: CONFIG_DEFAULTS.certs.clientDaysValid,
    }),
    serverDaysValid: CONFIG_DEFAULTS.certs.serverDaysValid,
  };

  return { configDir, storage, rtp, cameras, streams: cameras.flatMap((c) => c.versions), http, certs };
}

interface SharedStreamSettings {
  connectTimeoutMs: number;
  reorderQueueSize: number;
  rtspEnabled: boolean;
  udpEnabled: boolean;
  rootPath: string;
  defaults: StreamParams;
}

function resolveGroup(group: StreamsGroup, g: number, shared: SharedStreamSettings): ResolvedCamera[] {
  const groupInfo = { uid: group.uid ?? `group-${g}`, name: group.name ?? group.uid ?? `Group ${g + 1}` };
  return (group.streams ?? []).map((stream, s) => {
    const device = stream.device ?? {};
    const deviceUid = device.uid ?? '';
    const name = device.name !== undefined && device.name !== '' ? device.name : deviceUid;
    const cameraEnabled = group.isDisabled !== true && stream.isDisabled !== true;
    const devicePath = `server.streamsGrps[${g}].streams[${s}].device`;
    const versions = (stream.versions ?? []).map((version, v): ResolvedStreamVersion => {
      const versionSid = version.sid ?? '';
      const params = mergeParams(shared.defaults, version.params ?? {});
      const uriPath = `server.streamsGrps[${g}].streams[${s}].versions[${v}].uri`;
      const target = streamUrl(version.uri ?? '', device.server, device.port, device.useSSL === true, uriPath);
      const user = nonEmpty(device.user) ?? target.user;
      const password = plainSecret(nonEmpty(device.pass) ?? target.password, `${devicePath}.pass`);
      const enabled = cameraEnabled && version.isDisabled !== true && shared.rtspEnabled;
      let transport = params.rtsp?.transport ?? CONFIG_DEFAULTS.stream.transport;
      if (!shared.udpEnabled && transport === 'auto') transport = 'tcp';
      const write = params.write;
      const maxAgeMs = durationToMs(write?.files?.maxAge ?? CONFIG_DEFAULTS.stream.maxAge);
      const streamLimitBytes = sizeToBytes(write?.limit ?? CONFIG_DEFAULTS.stream.streamLimit);
      return {
        streamId: makeStreamId(deviceUid, versionSid),
        deviceUid,
        versionSid,
        name,
        group: groupInfo,
        enabled,
        url: target.url,
        user,
        password,
        useSSL: target.useSSL,
        transport,
        assumeConnDroppedAfterMs: durationToMs(
          params.rtp?.assumeConnDroppedAfter ?? CONFIG_DEFAULTS.stream.assumeConnDroppedAfter,
        ),
        connectTimeoutMs: shared.connectTimeoutMs,
        reorderQueueSize: shared.reorderQueueSize,
        recording: {
          enabled: enabled && (write?.mode === undefined ? CONFIG_DEFAULTS.stream.recording : write.mode !== 'never'),
          folder: join(shared.rootPath, deviceUid, versionSid),
          dividerMs: durationToMs(write?.files?.payload?.divider ?? CONFIG_DEFAULTS.stream.divider),
          fileLimitBytes: sizeToBytes(write?.files?.payload?.limit ?? CONFIG_DEFAULTS.stream.fileLimit),
          nameDigits: write?.files?.nameDigits ?? CONFIG_DEFAULTS.stream.nameDigits,
          fsync: write?.files?.fsync ?? CONFIG_DEFAULTS.stream.fsync,
          maxAgeMs: maxAgeMs === 0 ? null : maxAgeMs,
          streamLimitBytes: streamLimitBytes === 0 ? null : streamLimitBytes,
        },
      };
    });
    return { deviceUid, name, group: groupInfo, enabled: cameraEnabled, versions };
  });
}

/**
 * The URL to connect to. A uri with a host is used as written (the device's port fills in a missing port when the
 * hosts match); a uri that is only a path gets the device's server and port. `useSSL` makes it rtsps://.
 * Credentials written in the uri are taken out (returned apart), so the URL is safe to log.
 */
function streamUrl(
  uri: string,
  server: string | undefined,
  port: number | string | undefined,
  useSSL: boolean,
  path: string,
): { url: string; user: string | undefined; password: string | undefined; useSSL: boolean } {
  const devicePort = port === undefined || port === '' ? undefined : Number(port);
  let parts: RtspUrlParts;
  if (hasScheme(uri)) {
    const parsed = parseRtspUrl(uri);
    if (!parsed.ok) throw new ThinStreamError('URL_INVALID', `${path}: ${parsed.reason}`, { path });
    parts = parsed.url;
    if (parts.port === undefined && server !== undefined && sameHost(server, parts.host)) parts.port = devicePort;
  } else {
    const host = server?.replace(/^\[(.*)\]$/, '$1') ?? '';
    const pathAndQuery = uri.startsWith('/') ? uri : `/${uri}`;
    parts = { scheme: 'rtsp', user: undefined, password: undefined, host, port: devicePort, pathAndQuery };
  }
  const tls = useSSL || parts.scheme === 'rtsps';
  const url = formatRtspUrl({ ...parts, scheme: tls ? 'rtsps' : 'rtsp' });
  return { url, user: parts.user, password: parts.password, useSSL: tls };
}

function sameHost(a: string, b: string): boolean {
  return a.replace(/^\[(.*)\]$/, '$1').toLowerCase() === b.toLowerCase();
}

function resolveHttpPort(port: HttpPortConfig, index: number, at: (p: string | undefined, f: string) => string) {
  const number = port.port ?? 0;
  const limits = port.perConn?.limits;
  const ssl = port.ssl;
  let tls: ResolvedTls | null = null;
  if (ssl?.isDisabled !== true) {
    const base = number !== 0 ? `thinstream_port_${number}` : `thinstream_port_index${index}`;
    const source = ssl?.cert?.source;
    tls = {
      certPath: at(source?.path, `${base}.cert.der`),
      key: keyFile(source?.key, at, `${base}.key.p12`, base, `http.ports[${index}].ssl.cert.source.key`),
      def: certDef(source?.def, {
        subject: defaultSubject('ThinStream server'),
        bits: CONFIG_DEFAULTS.certs.bits,
        daysValid: CONFIG_DEFAULTS.certs.serverDaysValid,
      }),
      clientCert: ssl?.cert?.isRequired === true ? 'require' : ssl?.cert?.isRequested === true ? 'request' : 'none',
    };
  }
  const resolved: ResolvedHttpPort = {
    index,
    port: number,
    desc: port.desc ?? '',
    enabled: port.isDisabled !== true,
    tls,
    maxConns: port.conns?.conns ?? 0,
    bps: { inBps: port.conns?.bps?.in ?? 0, outBps: port.conns?.bps?.out ?? 0 },
    perConn: {
      idleMs: Math.round((limits?.secsIdle ?? CONFIG_DEFAULTS.http.secsIdle) * 1000),
      overqueueingMs: Math.round((limits?.secsOverqueueing ?? CONFIG_DEFAULTS.http.secsOverqueueing) * 1000),
      bps: { inBps: limits?.bps?.in ?? 0, outBps: limits?.bps?.out ?? 0 },
    },
  };
  return resolved;
}

function keyFile(
  key: KeyRef | undefined,
  at: (p: string | undefined, f: string) => string,
  defaultPath: string,
  defaultName: string,
  path: string,
): ResolvedKeyFile {
  return {
    path: at(key?.path, defaultPath),
    pass: plainSecret(key?.pass, `${path}.pass`) ?? '',
    name: nonEmpty(key?.name) ?? defaultName,
  };
}

function certDef(def: CertificateDef | undefined, fallback: ResolvedCertDef): ResolvedCertDef {
  return {
    subject:
      def?.subject !== undefined && def.subject.length > 0 ? def.subject.map((a) => ({ ...a })) : fallback.subject,
    bits: def?.bits ?? fallback.bits,
    daysValid: def?.daysValid ?? fallback.daysValid,
  };
}

/** Version params over default params: objects merged key by key, anything else replaced; null = not set. */
export function mergeParams(base: StreamParams, over: StreamParams): StreamParams {
  return mergeObjects(base as Record<string, unknown>, over as Record<string, unknown>) as StreamParams;
}

function mergeObjects(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null || value === undefined || key === '__proto__') continue;
    const prior = out[key];
    out[key] = isJsonObject(prior) && isJsonObject(value) ? mergeObjects(prior, value) : value;
  }
  return out;
}

function resolvePath(configDir: string, p: string): string {
  if (p === '~' || p.startsWith('~/')) return join(homedir(), p.slice(1));
  return isAbsolute(p) ? resolve(p) : resolve(configDir, p);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function plainSecret(value: string | undefined, path: string): string | undefined {
  if (value !== undefined && isSecretRef(value))
    throw new ThinStreamError(
      'CONFIG_INVALID',
      `${path} refers to the key store (${value}); reveal secrets (revealSecrets) before resolving the config`,
      { path },
    );
  return value;
}
