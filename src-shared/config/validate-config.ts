/**
 * validateConfig(): checks a whole config file at once and reports EVERY problem, each as
 * `{ code: 'CONFIG_INVALID', message, path }` with the value's JSON path, plus warnings for keys it keeps but
 * ignores. Pure: the CLI (`-c`), the API (PUT /config) and the config editor in the browser run the same checks.
 */
import type { ErrorInfo } from '../errors.js';
import { ThinStreamError } from '../errors.js';
import type { ConfigWarning, ThinStreamConfig } from './config-types.js';
import type { JsonObject, KeySpec } from './config-checker.js';
import { ConfigChecker, isJsonObject, joinPath } from './config-checker.js';
import { SUBJECT_TYPES } from './config-defaults.js';
import { checkRtspSection, checkStreamGroups, checkStreamParams } from './validate-streams.js';
import type { CheckedParams } from './validate-streams.js';
import { show } from './units.js';

export interface ConfigCheck {
  /** The input, typed, when there is no error; null otherwise. */
  config: ThinStreamConfig | null;
  errors: ErrorInfo[];
  warnings: ConfigWarning[];
}

/** A config that failed validation: `errors` holds every problem, each with its path. */
export class ConfigInvalidError extends ThinStreamError {
  readonly errors: ErrorInfo[];

  constructor(errors: ErrorInfo[], what = 'the config') {
    const first = errors[0]?.message ?? 'unknown problem';
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    super('CONFIG_INVALID', `${what} is not valid: ${first}${more}`, { path: errors[0]?.path });
    this.name = 'ConfigInvalidError';
    this.errors = errors;
  }
}

const TOP: KeySpec = { used: ['context', 'server', 'http'] };
const CONTEXT: KeySpec = {
  used: ['filesystem', 'caCert', 'usrCert'],
  unused: ['threads', 'cypher', 'locale', 'deviceId', 'identityId'],
};
const CERT_DEF: KeySpec = { used: ['subject', 'bits', 'daysValid'] };
const KEY: KeySpec = { used: ['pass', 'name', 'path'] };
const BPS: KeySpec = { used: ['in', 'out'] };
const PORT: KeySpec = { used: ['isDisabled', 'port', 'desc', 'conns', 'perConn', 'ssl'] };
/** Bits per second up to 100 Gbit/s; 0 = unlimited. */
const BPS_RANGE = { min: 0, max: 100e9 };
const SECS_RANGE = { min: 0, max: 86_400 * 365 };

export function validateConfig(raw: unknown): ConfigCheck {
  const c = new ConfigChecker();
  if (!isJsonObject(raw)) {
    c.error('', `must be a JSON object { "context": …, "server": …, "http": … }, got ${show(raw)}`);
    return { config: null, errors: c.errors, warnings: c.warnings };
  }
  c.keys(raw, '', TOP);
  const files = new FileRoles(c);

  const context = c.object(raw, 'context', '', CONTEXT);
  if (context) checkContext(c, context, files);

  const server = c.object(raw, 'server', '', {
    used: ['defaults', 'rtsp', 'streamsGrps'],
    unused: ['buffers', 'telemetry'],
  });
  if (server) {
    let defaults: CheckedParams = {};
    const serverDefaults = c.object(server, 'defaults', 'server', { used: ['streams'] });
    const streams =
      serverDefaults &&
      c.object(serverDefaults, 'streams', 'server.defaults', { used: ['params'], unused: ['merger'] });
    const params =
      streams &&
      c.object(streams, 'params', 'server.defaults.streams', {
        used: ['read', 'write', 'rtsp', 'rtp'],
        unused: ['buffers'],
      });
    if (params) defaults = checkStreamParams(c, params, 'server.defaults.streams.params');
    const { udpEnabled } = checkRtspSection(c, server, 'server');
    if (defaults.transport === 'udp' && !udpEnabled)
      c.error(
        'server.defaults.streams.params.rtsp.transport',
        'is "udp" but server.rtsp.rtp.isDisabled is true; use "tcp" or "auto", or enable RTP over UDP',
      );
    checkStreamGroups(c, server, 'server', defaults, udpEnabled);
  }

  const http = c.object(raw, 'http', '', { used: ['maxs', 'ports'] });
  if (http) checkHttp(c, http, files);
  if (http && servesTls(http) && !hasCaPass(context))
    c.warn(
      'context.caCert.key.pass',
      'is not set: the CA key that HTTPS needs is stored with an empty password; set one',
      'caveat',
    );

  const ok = c.errors.length === 0;
  return { config: ok ? (raw as ThinStreamConfig) : null, errors: c.errors, warnings: c.warnings };
}

