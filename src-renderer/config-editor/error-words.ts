/**
 * Puts the validator's messages in the user's words: `uri must be an rtsp:// URL…` becomes
 * `Stream URL must be an rtsp:// URL…` beside the field, and the summary says which camera and stream it is.
 */
import { getAt, parsePath } from './json-path.js';

const KEY_WORDS: Record<string, string> = {
  uri: 'Stream URL',
  sid: 'Stream ID',
  uid: 'ID',
  name: 'Name',
  server: 'Camera address',
  port: 'Port',
  user: 'User',
  pass: 'Password',
  useSSL: 'Use RTSPS',
  isDisabled: 'Enabled',
  rootPath: 'Recordings folder',
  limit: 'Space limit',
  maxAge: 'Delete recordings older than',
  divider: 'New file every',
  mode: 'Record',
  transport: 'Transport',
  assumeConnDroppedAfter: 'Reconnect when no video for',
  ports: 'Ports',
  desc: 'Description',
  secsIdle: 'Idle time',
  secsOverqueueing: 'Stuck viewer time',
  connsIn: 'Most connections',
  versions: 'Streams',
  streams: 'Cameras',
  streamsGrps: 'Camera groups',
};

/** The message with its leading key name (as the validator writes it) replaced by `label`. */
export function inUserWords(message: string, path: string, label: string): string {
  const segs = parsePath(path);
  const last = segs[segs.length - 1];
  const key = typeof last === 'number' ? `${String(segs[segs.length - 2] ?? '')}[${last}]` : String(last ?? '');
  return key !== '' && message.startsWith(`${key} `) ? `${label} ${message.slice(key.length + 1)}` : message;
}

/** Where a path points, in words: `Camera “Door”, stream 2-low: Stream URL`. */
export function describePath(draft: unknown, path: string): string {
  const segs = parsePath(path);
  const parts: string[] = [];
  const m = /^server\.streamsGrps\[(\d+)\](?:\.streams\[(\d+)\](?:\.versions\[(\d+)\])?)?/.exec(path);
  if (m !== null) {
    const group = `server.streamsGrps[${m[1]}]`;
    if (m[2] === undefined) parts.push(`Group “${String(getAt(draft, `${group}.name`) ?? m[1])}”`);
    else {
      const cam = `${group}.streams[${m[2]}]`;
      const name = getAt(draft, `${cam}.device.name`) ?? getAt(draft, `${cam}.device.uid`) ?? `#${Number(m[2]) + 1}`;
      parts.push(`Camera “${String(name)}”`);
      if (m[3] !== undefined) {
        const sid = getAt(draft, `${cam}.versions[${m[3]}].sid`);
        parts.push(`stream ${typeof sid === 'string' && sid !== '' ? sid : Number(m[3]) + 1}`);
      }
    }
  } else if (path.startsWith('http.ports[')) {
    parts.push(`Viewer port ${String(getAt(draft, path.replace(/^(http\.ports\[\d+\]).*$/, '$1.port')) ?? '')}`.trim());
  }
  const last = [...segs].reverse().find((s): s is string => typeof s === 'string');
  const word = last !== undefined ? (KEY_WORDS[last] ?? last) : path;
  return parts.length > 0 ? `${parts.join(', ')}: ${word}` : word;
}

/** The summary line for one error: where, then what. */
export function summaryLine(draft: unknown, path: string | undefined, message: string): string {
  if (path === undefined) return message;
  const segs = parsePath(path);
  const last = segs[segs.length - 1];
  const word = typeof last === 'string' ? (KEY_WORDS[last] ?? last) : '';
  const where = describePath(draft, path);
  const what = word !== '' ? inUserWords(message, path, '').trim() : message;
  return `${where} ${what}`;
}
