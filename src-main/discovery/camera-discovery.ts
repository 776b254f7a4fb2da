/**
 * Finds ONVIF cameras: sends WS-Discovery Probes (SOAP-over-UDP; one for NetworkVideoTransmitters, one for
 * ONVIF Devices) by multicast to 239.255.255.250:3702 on each IPv4 interface, or by unicast to given addresses,
 * collects the ProbeMatches that arrive within the timeout (each device once), and closes its socket. Nothing a camera sends can throw out of here: an unreadable answer is
 * counted in `ignored` with the reason.
 */
import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { brandHint } from '../../src-shared/camera-url-patterns.js';
import type { DiscoveredCamera, DiscoveryResponse } from '../../src-shared/api.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import {
  WS_DISCOVERY_MULTICAST_ADDRESS,
  WS_DISCOVERY_PORT,
  PROBE_TYPES,
  buildProbe,
  chooseXaddr,
  newMessageId,
  parseProbeMatches,
} from './ws-discovery.js';

export const DEFAULT_DISCOVERY_TIMEOUT_MS = 3000;
export const MAX_DISCOVERY_TIMEOUT_MS = 10_000;
/**
 * SOAP-over-UDP (OASIS 2009) §3.4 and its Appendix I: UDP is unreliable, so a message is sent again
 * (MULTICAST_UDP_REPEAT = 1, UNICAST_UDP_REPEAT = 1) after a delay between UDP_MIN_DELAY (50 ms) and
 * UDP_MAX_DELAY (250 ms).
 */
const REPEAT_DELAY_MS = 150;
/** Answers kept: a LAN with more cameras than this is beyond one page of the editor anyway. */
const MAX_CAMERAS = 256;
const MAX_IGNORED = 32;

export interface DiscoveryTarget {
  host: string;
  port?: number;
}

export interface DiscoveryOptions {
  timeoutMs?: number;
  /** Probe these addresses by unicast instead of the LAN by multicast. */
  targets?: DiscoveryTarget[];
  /**
   * Multicast: the local IPv4 addresses to send from (one probe per interface). Default: every non-internal
   * IPv4 interface, or the system's default route when there is none.
   */
  interfaceAddresses?: string[];
  /** Ends the wait early (the answers so far are returned). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Probes and waits `timeoutMs`; resolves with the cameras that answered. Rejects only when no socket can be opened. */
export async function discoverCameras(o: DiscoveryOptions = {}): Promise<DiscoveryResponse> {
  const timeoutMs = Math.min(Math.max(o.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS, 100), MAX_DISCOVERY_TIMEOUT_MS);
  const unicast = o.targets !== undefined && o.targets.length > 0;
  const startMs = Date.now();
  const probes = PROBE_TYPES.map((type) => {
    const messageId = newMessageId();
    return { messageId, bytes: Buffer.from(buildProbe(messageId, type), 'utf8') };
  });
  const messageIds = new Set(probes.map((p) => p.messageId));
  const cameras = new Map<string, DiscoveredCamera>();
  const ignored: string[] = [];
  const ignore = (reason: string) => {
    if (ignored.length < MAX_IGNORED) ignored.push(reason);
    o.log?.(`discovery: ${reason}`);
  };

  const socket = createSocket({ type: 'udp4', reuseAddr: false });
  const timers = new Set<NodeJS.Timeout>();
  try {
    await bind(socket);
    socket.on('message', (msg, rinfo) => {
      const from = `${rinfo.address}:${rinfo.port}`;
      let message;
      try {
        message = parseProbeMatches(msg.toString('utf8'), from);
      } catch (err) {
        ignore(err instanceof ThinStreamError ? err.message : `answer from ${from}: ${String(err)}`);
        return;
      }
      // A match for another client's probe (its RelatesTo names their MessageID) is not ours to report.
      if (message.relatesTo !== null && !messageIds.has(message.relatesTo)) {
        ignore(`answer from ${from} relates to another probe (${message.relatesTo.slice(0, 60)})`);
        return;
      }
      for (const m of message.matches) {
        if (cameras.has(m.endpoint) || cameras.size >= MAX_CAMERAS) continue;
        const { xaddr } = chooseXaddr(m.xaddrs, rinfo.address);
        cameras.set(m.endpoint, {
          address: rinfo.address,
          endpoint: m.endpoint,
          xaddr,
          xaddrs: m.xaddrs,
          name: m.name,
          model: m.model,
          manufacturer: m.manufacturer,
          location: m.location,
          brandHint: brandHint(m.manufacturer, m.name, m.model),
          scopes: m.scopes,
          types: m.types,
        });
      }
    });
    socket.on('error', (err) => ignore(`socket: ${err.message}`));

    const sendAll = () => {
      for (const probe of probes) {
        if (unicast) {
          for (const t of o.targets ?? []) send(socket, probe.bytes, t.port ?? WS_DISCOVERY_PORT, t.host, ignore);
          continue;
        }
        const from = o.interfaceAddresses ?? lanInterfaceAddresses();
        if (from.length === 0) send(socket, probe.bytes, WS_DISCOVERY_PORT, WS_DISCOVERY_MULTICAST_ADDRESS, ignore);
        for (const address of from) {
          try {
            socket.setMulticastInterface(address);
          } catch (err) {
            ignore(`interface ${address}: ${(err as Error).message}`);
            continue;
          }
          send(socket, probe.bytes, WS_DISCOVERY_PORT, WS_DISCOVERY_MULTICAST_ADDRESS, ignore);
        }
      }
    };
    if (!unicast) {
      // The probe stays on the local link (SOAP-over-UDP §3.3 leaves TTL to the application; cameras are local).
      socket.setMulticastTTL(1);
    }
    sendAll();
    await new Promise<void>((resolve) => {
      const repeat = setTimeout(sendAll, REPEAT_DELAY_MS);
      const done = setTimeout(finish, timeoutMs);
      timers.add(repeat).add(done);
      function finish() {
        o.signal?.removeEventListener('abort', finish);
        resolve();
      }
      o.signal?.addEventListener('abort', finish, { once: true });
      if (o.signal?.aborted) finish();
    });
  } finally {
    for (const t of timers) clearTimeout(t);
    await closeSocket(socket);
  }
  return {
    mode: unicast ? 'unicast' : 'multicast',
    cameras: [...cameras.values()],
    durationMs: Date.now() - startMs,
    ignored,
  };
}

/** Every non-internal IPv4 address of this machine: the multicast probe goes out on each. */
export function lanInterfaceAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out;
}

function bind(socket: Socket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) =>
      reject(new ThinStreamError('DISCOVERY_FAILED', `discovery: could not open a UDP socket: ${err.message}`));
    socket.once('error', onError);
    socket.bind(0, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function send(socket: Socket, probe: Buffer, port: number, host: string, ignore: (reason: string) => void): void {
  socket.send(probe, port, host, (err) => {
    if (err) ignore(`probe to ${host}:${port} not sent: ${err.message}`);
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // never bound, or closed already
    }
  });
}