/** validateConfig() that throws ConfigInvalidError; returns the typed config and its warnings. */
export function assertValidConfig(raw: unknown): { config: ThinStreamConfig; warnings: ConfigWarning[] } {
  const check = validateConfig(raw);
  if (check.config === null) throw new ConfigInvalidError(check.errors);
  return { config: check.config, warnings: check.warnings };
}

function checkContext(c: ConfigChecker, context: JsonObject, files: FileRoles): void {
  const filesystem = c.object(context, 'filesystem', 'context', { used: ['streams'], unused: ['rootFolder', 'pkgs'] });
  const streams =
    filesystem &&
    c.object(filesystem, 'streams', 'context.filesystem', { used: ['rootPath', 'defaults'], unused: ['cfgFilename'] });
  if (streams) {
    const at = 'context.filesystem.streams';
    files.path(streams, 'rootPath', at, 'the recordings folder');
    const defaults = c.object(streams, 'defaults', at, {
      used: ['limit', 'isReadOnly', 'keepUnknownFiles', 'waitForLoad', 'initialLoadThreads'],
    });
    if (defaults) {
      const defaultsAt = joinPath(at, 'defaults');
      const limit = c.size(defaults, 'limit', defaultsAt, 1024 * 1024);
      if (limit === 0)
        c.warn(
          joinPath(defaultsAt, 'limit'),
          'is 0: no storage limit, recordings grow until the disk is full',
          'caveat',
        );
      for (const key of ['isReadOnly', 'keepUnknownFiles', 'waitForLoad']) c.bool(defaults, key, defaultsAt);
      c.int(defaults, 'initialLoadThreads', defaultsAt, { min: 1, max: 64 });
    }
  }

  const ca = c.object(context, 'caCert', 'context', { used: ['path', 'def', 'key'] });
  if (ca) {
    files.path(ca, 'path', 'context.caCert', 'the CA certificate');
    checkCertDef(c, ca, 'context.caCert');
    checkKey(c, ca, 'context.caCert', files, 'the CA key');
  }
  const usr = c.object(context, 'usrCert', 'context', {
    used: ['subject', 'bits', 'daysValid'],
    unused: ['keypass', 'keyname', 'keypath'],
  });
  if (usr) checkCertDefFields(c, usr, 'context.usrCert');
}

function checkCertDef(c: ConfigChecker, parent: JsonObject, path: string): void {
  const def = c.object(parent, 'def', path, CERT_DEF);
  if (def) checkCertDefFields(c, def, joinPath(path, 'def'));
}

function checkCertDefFields(c: ConfigChecker, def: JsonObject, path: string): void {
  c.int(def, 'bits', path, { min: 2048, max: 8192 });
  c.int(def, 'daysValid', path, { min: 1, max: 36_500 });
  for (const entry of c.objects(def, 'subject', path, { used: ['type', 'value'] })) {
    const type = c.oneOf(entry.value, 'type', entry.path, SUBJECT_TYPES);
    if (type === undefined && entry.value['type'] === undefined) c.error(joinPath(entry.path, 'type'), 'is required');
    const value = c.string(entry.value, 'value', entry.path, { nonEmpty: true });
    if (value === undefined && entry.value['value'] === undefined)
      c.error(joinPath(entry.path, 'value'), 'is required');
    if (type === 'C' && value !== undefined && !/^[A-Za-z]{2}$/.test(value))
      c.error(joinPath(entry.path, 'value'), `must be a two-letter country code like "NI", got ${show(value)}`);
  }
}

function checkKey(c: ConfigChecker, parent: JsonObject, path: string, files: FileRoles, role: string): void {
  const key = c.object(parent, 'key', path, KEY);
  if (!key) return;
  const at = joinPath(path, 'key');
  c.string(key, 'pass', at);
  c.string(key, 'name', at);
  files.path(key, 'path', at, role);
}

