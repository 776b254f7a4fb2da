import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { API_ROUTES, SESSION_COOKIE_NAME } from '../../src-shared/api.js';
import type { ApiErrorBody, SessionInfo, StreamsResponse } from '../../src-shared/api.js';
import { CONTENT_SECURITY_POLICY } from '../../src-main/server/security-headers.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;

before(async () => {
  server = await startTestServer({ tls: true });
});

after(async () => {
  await server.close();
});

function concretePath(path: string): string {
  return path
    .replace(':deviceUid', 'cam-a')
    .replace(':versionSid', '1-high')
    .replace(':username', 'someone')
    .replace(':serial', '0a1b');
}

function errorCode(body: unknown): string {
  return (body as ApiErrorBody).error.code;
}

test('every protected API route answers 401 with AUTH_REQUIRED without a session', async () => {
  const client = server.client();
  const protectedRoutes = API_ROUTES.filter((r) => r.auth);
  assert.ok(protectedRoutes.length >= 18);
  for (const route of protectedRoutes) {
    const response = await client.fetch(
      route.method,
      concretePath(route.path),
      route.method === 'GET' ? undefined : {},
    );
    assert.equal(response.status, 401, `${route.method} ${route.path}`);
    assert.equal(errorCode(response.json()), 'AUTH_REQUIRED', `${route.method} ${route.path}`);
  }
  // The WebSocket routes refuse the upgrade itself with 401.
  for (const path of ['/api/v1/live/cam-a/1-high', '/api/v1/playback/cam-a/1-high?from=1700000000000']) {
    const ws = client.websocket(path, {});
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    ws.terminate();
    assert.equal(status, 401, path);
  }
});

test('signing in sets an HttpOnly, Secure, SameSite=Strict session cookie; signing out ends it', async () => {
  const client = server.client();
  const wrong = await client.signIn('admin', 'not-the-password');
  assert.equal(wrong.status, 401);
  assert.equal(errorCode(wrong.json()), 'AUTH_FAILED');
  const unknown = await client.signIn('nobody', 'whatever-password');
  assert.equal(unknown.status, 401);
  assert.equal(errorCode(unknown.json()), 'AUTH_FAILED');

  const ok = await client.signIn('admin', 'admin-password');
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json() as SessionInfo, { username: 'admin', role: 'admin', via: 'password' });
  const cookie = ok.headers['set-cookie']?.[0] ?? '';
  assert.match(cookie, new RegExp(`^${SESSION_COOKIE_NAME}=[A-Za-z0-9_-]{43};`));
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; Secure/);
  assert.match(cookie, /; SameSite=Strict/);
  assert.match(cookie, /; Max-Age=\d+/);

  const session = await client.fetch('GET', '/api/v1/session');
  assert.equal(session.status, 200);
  const streams = await client.fetch('GET', '/api/v1/streams');
  assert.equal(streams.status, 200);
  const body = streams.json() as StreamsResponse;
  assert.deepEqual(
    body.cameras[0]?.versions.map((v) => v.streamId),
    ['cam-a/1-high', 'cam-a/2-low'],
  );

  const stolen = client.cookie;
  const out = await client.fetch('DELETE', '/api/v1/session');
  assert.equal(out.status, 204);
  const again = await client.fetch('GET', '/api/v1/streams', undefined, { cookie: stolen ?? '' });
  assert.equal(again.status, 401, 'the old cookie no longer works');
});

test('failed sign-ins are rate limited per user name, with Retry-After', async () => {
  const client = server.client();
  await server.ctx.users.set('victim', 'victim-password', 'viewer');
  let last = 0;
  for (let i = 0; i < 12; i++) {
    const r = await client.signIn('victim', `guess-${i}-password`);
    last = r.status;
    if (r.status === 429) {
      assert.equal(errorCode(r.json()), 'AUTH_RATE_LIMITED');
      assert.ok(Number(r.headers['retry-after']) > 0);
      break;
    }
    assert.equal(r.status, 401);
  }
  assert.equal(last, 429);
  // Even the right password is refused while limited: a guesser learns nothing.
  assert.equal((await client.signIn('victim', 'victim-password')).status, 429);
  // Other users are not affected by the guessing.
  assert.equal((await server.client().signIn('admin', 'admin-password')).status, 200);
});

