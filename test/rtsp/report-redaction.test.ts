/**
 * What a camera report keeps and what it takes out (src-main/rtsp/report-redaction.ts): credentials, URL
 * user:pass, secret query values, and everything that replays an authentication (RFC 2617: nonce,
 * cnonce, response, opaque); the realm, qop, algorithm and the rest stay as the camera wrote them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED, ReportRedactor } from '../../src-main/rtsp/report-redaction.js';

const r = new ReportRedactor(['admin', 's3cr3t!', undefined, 'x']);

test('Digest Authorization keeps realm, uri, qop, algorithm and nc; username, nonce, cnonce and response go', () => {
  const value =
    'Digest username="admin", realm="IP Camera(21388)", nonce="ab12cd34", uri="rtsp://admin:s3cr3t!@10.0.0.9:554/Streaming/Channels/101", ' +
    'response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, nc=00000001, cnonce="f00d", opaque="5ccc"';
  assert.equal(
    r.header('Authorization', value),
    `Digest username="${REDACTED}", realm="IP Camera(21388)", nonce="${REDACTED}", ` +
      'uri="rtsp://10.0.0.9:554/Streaming/Channels/101", ' +
      `response="${REDACTED}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${REDACTED}", opaque="${REDACTED}"`,
  );
});

test('Basic Authorization keeps only its scheme; so does any other scheme', () => {
  assert.equal(r.header('authorization', 'Basic YWRtaW46czNjcjN0IQ=='), `Basic ${REDACTED}`);
  assert.equal(r.header('Proxy-Authorization', 'Bearer abc.def'), `Bearer ${REDACTED}`);
});

test('a Digest challenge keeps what it offers and loses its nonce and opaque; Basic challenges stay', () => {
  assert.equal(
    r.header('WWW-Authenticate', 'Digest realm="Login to 4K05", nonce="a1b2c3", opaque="", stale=FALSE, qop="auth"'),
    `Digest realm="Login to 4K05", nonce="${REDACTED}", opaque="${REDACTED}", stale=FALSE, qop="auth"`,
  );
  assert.equal(r.header('www-authenticate', 'Basic realm="IPCAM"'), 'Basic realm="IPCAM"');
});

test('URLs anywhere lose user:pass and the values of credential-like query parameters', () => {
  assert.equal(
    r.text('url=rtsp://bob:pw@cam.local:554/live?channel=1&Password=hunter2&user=bob;seq=5,url=rtsp://cam/t2'),
    `url=rtsp://cam.local:554/live?channel=1&Password=${REDACTED}&user=${REDACTED};seq=5,url=rtsp://cam/t2`,
  );
  assert.equal(r.text('Content-Base: rtsp://10.1.1.1/'), 'Content-Base: rtsp://10.1.1.1/');
});

test('the configured user name and password are replaced wherever they appear; very short ones are not', () => {
  assert.equal(
    r.text('camera: refused user "admin"\'s credentials; o=s3cr3t! 1 1 IN IP4 x'),
    `camera: refused user "${REDACTED}"'s credentials; o=${REDACTED} 1 1 IN IP4 x`,
  );
  // 'x' (one character) would blot out ordinary text: only longer secrets are searched for.
  assert.equal(r.text('x-dimensions'), 'x-dimensions');
});

test('other headers pass through as written', () => {
  assert.equal(r.header('Session', '12345678;timeout=60'), '12345678;timeout=60');
  assert.equal(
    r.header('Transport', 'RTP/AVP;unicast;client_port=5000-5001;ssrc=0x1A2B'),
    'RTP/AVP;unicast;client_port=5000-5001;ssrc=0x1A2B',
  );
});
