/**
 * The corpus of real cameras' RTSP responses in test/fixtures/rtsp/ (one response per file) and the
 * manifest of expected values, test/fixtures/rtsp/expected.json, written by hand from reading them.
 *
 * Each fixture's first line is its provenance:
 *   # source: <owner/repo> <path> @ <commit>; device (per source): <what the source says>; line-endings: lf-stored|as-stored
 * and the rest is the response as the source stores it. `lf-stored` means the source holds LF where the
 * camera sent CRLF (Content-Length only matches after LF -> CRLF); the loader restores CRLF.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fixturePath } from './paths.js';

export type FixtureKind =
  | 'describe'
  | 'setup'
  | 'play'
  | 'options'
  | 'teardown'
  | 'unauthorized'
  | 'sdp'
  | 'transport-header'
  | 'rtp-info-header';

export interface FixtureProvenance {
  repository: string;
  path: string;
  commit: string;
  device: string;
  lineEndings: 'lf-stored' | 'as-stored';
}

export interface RtspFixture {
  name: string;
  provenance: FixtureProvenance;
  /** The response (or SDP, or header value) as a camera sent it: CRLF restored when lf-stored. */
  bytes: Uint8Array;
  /** The same bytes as text. */
  text: string;
  /** The bytes exactly as the source stores them. */
  storedText: string;
}

export interface ExpectedResponse {
  status: number;
  cseq: string;
  contentType: string | null;
  contentLength: number | null;
  contentLengthMatches: boolean | null;
}

export interface ExpectedH264 {
  control: string;
  controlUrl: string;
  controlUrlRfc3986?: string;
  payloadType: number;
  clockRate: number;
  spropParameterSets: string | null;
  packetizationMode: number | null;
  profileLevelId: string | null;
  /** Picture size where the fixture (a=x-dimensions, a=framesize) or the source's own test states it. */
  pictureSize?: { width: number; height: number; from: string };
}

export interface ExpectedDescribe {
  requestUrl: string;
  requestUrlAssumed: boolean;
  base: { from: 'content-base' | 'content-location' | 'request'; written: string | null; url: string };
  media: string[];
  h264: ExpectedH264 | null;
  videoCodec?: string;
  otherH264PayloadTypes?: number[];
  misplacedFmtp?: { inMedia: string; spropParameterSets: string; packetizationMode: number; profileLevelId: string };
}

export interface ExpectedTransport {
  profile: string;
  lowerTransport: 'UDP' | 'TCP';
  delivery: 'unicast' | 'multicast' | null;
  interleaved: [number, number] | null;
  clientPort: [number, number] | null;
  serverPort: [number, number] | null;
  source: string | null;
  destination: string | null;
  mode: string | null;
  ssrcText: string | null;
  ssrc: number | null;
  ssrcFormat: 'hex' | '0x' | 'decimal' | null;
}

export interface ExpectedSession {
  id: string;
  timeoutSec: number | null;
}

export interface ExpectedRtpInfoEntry {
  url: string;
  seq: number | null;
  rtptime: number | null;
  ssrcText: string | null;
  ssrc: number | null;
}

export interface ExpectedFixture {
  kind: FixtureKind;
  vendor: string | null;
  model: string | null;
  /** False for servers that are not cameras (a VMS, an ffmpeg-based server). */
  camera: boolean;
  response?: ExpectedResponse;
  describe?: ExpectedDescribe;
  setup?: { transport: ExpectedTransport; sessionHeader?: string; session?: ExpectedSession };
  play?: {
    sessionHeader?: string;
    session?: ExpectedSession;
    rtpInfo: ExpectedRtpInfoEntry[] | null;
    /** The DESCRIBE of the same session in this corpus, when there is one. */
    pairedDescribe?: string;
    /** Index of the RTP-Info entry naming that DESCRIBE's H.264 track URL; null when none does. */
    videoEntry?: number | null;
  };
  options?: { public: string[]; sessionHeader?: string };
  unauthorized?: { wwwAuthenticate: string };
  quirks: string[];
}

export interface RtspFixtureManifest {
  fixtures: Record<string, ExpectedFixture>;
}

const FOLDER = 'rtsp';
const MANIFEST = 'expected.json';
const PROVENANCE =
  /^# source: (\S+\/\S+) (\S+) @ ([0-9a-f]{40}); device \(per source\): (.+); line-endings: (lf-stored|as-stored)$/;
const textDecoder = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

/** Fixture file names, sorted (the manifest is not one). */
export function listRtspFixtures(): string[] {
  return readdirSync(fixturePath(FOLDER))
    .filter((name) => name.endsWith('.txt'))
    .sort();
}

