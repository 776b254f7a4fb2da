/**
 * The IPC contract (src-shared/ipc.ts) and main's router (ipc-router.ts), without Electron: every channel checks
 * its payload before its handler runs, a channel outside the contract is refused, and so is a message from any
 * page that is not the app's own top frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IpcChannel, IpcResult } from '../../src-shared/ipc.js';
import { IPC_CHANNELS, IpcRequestError, validateIpcRequest } from '../../src-shared/ipc.js';
import type { IpcHandlers } from '../../src-main/electron/ipc-router.js';
import { IpcRouter } from '../../src-main/electron/ipc-router.js';

const APP = 'https://localhost:30443';
const FROM_APP = { frameUrl: `${APP}/index.html`, isMainFrame: true };

/** For each channel: requests it must take (and what it makes of them), and requests it must refuse. */
const CASES: { [C in IpcChannel]: { valid: Array<[unknown, unknown]>; invalid: unknown[] } } = {
  'app:get-version': { valid: [[{}, {}]], invalid: [undefined, null, 'x', [], { extra: 1 }] },
  'recordings:open-folder': { valid: [[{}, {}]], invalid: [undefined, { path: '/etc' }, 7] },
  'dialog:choose-folder': {
    valid: [
      [{}, {}],
      [{ title: 'Recordings folder' }, { title: 'Recordings folder' }],
      [{ title: undefined }, {}],
    ],
    invalid: [
      { title: 5 },
      { title: 'x'.repeat(201) },
      { title: 'two\nlines' },
      { title: 'ok', defaultPath: '/etc' },
      null,
    ],
  },
  'window:list-displays': { valid: [[{}, {}]], invalid: [{ all: true }, 'displays'] },
  'window:set-mode': {
    valid: [
      [{ mode: 'windowed' }, { mode: 'windowed' }],
      [
        { mode: 'full-screen', displayId: 2 },
        { mode: 'full-screen', displayId: 2 },
      ],
      [
        { mode: 'kiosk', displayId: 0 },
        { mode: 'kiosk', displayId: 0 },
      ],
    ],
    invalid: [
      {},
      { mode: 'maximized' },
      { mode: 'kiosk', displayId: -1 },
      { mode: 'kiosk', displayId: 1.5 },
      { mode: 'kiosk', displayId: '2' },
      { mode: 'kiosk', bounds: { x: 0 } },
      { mode: ['kiosk'] },
    ],
  },
  'app:get-start-at-login': { valid: [[{}, {}]], invalid: [{ enabled: true }] },
  'app:set-start-at-login': {
    valid: [
      [{ enabled: true }, { enabled: true }],
      [{ enabled: false }, { enabled: false }],
    ],
    invalid: [{}, { enabled: 'yes' }, { enabled: 1 }, { enabled: true, args: ['--inspect'] }],
  },
  'desktop:get-settings': { valid: [[{}, {}]], invalid: [[]] },
  'desktop:set-settings': {
    valid: [
      [{ closeToTray: false }, { closeToTray: false }],
      [{}, {}],
    ],
    invalid: [{ closeToTray: 'no' }, { theme: 'dark' }, { __proto__: { closeToTray: true }, x: 1 }],
  },
};

function recordingHandlers(calls: Array<[string, unknown]>): IpcHandlers {
  const record =
    <T>(channel: IpcChannel, answer: T) =>
    (request: unknown): T => {
      calls.push([channel, request]);
      return answer;
    };
  return {
    'app:get-version': record('app:get-version', {
      version: '0.1.0',
      electron: '41',
      chrome: '1',
      node: '20',
      platform: 'linux',
    }),
    'recordings:open-folder': record('recordings:open-folder', { path: '/data/recordings' }),
    'dialog:choose-folder': record('dialog:choose-folder', { path: null }),
    'window:list-displays': record('window:list-displays', []),
    'window:set-mode': record('window:set-mode', { mode: 'windowed' as const, displayId: 1 }),
    'app:get-start-at-login': record('app:get-start-at-login', { enabled: false, supported: true }),
    'app:set-start-at-login': record('app:set-start-at-login', { enabled: true, supported: true }),
    'desktop:get-settings': record('desktop:get-settings', { closeToTray: true }),
    'desktop:set-settings': record('desktop:set-settings', { closeToTray: false }),
  };
}

test('the cases cover every channel of the contract', () => {
  assert.deepEqual(Object.keys(CASES).sort(), [...IPC_CHANNELS].sort());
});

test('each channel takes its valid requests, as the plain values its handler gets', () => {
  for (const channel of IPC_CHANNELS)
    for (const [payload, expected] of CASES[channel].valid)
      assert.deepEqual(validateIpcRequest(channel, payload), expected, `${channel} ${JSON.stringify(payload)}`);
});

test('each channel refuses a malformed request with an error naming the channel and the fault', () => {
  for (const channel of IPC_CHANNELS)
    for (const payload of CASES[channel].invalid)
      assert.throws(
        () => validateIpcRequest(channel, payload),
        (err: unknown) =>
          err instanceof IpcRequestError &&
          err.code === 'BAD_REQUEST' &&
          err.channel === channel &&
          err.message.startsWith(`IPC ${channel}: `),
        `${channel} ${JSON.stringify(payload)}`,
      );
});