function checkHttp(c: ConfigChecker, http: JsonObject, files: FileRoles): void {
  const maxs = c.object(http, 'maxs', 'http', { used: ['connsIn', 'secsIdle', 'bps'] });
  if (maxs) {
    c.int(maxs, 'connsIn', 'http.maxs', { min: 0, max: 1_000_000 });
    c.number(maxs, 'secsIdle', 'http.maxs', SECS_RANGE);
    checkBps(c, maxs, 'http.maxs');
  }
  const used = new Map<number, string>();
  for (const port of c.objects(http, 'ports', 'http', PORT)) {
    const disabled = c.bool(port.value, 'isDisabled', port.path) === true;
    const portAt = joinPath(port.path, 'port');
    if (port.value['port'] === undefined || port.value['port'] === null)
      c.error(portAt, 'is required: the TCP port to serve on (like 30443)');
    const number = c.int(port.value, 'port', port.path, { min: 0, max: 65535 });
    if (number !== undefined && number !== 0 && !disabled) {
      const first = used.get(number);
      if (first !== undefined) c.error(portAt, `${number} is already served by ${first}`);
      else used.set(number, port.path);
    }
    c.string(port.value, 'desc', port.path);
    const conns = c.object(port.value, 'conns', port.path, { used: ['conns', 'bps'] });
    if (conns) {
      c.int(conns, 'conns', joinPath(port.path, 'conns'), { min: 0, max: 1_000_000 });
      checkBps(c, conns, joinPath(port.path, 'conns'));
    }
    const perConn = c.object(port.value, 'perConn', port.path, { used: ['limits'], unused: ['recv', 'sendQueue'] });
    const limits =
      perConn &&
      c.object(perConn, 'limits', joinPath(port.path, 'perConn'), { used: ['secsIdle', 'secsOverqueueing', 'bps'] });
    if (limits) {
      const at = joinPath(joinPath(port.path, 'perConn'), 'limits');
      c.number(limits, 'secsIdle', at, SECS_RANGE);
      c.number(limits, 'secsOverqueueing', at, SECS_RANGE);
      checkBps(c, limits, at);
    }
    checkSsl(c, port.value, port.path, files);
  }
}

function checkSsl(c: ConfigChecker, port: JsonObject, path: string, files: FileRoles): void {
  const ssl = c.object(port, 'ssl', path, { used: ['isDisabled', 'cert'] });
  if (!ssl) return;
  const at = joinPath(path, 'ssl');
  const disabled = c.bool(ssl, 'isDisabled', at) === true;
  const cert = c.object(ssl, 'cert', at, { used: ['isRequested', 'isRequired', 'source'] });
  if (!cert) return;
  const certAt = joinPath(at, 'cert');
  const requested = c.bool(cert, 'isRequested', certAt);
  const required = c.bool(cert, 'isRequired', certAt);
  if (required === true && disabled)
    c.warn(joinPath(certAt, 'isRequired'), 'has no effect while ssl.isDisabled is true (plain HTTP)', 'caveat');
  else if (required === true && requested === false)
    c.warn(joinPath(certAt, 'isRequired'), 'is true, so a client certificate is requested too', 'caveat');
  const source = c.object(cert, 'source', certAt, { used: ['path', 'def', 'key'] });
  if (source) {
    const sourceAt = joinPath(certAt, 'source');
    files.path(source, 'path', sourceAt, 'a server certificate');
    checkCertDef(c, source, sourceAt);
    checkKey(c, source, sourceAt, files, 'a server key');
  }
}

/** Some enabled port serves HTTPS (no `ssl` section, or `ssl.isDisabled` not true). */
function servesTls(http: JsonObject): boolean {
  const ports = http['ports'];
  if (!Array.isArray(ports)) return false;
  return ports.some((p) => {
    if (!isJsonObject(p) || p['isDisabled'] === true) return false;
    const ssl = p['ssl'];
    return !(isJsonObject(ssl) && ssl['isDisabled'] === true);
  });
}

function hasCaPass(context: JsonObject | undefined): boolean {
  const ca = context?.['caCert'];
  const key = isJsonObject(ca) ? ca['key'] : undefined;
  const pass = isJsonObject(key) ? key['pass'] : undefined;
  return typeof pass === 'string' && pass !== '';
}

function checkBps(c: ConfigChecker, parent: JsonObject, path: string): void {
  const bps = c.object(parent, 'bps', path, BPS);
  if (!bps) return;
  c.number(bps, 'in', joinPath(path, 'bps'), BPS_RANGE);
  c.number(bps, 'out', joinPath(path, 'bps'), BPS_RANGE);
}

/** File paths the config names, so one file is not used for two things (a key written over a certificate). */
class FileRoles {
  private readonly roles = new Map<string, { role: string; path: string }>();

  constructor(private readonly c: ConfigChecker) {}

  path(obj: JsonObject, key: string, path: string, role: string): void {
    const value = this.c.string(obj, key, path);
    if (value === undefined) return;
    const at = joinPath(path, key);
    if (value.trim() === '' || value.includes('\0')) {
      this.c.error(at, `must be a file or folder path, got ${show(value)}`);
      return;
    }
    const normal = value.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
    const first = this.roles.get(normal);
    if (first === undefined) this.roles.set(normal, { role, path: at });
    else if (first.role !== role)
      this.c.error(at, `names ${show(value)}, which is already ${first.role} (${first.path}); use another file`);
  }
}