test('security headers are on every answer: pages, JSON and errors', async () => {
  const client = server.client();
  for (const path of ['/signin.html', '/api/v1/streams', '/api/v1/setup', '/nope']) {
    const r = await client.fetch('GET', path);
    assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY, path);
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
    assert.match(CONTENT_SECURITY_POLICY, /media-src 'self' blob:/);
    assert.match(CONTENT_SECURITY_POLICY, /connect-src 'self'/);
    assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
    assert.equal(r.headers['referrer-policy'], 'no-referrer', path);
    assert.match(String(r.headers['strict-transport-security']), /max-age=\d+/, path);
  }
});

test('only the sign-in page and its assets are served without a session', async () => {
  const client = server.client();
  assert.equal((await client.fetch('GET', '/signin.html')).status, 200);
  assert.equal((await client.fetch('GET', '/signin.js')).status, 200);
  const root = await client.fetch('GET', '/');
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, '/signin.html');
  assert.equal((await client.fetch('GET', '/index.html')).status, 302);
  assert.equal((await client.fetch('GET', '/app.js')).status, 401);
  const admin = await server.admin();
  const page = await admin.fetch('GET', '/');
  assert.equal(page.status, 200);
  assert.match(page.text(), /<title>App<\/title>/);
  assert.equal((await admin.fetch('GET', '/app.js')).status, 200);
});

