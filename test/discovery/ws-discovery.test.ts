import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../src-shared/errors.js';
import {
  buildProbe,
  chooseXaddr,
  newMessageId,
  parseProbeMatches,
  scopeValue,
} from '../../src-main/discovery/ws-discovery.js';
import { parseXml, textAt } from '../../src-main/discovery/xml-reader.js';
import { onvifFixture } from './support.js';

test('the probe asks for NetworkVideoTransmitters with its own MessageID, in SOAP 1.2 (ONVIF Core §7.3.2)', () => {
  const id = newMessageId();
  assert.match(id, /^urn:uuid:[0-9a-f-]{36}$/);
  assert.notEqual(id, newMessageId());
  const probe = parseXml(buildProbe(id));
  assert.equal(probe.ns, 'http://www.w3.org/2003/05/soap-envelope');
  assert.equal(textAt(probe, 'Header', 'MessageID'), id);
  assert.equal(textAt(probe, 'Header', 'Action'), 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe');
  assert.equal(textAt(probe, 'Body', 'Probe', 'Types'), 'dn:NetworkVideoTransmitter');
  assert.equal(probe.children[1]!.children[0]!.ns, 'http://schemas.xmlsoap.org/ws/2005/04/discovery');
  assert.ok(Buffer.byteLength(buildProbe(id)) < 1400, 'one unfragmented datagram');
  const device = parseXml(buildProbe(id, 'tds:Device'));
  assert.equal(textAt(device, 'Body', 'Probe', 'Types'), 'tds:Device');
});

test('a gSOAP-style ProbeMatches: endpoint, decoded name, model, location, both XAddrs, RelatesTo', () => {
  const message = parseProbeMatches(onvifFixture('probematches-gsoap-prefixed.xml'), '192.0.2.64:3702');
  assert.equal(message.relatesTo, 'urn:uuid:6a1f2b3c-4d5e-4f60-8172-839405162738');
  assert.equal(message.matches.length, 1);
  const m = message.matches[0]!;
  assert.equal(m.endpoint, 'urn:uuid:3fa1fe68-b915-4053-a3e1-c006c4a1b2c3');
  assert.deepEqual(m.types, ['dn:NetworkVideoTransmitter', 'tds:Device']);
  assert.equal(m.name, 'HIKVISION DS-2CD2143G2-I');
  assert.equal(m.model, 'DS-2CD2143G2-I');
  assert.equal(m.location, 'city/hangzhou');
  assert.equal(m.manufacturer, null);
  assert.deepEqual(m.xaddrs, ['http://192.0.2.64/onvif/device_service', 'http://[2001:db8::64]/onvif/device_service']);
  assert.equal(m.scopes.length, 6);
});

test('default namespaces, two matches in one message, no RelatesTo, an XAddr spread over lines', () => {
  const message = parseProbeMatches(onvifFixture('probematches-default-namespaces.xml'), '198.51.100.21:3702');
  assert.equal(message.relatesTo, null);
  assert.equal(message.matches.length, 2);
  const [axis, dahua] = message.matches;
  assert.equal(axis!.name, 'AXIS M3045-V');
  assert.equal(axis!.manufacturer, 'AXIS');
  assert.deepEqual(axis!.xaddrs, ['http://198.51.100.21:80/onvif/device_service']);
  assert.equal(dahua!.model, 'IPC-HDW3849H-AS-PV');
  assert.deepEqual(dahua!.xaddrs, ['http://198.51.100.22/onvif/device_service']);
});

test('other messages and broken matches are clear errors, never a crash', () => {
  const hello =
    '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><d:Hello xmlns:d="urn:d"/></e:Body></e:Envelope>';
  assert.throws(() => parseProbeMatches(hello, 'x'), /expected ProbeMatches, got <Hello>/);
  const noEndpoint = onvifFixture('probematches-gsoap-prefixed.xml').replace(
    /<wsa:EndpointReference>[\s\S]*?<\/wsa:EndpointReference>/,
    '',
  );
  assert.throws(() => parseProbeMatches(noEndpoint, 'x'), /without EndpointReference\/Address/);
  assert.throws(
    () => parseProbeMatches('<html><body>hi</body></html>', '10.0.0.9:3702'),
    (err: unknown) => {
      return (
        err instanceof ThinStreamError && err.code === 'ONVIF_BAD_RESPONSE' && /10\.0\.0\.9:3702/.test(err.message)
      );
    },
  );
  const many = onvifFixture('probematches-gsoap-prefixed.xml').replace(
    /<wsdd:ProbeMatch>[\s\S]*<\/wsdd:ProbeMatch>/,
    (m) => m.repeat(65),
  );
  assert.throws(() => parseProbeMatches(many, 'x'), /65 matches in one message/);
});

test('XAddrs that are not http(s) URLs are dropped', () => {
  const text = onvifFixture('probematches-gsoap-prefixed.xml').replace(
    /<wsdd:XAddrs>[^<]*<\/wsdd:XAddrs>/,
    '<wsdd:XAddrs>ftp://x/ javascript:alert(1) http://ok.example/onvif/device_service http://</wsdd:XAddrs>',
  );
  assert.deepEqual(parseProbeMatches(text, 'x').matches[0]!.xaddrs, ['http://ok.example/onvif/device_service']);
});

test('scope values: category case-insensitive, percent- and plus-decoded, several joined, bad escapes kept', () => {
  const scopes = [
    'onvif://www.onvif.org/Name/Front%20Door',
    'onvif://www.onvif.org/name/cam+2',
    'onvif://www.onvif.org/hardware/100%',
    'onvif://www.onvif.org/location/',
  ];
  assert.equal(scopeValue(scopes, 'name'), 'Front Door cam 2');
  assert.equal(scopeValue(scopes, 'hardware'), '100%');
  assert.equal(scopeValue(scopes, 'location'), null);
  assert.equal(scopeValue(scopes, 'mfr'), null);
});

test("the XAddr on the answering address wins; else the first; else ONVIF's fixed device service path", () => {
  const xaddrs = ['http://10.0.0.5/onvif/device_service', 'http://192.0.2.64:8080/onvif/device_service'];
  assert.deepEqual(chooseXaddr(xaddrs, '192.0.2.64'), { xaddr: xaddrs[1], guessed: false });
  assert.deepEqual(chooseXaddr(xaddrs, '203.0.113.1'), { xaddr: xaddrs[0], guessed: false });
  assert.deepEqual(chooseXaddr(['http://[2001:db8::64]/onvif/device_service'], '2001:db8::64'), {
    xaddr: 'http://[2001:db8::64]/onvif/device_service',
    guessed: false,
  });
  assert.deepEqual(chooseXaddr([], '192.0.2.7'), { xaddr: 'http://192.0.2.7/onvif/device_service', guessed: true });
});