test('a request from an instance of a class is refused (only plain, JSON-like objects cross)', () => {
  class Sneaky {
    enabled = true;
  }
  assert.throws(() => validateIpcRequest('app:set-start-at-login', new Sneaky()), IpcRequestError);
});

test('the router runs the handler of a valid request from the app and answers { ok: true, value }', async () => {
  const calls: Array<[string, unknown]> = [];
  const router = new IpcRouter({ appOrigin: APP, handlers: recordingHandlers(calls) });
  const answer = await router.handle('window:set-mode', FROM_APP, { mode: 'windowed' });
  assert.deepEqual(answer, { ok: true, value: { mode: 'windowed', displayId: 1 } });
  assert.deepEqual(calls, [['window:set-mode', { mode: 'windowed' }]]);
  for (const channel of IPC_CHANNELS) {
    const [payload] = CASES[channel].valid[0] ?? [];
    const result = await router.handle(channel, FROM_APP, payload);
    assert.equal(result.ok, true, channel);
  }
});

test('the router refuses a malformed request without running the handler', async () => {
  const calls: Array<[string, unknown]> = [];
  const lines: string[] = [];
  const router = new IpcRouter({ appOrigin: APP, handlers: recordingHandlers(calls), log: (l) => lines.push(l) });
  for (const channel of IPC_CHANNELS)
    for (const payload of CASES[channel].invalid) {
      const answer = await router.handle(channel, FROM_APP, payload);
      assert.equal(answer.ok, false);
      assert.equal((answer as Extract<IpcResult<unknown>, { ok: false }>).error.code, 'BAD_REQUEST');
    }
  assert.deepEqual(calls, []);
  assert.ok(lines.every((l) => l.startsWith('ipc: refused IPC ')));
});

test('the router refuses channels outside the contract', async () => {
  const calls: Array<[string, unknown]> = [];
  const router = new IpcRouter({ appOrigin: APP, handlers: recordingHandlers(calls) });
  for (const channel of ['shell:open-external', 'app:quit', 'constructor', '__proto__', 'toString', '', 42, null]) {
    const answer = await router.handle(channel, FROM_APP, {});
    assert.deepEqual(answer.ok, false, String(channel));
    if (!answer.ok) {
      assert.equal(answer.error.code, 'FORBIDDEN');
      assert.match(answer.error.message, /is not part of the desktop bridge's contract/);
    }
  }
  assert.deepEqual(calls, []);
});

test('the router refuses messages from another origin, a frame with no URL, or a subframe', async () => {
  const calls: Array<[string, unknown]> = [];
  const router = new IpcRouter({ appOrigin: APP, handlers: recordingHandlers(calls) });
  const senders = [
    { frameUrl: 'https://evil.example/', isMainFrame: true },
    { frameUrl: 'http://localhost:30443/', isMainFrame: true },
    { frameUrl: 'https://localhost:30444/', isMainFrame: true },
    { frameUrl: 'file:///tmp/page.html', isMainFrame: true },
    { frameUrl: 'about:blank', isMainFrame: true },
    { frameUrl: 'data:text/html,hi', isMainFrame: true },
    { frameUrl: '', isMainFrame: true },
    { frameUrl: null, isMainFrame: true },
    { frameUrl: `${APP}/index.html`, isMainFrame: false },
  ];
  for (const sender of senders) {
    const answer = await router.handle('app:get-version', sender, {});
    assert.equal(answer.ok, false, JSON.stringify(sender));
    if (!answer.ok) assert.equal(answer.error.code, 'FORBIDDEN');
  }
  const evil = await router.handle('app:get-version', { frameUrl: 'https://evil.example/x', isMainFrame: true }, {});
  assert.ok(!evil.ok && evil.error.message.includes('https://evil.example') && evil.error.message.includes(APP));
  assert.deepEqual(calls, []);
});

test('a handler that fails answers { ok: false } with its error code, and the router keeps serving', async () => {
  const calls: Array<[string, unknown]> = [];
  const handlers: IpcHandlers = {
    ...recordingHandlers(calls),
    'recordings:open-folder': () => {
      throw new IpcRequestError('recordings:open-folder', 'the folder /nope does not exist');
    },
    'dialog:choose-folder': async () => {
      throw new Error('the dialog could not open');
    },
  };
  const router = new IpcRouter({ appOrigin: APP, handlers });
  assert.deepEqual(await router.handle('recordings:open-folder', FROM_APP, {}), {
    ok: false,
    error: { code: 'BAD_REQUEST', message: 'IPC recordings:open-folder: the folder /nope does not exist' },
  });
  assert.deepEqual(await router.handle('dialog:choose-folder', FROM_APP, {}), {
    ok: false,
    error: { code: 'INTERNAL', message: 'the dialog could not open' },
  });
  assert.equal((await router.handle('desktop:get-settings', FROM_APP, {})).ok, true);
});