test('hostile requests get a clear 4xx with { error } and the server keeps serving', async () => {
  const admin = await server.admin();
  const cases: Array<[string, string, unknown, number, string | null, Record<string, string>?]> = [
    ['GET', '/..%2f..%2f..%2fetc%2fpasswd', undefined, 400, 'BAD_REQUEST'],
    ['GET', '/%2e%2e/%2e%2e/etc/passwd', undefined, 400, 'BAD_REQUEST'],
    ['GET', '/.env', undefined, 400, 'BAD_REQUEST'],
    ['GET', '/api/v1/streams/..%2F..%2Fetc/passwd', undefined, 404, 'STREAM_NOT_FOUND'],
    ['GET', '/api/v1/streams/no-such-cam/1-high', undefined, 404, 'STREAM_NOT_FOUND'],
    ['GET', '/api/v1/recordings/cam-a/1-high?from=abc&to=1', undefined, 400, 'TIME_RANGE_INVALID'],
    [
      'GET',
      '/api/v1/recordings/cam-a/1-high?from=1700000001000&to=1700000000000',
      undefined,
      400,
      'TIME_RANGE_INVALID',
    ],
    ['GET', '/api/v1/export/cam-a/1-high?from=-5&to=1e99', undefined, 400, 'TIME_RANGE_INVALID'],
    ['GET', '/api/v1/live/cam-a/1-high', undefined, 400, 'BAD_REQUEST'], // not an upgrade
    ['GET', '/api/v1/nothing-here', undefined, 404, 'NOT_FOUND'],
    ['POST', '/api/v1/users', Buffer.from('{"username": "x", '), 400, 'BAD_REQUEST'],
    ['POST', '/api/v1/users', [1, 2], 400, 'BAD_REQUEST'],
    ['POST', '/api/v1/users', { username: 'bad name!', password: 'long-enough-1', role: 'viewer' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/v1/users', { username: 'short', password: 'x', role: 'viewer' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/v1/users', { username: 'u', password: 'long-enough-1', role: 'root' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/v1/session', { username: 'a'.repeat(100_000), password: 'x' }, 413, 'PAYLOAD_TOO_LARGE'],
    ['PUT', '/api/v1/config', Buffer.alloc(5 * 1024 * 1024, 0x20), 413, 'PAYLOAD_TOO_LARGE'],
    [
      'POST',
      '/api/v1/users',
      { username: 'evil', password: 'long-enough-1' },
      403,
      'FORBIDDEN',
      { origin: 'https://evil.example' },
    ],
    ['GET', '/api/v1/discovery?timeoutMs=abc', undefined, 400, 'BAD_REQUEST'],
  ];
  for (const [method, path, body, status, code, headers] of cases) {
    const r = await admin.fetch(method, path, body, headers ?? {});
    assert.equal(r.status, status, `${method} ${path}: ${r.text().slice(0, 200)}`);
    if (code !== null) assert.equal(errorCode(r.json()), code, `${method} ${path}`);
    assert.ok((r.json() as ApiErrorBody).error.message.length > 10, `${method} ${path} says why`);
  }
  // A header block over Node's 16 KB limit: 431 from the HTTP parser.
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpsRequest(
      new URL('/api/v1/streams', server.url),
      { ca: server.cert!.cert, headers: { 'x-junk': 'j'.repeat(32 * 1024) } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 431);
  assert.ok(
    server.logLines.some((l) => l.includes('TIME_RANGE_INVALID')),
    'bad requests are logged',
  );
  assert.equal((await admin.fetch('GET', '/api/v1/streams')).status, 200, 'still serving');
});

test('first run: setup creates the admin only with the printed token, once', async () => {
  const fresh = await startTestServer({ tls: false, noUsers: true });
  try {
    const client = fresh.client();
    assert.deepEqual((await client.fetch('GET', '/api/v1/setup')).json(), { needsAdmin: true, signedIn: false });
    const token = fresh.ctx.setupToken.value!;
    const wrong = await client.fetch('POST', '/api/v1/setup', {
      token: 'x' + token,
      username: 'boss',
      password: 'boss-password',
    });
    assert.equal(wrong.status, 403);
    assert.equal(errorCode(wrong.json()), 'FORBIDDEN');
    const ok = await client.fetch('POST', '/api/v1/setup', { token, username: 'boss', password: 'boss-password' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json(), { username: 'boss', role: 'admin', via: 'password' });
    assert.doesNotMatch(String(ok.headers['set-cookie']), /Secure/, 'no Secure flag on a plain-HTTP port');
    assert.equal((await client.fetch('GET', '/api/v1/users')).status, 200, 'signed in as the new admin');
    assert.deepEqual((await client.fetch('GET', '/api/v1/setup')).json(), { needsAdmin: false, signedIn: true });
    assert.deepEqual((await fresh.client().fetch('GET', '/api/v1/setup')).json(), {
      needsAdmin: false,
      signedIn: false,
    });
    const again = await fresh
      .client()
      .fetch('POST', '/api/v1/setup', { token, username: 'mallory', password: 'mallory-pass' });
    assert.equal(again.status, 403, 'setup is closed once an admin exists');
    assert.equal(fresh.ctx.users.get('mallory'), null);
  } finally {
    await fresh.close();
  }
});

test('a viewer may watch but not administer', async () => {
  await server.ctx.users.set('watcher', 'watcher-password', 'viewer');
  const viewer = server.client();
  assert.equal((await viewer.signIn('watcher', 'watcher-password')).status, 200);
  assert.equal((await viewer.fetch('GET', '/api/v1/streams')).status, 200);
  for (const [method, path] of [
    ['GET', '/api/v1/config'],
    ['GET', '/api/v1/users'],
    ['POST', '/api/v1/users'],
    ['POST', '/api/v1/certs/clients'],
  ] as const) {
    const r = await viewer.fetch(method, path, method === 'POST' ? {} : undefined);
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(errorCode(r.json()), 'FORBIDDEN');
  }
});

test('users: an admin adds, resets and removes users; a reset signs the user out', async () => {
  const admin = await server.admin();
  const add = await admin.fetch('POST', '/api/v1/users', {
    username: 'alice',
    password: 'alice-password',
    role: 'viewer',
  });
  assert.equal(add.status, 201);
  const alice = server.client();
  assert.equal((await alice.signIn('alice', 'alice-password')).status, 200);
  const reset = await admin.fetch('POST', '/api/v1/users', {
    username: 'alice',
    password: 'alice-new-pass',
    role: 'viewer',
  });
  assert.equal(reset.status, 200);
  assert.equal((await alice.fetch('GET', '/api/v1/streams')).status, 401, 'signed out by the reset');
  assert.equal((await alice.signIn('alice', 'alice-new-pass')).status, 200);
  const list = (await admin.fetch('GET', '/api/v1/users')).json() as Array<{ username: string }>;
  assert.ok(list.some((u) => u.username === 'alice'));
  assert.equal((await admin.fetch('DELETE', '/api/v1/users/alice')).status, 204);
  assert.equal((await alice.fetch('GET', '/api/v1/streams')).status, 401);
  const last = await admin.fetch('DELETE', '/api/v1/users/admin');
  assert.equal(last.status, 403, 'the last admin cannot be removed');
});
