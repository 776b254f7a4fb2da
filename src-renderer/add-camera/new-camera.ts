/**
 * The camera the add-camera flow builds, and how it goes into the config file: a device with the user and
 * password, a main (high) stream and an optional sub (low) stream, in the first camera group. Pure: no DOM, no
 * fetch, so the flow's rules are tested on their own.
 */
import { getAt, setAt } from '../config-editor/json-path.js';

export interface NewCamera {
  name: string;
  /** The camera's host or IP address, as found or typed (kept as device.server). */
  host: string;
  user: string;
  password: string;
  /** The main (best quality) stream: recorded, and shown when a tile is enlarged. */
  mainUrl: string;
  /** The sub (small) stream for grid tiles; empty when the camera has none. */
  subUrl: string;
}

export type NewCameraField = keyof NewCamera;

export const EMPTY_CAMERA: NewCamera = { name: '', host: '', user: '', password: '', mainUrl: '', subUrl: '' };

export const MAIN_SID = '1-main';
export const SUB_SID = '2-sub';

const GROUPS = 'server.streamsGrps';

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Every device uid in a config. */
export function usedUids(config: unknown): Set<string> {
  const used = new Set<string>();
  for (const group of list(getAt(config, GROUPS)))
    for (const stream of list(getAt(group, 'streams'))) {
      const uid = getAt(stream, 'device.uid');
      if (typeof uid === 'string') used.add(uid);
    }
  return used;
}

/** A stable id from the name (`Front door` → `front-door`), made unique with `-2`, `-3`… */
export function cameraUid(name: string, used: ReadonlySet<string>): string {
  const base =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/g, '') || 'camera';
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** The host of an rtsp:// or rtsps:// URL (without brackets for IPv6), or null. */
export function hostOfUrl(url: string): string | null {
  const m = /^rtsps?:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(url.trim());
  return m?.[1] === undefined ? null : m[1].replace(/^\[|\]$/g, '');
}

/**
 * `192.168.1.20`, `cam.local:8080`, `[fe80::1]:3702` as typed by a user, split into host and port; a message in
 * the user's words when it is neither.
 */
export function parseHostPort(text: string): { host: string; port?: number } | { error: string } {
  const t = text.trim();
  if (t === '') return { error: 'Type the camera’s address, e.g. 192.168.1.20.' };
  if (/^[a-z]+:\/\//i.test(t))
    return { error: 'Type only the address (e.g. 192.168.1.20), without http:// or rtsp://.' };
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/i.exec(t);
  const plain = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(t);
  const bareV6 = /^[0-9a-f]*:[0-9a-f:.]*$/i.test(t) && (t.match(/:/g)?.length ?? 0) >= 2;
  if (bareV6) return { host: t };
  const m = bracketed ?? plain;
  if (m === null || m[1] === undefined || /^[.-]|[.-]$/.test(m[1]))
    return { error: `“${t}” is not an address: type an IP address like 192.168.1.20 or a name like cam.local.` };
  if (m[2] === undefined) return { host: m[1] };
  const port = Number(m[2]);
  if (!(port >= 1 && port <= 65535)) return { error: `${m[2]} is not a port: ports go from 1 to 65535.` };
  return { host: m[1], port };
}

/** What the form must hold before Test connection or Save, per field, in the user's words. */
export function missingFields(camera: NewCamera): Partial<Record<NewCameraField, string>> {
  const problems: Partial<Record<NewCameraField, string>> = {};
  if (camera.name.trim() === '') problems.name = 'Give the camera a name, e.g. Front door.';
  const url = /^rtsps?:\/\/[^/\s]+/i;
  if (camera.mainUrl.trim() === '') problems.mainUrl = 'The main stream’s address is needed.';
  else if (!url.test(camera.mainUrl.trim()))
    problems.mainUrl = 'A stream address starts with rtsp:// (or rtsps://), e.g. rtsp://192.168.1.20:554/stream1.';
  if (camera.subUrl.trim() !== '' && !url.test(camera.subUrl.trim()))
    problems.subUrl = 'A stream address starts with rtsp:// (or rtsps://); leave it empty when there is none.';
  return problems;
}

/** The config file's entry for the camera (device, then versions highest first). */
export function cameraEntry(camera: NewCamera, uid: string): Record<string, unknown> {
  const device: Record<string, unknown> = { uid, name: camera.name.trim() };
  if (camera.host.trim() !== '') device.server = camera.host.trim();
  if (camera.user.trim() !== '') device.user = camera.user.trim();
  if (camera.password !== '') device.pass = camera.password;
  const versions: Array<Record<string, unknown>> = [{ sid: MAIN_SID, uri: camera.mainUrl.trim() }];
  if (camera.subUrl.trim() !== '') versions.push({ sid: SUB_SID, uri: camera.subUrl.trim() });
  return { device, versions };
}

export interface CameraAdded {
  config: unknown;
  uid: string;
  /** The JSON path of the new entry (`server.streamsGrps[0].streams[3]`), to place the server's errors. */
  base: string;
}

/** A copy of `config` with the camera added to the first group (a new "Cameras" group when there is none). */
export function withNewCamera(config: unknown, camera: NewCamera): CameraAdded {
  const uid = cameraUid(camera.name, usedUids(config));
  let next = config;
  if (list(getAt(next, GROUPS)).length === 0)
    next = setAt(next, GROUPS, [{ uid: 'cameras', name: 'Cameras', streams: [] }]);
  const streams = list(getAt(next, `${GROUPS}[0].streams`));
  const base = `${GROUPS}[0].streams[${streams.length}]`;
  next = setAt(next, base, cameraEntry(camera, uid));
  return { config: next, uid, base };
}

/** The form field an error about the saved config belongs to (by its JSON path), or null for elsewhere. */
export function fieldOfPath(base: string, path: string | undefined): NewCameraField | null {
  if (path === undefined || !path.startsWith(base)) return null;
  const rest = path.slice(base.length);
  if (/^\.versions\[0\]/.test(rest)) return 'mainUrl';
  if (/^\.versions\[1\]/.test(rest)) return 'subUrl';
  if (/^\.device\.(name|uid)/.test(rest)) return 'name';
  if (/^\.device\.server/.test(rest)) return 'host';
  if (/^\.device\.user/.test(rest)) return 'user';
  if (/^\.device\.pass/.test(rest)) return 'password';
  return null;
}
