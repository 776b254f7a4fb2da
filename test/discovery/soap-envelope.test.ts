import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SoapFaultError,
  escapeXml,
  passwordDigest,
  readSoapBody,
  securityHeader,
  soapEnvelope,
} from '../../src-main/discovery/soap-envelope.js';
import { parseXml, textAt, attributeNamed, findDescendant } from '../../src-main/discovery/xml-reader.js';
import { onvifFixture } from './support.js';

const NONCE = Uint8Array.from({ length: 16 }, (_, i) => i);

test('PasswordDigest is Base64(SHA-1(nonce + Created + password)), as openssl computes it', () => {
  // (printf '\x00..\x0f'; printf '2026-01-02T03:04:05.000Zsecret') | openssl sha1 -binary | base64
  assert.equal(passwordDigest(NONCE, '2026-01-02T03:04:05.000Z', 'secret'), '1GZoXQfvOOzts70qPCbayodt23w=');
});

test("the Security header carries user, digest, nonce and Created in the camera's time, and escapes the user", () => {
  const nowMs = Date.UTC(2026, 0, 2, 3, 4, 5);
  const header = securityHeader({ user: 'a<b&"c', password: 'secret' }, nowMs, NONCE);
  const envelope = parseXml(soapEnvelope('<x:Op xmlns:x="urn:x"/>', header));
  const token = findDescendant(envelope, 'UsernameToken')!;
  assert.equal(textAt(token, 'Username'), 'a<b&"c');
  assert.equal(textAt(token, 'Password'), '1GZoXQfvOOzts70qPCbayodt23w=');
  assert.match(attributeNamed(findDescendant(token, 'Password')!, 'Type')!, /#PasswordDigest$/);
  assert.equal(textAt(token, 'Nonce'), Buffer.from(NONCE).toString('base64'));
  assert.equal(textAt(token, 'Created'), '2026-01-02T03:04:05.000Z');
  assert.equal(escapeXml(`<>&"'`), '&lt;&gt;&amp;&quot;&apos;');
});

test("the body's first element is returned; a non-envelope or an empty Body is a clear error", () => {
  const { element } = readSoapBody(onvifFixture('getstreamuri.xml'), 'GetStreamUri');
  assert.equal(element.name, 'GetStreamUriResponse');
  assert.throws(() => readSoapBody('<html/>', 'cam'), /cam: the answer is not a SOAP envelope \(root <html>\)/);
  assert.throws(
    () => readSoapBody('<Envelope xmlns="urn:not-soap"><Body><x/></Body></Envelope>', 'cam'),
    /not a SOAP envelope/,
  );
  assert.throws(
    () => readSoapBody('<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>', 'cam'),
    /empty Body/,
  );
  assert.throws(() => readSoapBody('not xml', 'cam'), /cam: the answer is not SOAP \(malformed XML/);
});

test('NotAuthorized (SOAP 1.2) and FailedAuthentication (SOAP 1.1) say the camera refused the credentials', () => {
  for (const name of ['fault-notauthorized-soap12.xml', 'fault-failedauthentication-soap11.xml']) {
    assert.throws(
      () => readSoapBody(onvifFixture(name), 'ONVIF GetProfiles at http://cam'),
      (err: unknown) =>
        err instanceof SoapFaultError &&
        err.code === 'ONVIF_AUTH_REFUSED' &&
        /ONVIF GetProfiles at http:\/\/cam: the camera refused the credentials/.test(err.message),
      name,
    );
  }
});

test('another fault keeps its codes and reason', () => {
  try {
    readSoapBody(onvifFixture('fault-actionnotsupported-soap12.xml'), 'cam');
    assert.fail('no fault');
  } catch (err) {
    assert.ok(err instanceof SoapFaultError);
    assert.equal(err.code, 'ONVIF_FAULT');
    assert.equal(err.faultCode, 'Receiver');
    assert.deepEqual(err.subcodes, ['ActionNotSupported', 'NoSuchService']);
    assert.equal(err.reason, 'Optional Action Not Implemented');
    assert.match(err.message, /Receiver\/ActionNotSupported\/NoSuchService: Optional Action Not Implemented/);
  }
});
