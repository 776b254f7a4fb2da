/**
 * What a config change means for a running core: planConfigChange(before, after) compares two resolved configs and
 * says which streams to start, stop, reconnect or only re-record, and what cannot change without a restart (the
 * API's `ConfigSaveResponse.restartReasons`). Pure: the runtime applies the plan, the editor may preview it.
 */
import type { ResolvedConfig, ResolvedStreamVersion } from './resolved-config.js';

export interface ConfigChangePlan {
  /** Versions new in `after` (enabled or not: the runtime starts the enabled ones). */
  added: ResolvedStreamVersion[];
  /** Versions gone from `after` (as they were in `before`). */
  removed: ResolvedStreamVersion[];
  /** Versions whose connection changed (URL, credentials, transport, timeouts, enabled): restart their supervisor. */
  reconnect: ResolvedStreamVersion[];
  /** Versions whose recording settings alone changed: reopen their recorder, keep the camera connection. */
  recording: ResolvedStreamVersion[];
  /** Versions whose name or group alone changed: nothing to restart. */
  renamed: ResolvedStreamVersion[];
  /** The global storage limit changed (retention applies it live). */
  storageLimitChanged: boolean;
  /** In words, what needs a restart of the whole core to take effect; empty when everything applies live. */
  restartReasons: string[];
}

export function planConfigChange(before: ResolvedConfig, after: ResolvedConfig): ConfigChangePlan {
  const old = new Map(before.streams.map((s) => [s.streamId, s]));
  const plan: ConfigChangePlan = {
    added: [],
    removed: [],
    reconnect: [],
    recording: [],
    renamed: [],
    storageLimitChanged: before.storage.limitBytes !== after.storage.limitBytes,
    restartReasons: [],
  };
  const seen = new Set<string>();
  for (const next of after.streams) {
    seen.add(next.streamId);
    const prev = old.get(next.streamId);
    if (!prev) plan.added.push(next);
    else if (!same(connection(prev), connection(next))) plan.reconnect.push(next);
    else if (!same(prev.recording, next.recording)) plan.recording.push(next);
    else if (prev.name !== next.name || !same(prev.group, next.group)) plan.renamed.push(next);
  }
  for (const prev of before.streams) if (!seen.has(prev.streamId)) plan.removed.push(prev);

  const reasons = plan.restartReasons;
  if (before.storage.rootPath !== after.storage.rootPath) reasons.push('the recordings folder changed');
  if (before.storage.isReadOnly !== after.storage.isReadOnly) reasons.push('the storage read-only setting changed');
  if (!same(before.rtp, after.rtp)) reasons.push('the RTP/RTCP ports or the RTSP client settings changed');
  if (!same(before.http, after.http)) reasons.push('the HTTP ports, their TLS or their limits changed');
  if (!same(before.certs, after.certs)) reasons.push('the certificate settings changed');
  return plan;
}

function connection(s: ResolvedStreamVersion): unknown[] {
  return [
    s.enabled,
    s.url,
    s.user,
    s.password,
    s.useSSL,
    s.transport,
    s.assumeConnDroppedAfterMs,
    s.connectTimeoutMs,
    s.reorderQueueSize,
  ];
}

/** Deep equality of plain JSON-like values. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
