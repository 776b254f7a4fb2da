/** What the desktop window may load, open and ask for (web-policy.ts): its own origin and nothing else. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONTENT_SECURITY_POLICY,
  isAppOrigin,
  mayGrantPermission,
  mayNavigate,
  mayOpenWindow,
  mayRequest,
  originOf,
  withContentSecurityPolicy,
} from '../../src-main/electron/web-policy.js';

const APP = 'https://localhost:30443';

test('the app origin is scheme, host and port exactly', () => {
  assert.equal(originOf('https://localhost:30443/index.html?x=1#y'), APP);
  assert.equal(originOf('wss://localhost:30443/api/v1/live'), APP, 'the app’s WebSockets are its own');
  assert.equal(originOf('not a url'), null);
  assert.equal(originOf('about:blank'), null);
  assert.ok(isAppOrigin('https://localhost:30443/', APP));
  for (const other of [
    'http://localhost:30443/',
    'https://localhost:30444/',
    'https://127.0.0.1:30443/',
    'https://localhost.evil.example:30443/',
    'https://evil.example/?https://localhost:30443',
    'https://user@localhost:30444/',
  ])
    assert.ok(!isAppOrigin(other, APP), other);
});

test('navigation and new windows stay in the app; everything else is blocked', () => {
  assert.ok(mayNavigate('https://localhost:30443/signin.html', APP));
  assert.ok(mayOpenWindow('https://localhost:30443/api/v1/export?x', APP));
  for (const url of [
    'https://example.com/',
    'http://localhost:30443/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'chrome://settings',
    'devtools://devtools/bundled/inspector.html',
  ]) {
    assert.ok(!mayNavigate(url, APP), `navigate ${url}`);
    assert.ok(!mayOpenWindow(url, APP), `open ${url}`);
  }
});

test('requests go to the app over https and wss, to its own blob: URLs, data: and the developer tools only', () => {
  for (const url of [
    'https://localhost:30443/app.js',
    'wss://localhost:30443/api/v1/live/demo%2Fmain',
    'blob:https://localhost:30443/5c1c9a43-6a4b-4a8b-9c6d-5b9e1bbf2a10',
    'data:image/png;base64,iVBORw0KGgo=',
    'devtools://devtools/bundled/inspector.html',
  ])
    assert.ok(mayRequest(url, APP), url);
  for (const url of [
    'https://cdn.example.com/lib.js',
    'http://localhost:30443/app.js',
    'ws://localhost:30443/api/v1/live',
    'wss://evil.example/',
    'blob:https://evil.example/5c1c',
    'file:///home/user/.ssh/id_rsa',
    'ftp://localhost:30443/',
    'chrome-extension://abc/x.js',
  ])
    assert.ok(!mayRequest(url, APP), url);
});

test('every permission is denied, whoever asks', () => {
  for (const permission of [
    'media',
    'geolocation',
    'notifications',
    'clipboard-read',
    'clipboard-sanitized-write',
    'fullscreen',
    'openExternal',
    'hid',
    'serial',
    'usb',
    'pointerLock',
    'display-capture',
    'unknown',
  ]) {
    assert.equal(mayGrantPermission(permission, `${APP}/`), false, permission);
    assert.equal(mayGrantPermission(permission, 'https://evil.example/'), false, permission);
  }
});

test('the Content-Security-Policy is strict: own origin only, no inline script, no eval, no plugins, no framing', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name ?? '', values];
    }),
  );
  assert.deepEqual(directives.get('default-src'), ["'self'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  assert.ok(!/unsafe-inline|unsafe-eval|\*|https?:/.test(CONTENT_SECURITY_POLICY), CONTENT_SECURITY_POLICY);
});

test('answers get our policy added; a policy the server sent is kept beside it, never replaced', () => {
  const bare = withContentSecurityPolicy({ 'content-type': ['text/html'] });
  assert.deepEqual(bare['Content-Security-Policy'], [CONTENT_SECURITY_POLICY]);
  assert.deepEqual(bare['content-type'], ['text/html']);
  const same = withContentSecurityPolicy({ 'content-security-policy': [CONTENT_SECURITY_POLICY] });
  assert.deepEqual(same['Content-Security-Policy'], [CONTENT_SECURITY_POLICY], 'not doubled');
  const stricter = withContentSecurityPolicy({ 'Content-Security-Policy': "default-src 'none'" });
  assert.deepEqual(stricter['Content-Security-Policy'], ["default-src 'none'", CONTENT_SECURITY_POLICY]);
  assert.deepEqual(withContentSecurityPolicy(undefined)['Content-Security-Policy'], [CONTENT_SECURITY_POLICY]);
});