/** Parses a fixture's first line; throws naming the file when it is not a provenance line. */
export function parseProvenance(name: string, line: string): FixtureProvenance {
  const match = PROVENANCE.exec(line);
  if (!match) throw new Error(`${name}: first line is not a provenance line: ${JSON.stringify(line.slice(0, 120))}`);
  return {
    repository: match[1]!,
    path: match[2]!,
    commit: match[3]!,
    device: match[4]!,
    lineEndings: match[5] === 'lf-stored' ? 'lf-stored' : 'as-stored',
  };
}

/** Drops the provenance line and, for lf-stored fixtures, turns every bare LF into CRLF. */
export function loadRtspFixture(name: string): RtspFixture {
  const raw = textDecoder.decode(readFileSync(fixturePath(FOLDER, name)));
  const newline = raw.indexOf('\n');
  if (newline === -1) throw new Error(`${name}: no provenance line`);
  const provenance = parseProvenance(name, raw.slice(0, newline));
  const storedText = raw.slice(newline + 1);
  const text = provenance.lineEndings === 'lf-stored' ? storedText.replace(/\r?\n/g, '\r\n') : storedText;
  return { name, provenance, bytes: textEncoder.encode(text), text, storedText };
}

/** Reads expected.json and checks its shape, so a typo in the manifest fails loudly here, not as a wrong test. */
export function loadRtspManifest(): RtspFixtureManifest {
  const parsed: unknown = JSON.parse(readFileSync(fixturePath(FOLDER, MANIFEST), 'utf8'));
  if (!isRecord(parsed) || !isRecord(parsed['fixtures'])) throw new Error(`${MANIFEST}: no "fixtures" object`);
  const fixtures: Record<string, ExpectedFixture> = {};
  for (const [name, value] of Object.entries(parsed['fixtures'])) fixtures[name] = checkFixture(name, value);
  return { fixtures };
}

const KINDS: readonly FixtureKind[] = [
  'describe',
  'setup',
  'play',
  'options',
  'teardown',
  'unauthorized',
  'sdp',
  'transport-header',
  'rtp-info-header',
];

/** The sections each kind must carry. */
const SECTIONS: Record<FixtureKind, ReadonlyArray<keyof ExpectedFixture>> = {
  describe: ['response', 'describe'],
  setup: ['response', 'setup'],
  play: ['response', 'play'],
  options: ['response', 'options'],
  teardown: ['response'],
  unauthorized: ['response', 'unauthorized'],
  sdp: ['describe'],
  'transport-header': ['setup'],
  'rtp-info-header': ['play'],
};

function checkFixture(name: string, value: unknown): ExpectedFixture {
  const where = `${MANIFEST} fixtures[${JSON.stringify(name)}]`;
  if (!isRecord(value)) throw new Error(`${where}: not an object`);
  const kind = value['kind'];
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    throw new Error(`${where}.kind: ${JSON.stringify(kind)} is not one of ${KINDS.join(', ')}`);
  }
  for (const section of SECTIONS[kind as FixtureKind]) {
    if (!isRecord(value[section])) throw new Error(`${where}: a ${kind} fixture needs a "${section}" object`);
  }
  if (!Array.isArray(value['quirks'])) throw new Error(`${where}.quirks: not an array`);
  if (typeof value['camera'] !== 'boolean') throw new Error(`${where}.camera: not a boolean`);
  const describe = value['describe'];
  if (isRecord(describe)) {
    if (
      typeof describe['requestUrl'] !== 'string' ||
      !isRecord(describe['base']) ||
      !Array.isArray(describe['media'])
    ) {
      throw new Error(`${where}.describe: needs requestUrl, base and media`);
    }
    const h264 = describe['h264'];
    if (h264 !== null && !(isRecord(h264) && typeof h264['controlUrl'] === 'string')) {
      throw new Error(`${where}.describe.h264: null or an object with controlUrl`);
    }
  }
  const setup = value['setup'];
  if (isRecord(setup) && !(isRecord(setup['transport']) && typeof setup['transport']['profile'] === 'string')) {
    throw new Error(`${where}.setup.transport: needs a profile`);
  }
  const play = value['play'];
  if (isRecord(play) && play['rtpInfo'] !== null && !Array.isArray(play['rtpInfo'])) {
    throw new Error(`${where}.play.rtpInfo: null or an array`);
  }
  // The shape is checked above as far as the tests rely on it; the declared type documents the rest.
  return value as unknown as ExpectedFixture;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
