/**
 * Fuzz: random and mutated real answers through every parser of camera answers we own (the XML reader, SOAP
 * bodies and faults, ProbeMatches, the device and media readers). Only our own errors may escape (ThinStreamError
 * with a catalogue code), never a TypeError or RangeError, and memory stays bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../src-shared/errors.js';
import { parseXml } from '../../src-main/discovery/xml-reader.js';
import { readSoapBody } from '../../src-main/discovery/soap-envelope.js';
import { parseProbeMatches } from '../../src-main/discovery/ws-discovery.js';
import {
  readDeviceInformation,
  readMediaXaddr,
  readProfiles,
  readStreamUri,
  readSystemDateAndTime,
} from '../../src-main/discovery/onvif-media.js';
import { FUZZ_ITERATIONS, heapMb, mutateText, randomInt, seededRandom } from '../rtsp/fuzz.js';
import { onvifFixture, onvifFixtureNames } from './support.js';

const FIXTURES = onvifFixtureNames().map(onvifFixture);
const XML_PIECES = [
  '<',
  '>',
  '</',
  '/>',
  '<?xml version="1.0"?>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '&amp;',
  '&#x',
  '&',
  ';',
  '"',
  "'",
  '=',
  ':',
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope"',
  's:Envelope',
  's:Body',
  'Fault',
  'ProbeMatch',
  'Profiles token="p"',
  'Uri',
  ' ',
  '\n',
];

function randomXml(rand: () => number): string {
  let s = '';
  const length = randomInt(rand, 400);
  while (s.length < length) {
    s += rand() < 0.6 ? XML_PIECES[randomInt(rand, XML_PIECES.length)] : String.fromCharCode(randomInt(rand, 0x3000));
  }
  return s;
}

/** Everything a camera's answer goes through, in the order the client uses it. */
function readEverything(text: string): void {
  parseXml(text);
  const { element } = readSoapBody(text, 'fuzz');
  readProfiles(element, 'fuzz');
  readMediaXaddr(element);
  readSystemDateAndTime(element);
  readDeviceInformation(element);
  readStreamUri(element, 'fuzz');
}

function fuzz(seed: number, makeInput: (rand: () => number) => string, fn: (input: string) => void): void {
  const rand = seededRandom(seed);
  const before = heapMb();
  for (let i = 0; i < FUZZ_ITERATIONS; i++) {
    const input = makeInput(rand);
    try {
      fn(input);
    } catch (err) {
      if (err instanceof ThinStreamError) continue;
      assert.fail(`seed ${seed} iteration ${i}: ${String(err)} on ${JSON.stringify(input.slice(0, 300))}`);
    }
  }
  assert.ok(heapMb() - before < 64, 'heap grew by more than 64 MB');
}

test('fuzz: random XML-ish text through the reader and every SOAP answer reader', () => {
  fuzz(0x0e1f, randomXml, readEverything);
  fuzz(0x0e20, randomXml, (text) => parseProbeMatches(text, 'fuzz'));
});

test('fuzz: mutated fixtures (ProbeMatches, profiles, stream URIs, faults) through every reader', () => {
  const pick = (rand: () => number) => FIXTURES[randomInt(rand, FIXTURES.length)]!;
  fuzz(0x0e21, (rand) => mutateText(rand, pick(rand)), readEverything);
  fuzz(
    0x0e22,
    (rand) => mutateText(rand, pick(rand)),
    (text) => parseProbeMatches(text, 'fuzz'),
  );
});

test('fuzz: hostile shapes stay bounded (deep nesting, many elements, long names, huge text)', () => {
  const hostile = [
    '<a>'.repeat(100_000),
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>' + '<x/>'.repeat(30_000),
    '<' + 'n'.repeat(200_000) + '/>',
    '<a>' + 'x'.repeat(3 * 1024 * 1024) + '</a>',
    '<a>' + '&amp;'.repeat(100_000) + '</a>',
    '<a ' + 'b="1" '.repeat(10_000) + '/>',
    '<a ' + Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(' ') + '/>',
  ];
  for (const text of hostile) {
    try {
      readEverything(text);
    } catch (err) {
      assert.ok(err instanceof ThinStreamError, `${String(err)} on ${text.slice(0, 40)}`);
    }
  }
});
