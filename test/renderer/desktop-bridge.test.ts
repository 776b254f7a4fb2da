import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPC_CHANNELS, validateIpcRequest } from '../../src-shared/ipc.js';
import type { IpcChannel, IpcResult, ThinStreamBridge } from '../../src-shared/ipc.js';
import { BridgeError, callBridge, findBridge, offers } from '../../src-renderer/desktop/desktop-bridge.js';

/** A bridge like the preload's: checks each request with the contract's validator, as main does, then answers. */
function bridgeLike(answer: (channel: IpcChannel, request: unknown) => unknown, channels = IPC_CHANNELS) {
  const calls: Array<[IpcChannel, unknown]> = [];
  const bridge = {
    desktop: true as const,
    channels,
    async invoke(channel: IpcChannel, request: unknown) {
      calls.push([channel, request]);
      try {
        validateIpcRequest(channel, request);
      } catch (err) {
        return { ok: false, error: { code: 'BAD_REQUEST', message: (err as Error).message } };
      }
      return answer(channel, request);
    },
  };
  return { bridge: bridge as unknown as ThinStreamBridge, calls };
}

test('no bridge in a LAN browser, nor anything that only looks like one', () => {
  assert.equal(findBridge({}), null);
  assert.equal(findBridge(null), null);
  assert.equal(findBridge({ thinstream: { desktop: 'yes', channels: [], invoke() {} } }), null);
  assert.equal(findBridge({ thinstream: { desktop: true, channels: 'all', invoke() {} } }), null);
  assert.equal(findBridge({ thinstream: { desktop: true, channels: [1], invoke() {} } }), null);
  assert.equal(findBridge({ thinstream: { desktop: true, channels: [] } }), null);
  const throwing = Object.defineProperty({}, 'thinstream', {
    get() {
      throw new Error('blocked');
    },
  });
  assert.equal(findBridge(throwing), null);
  const { bridge } = bridgeLike(() => ({ ok: true, value: null }));
  assert.equal(findBridge({ thinstream: bridge }), bridge);
});

test('a control shows only when the bridge answers each of its channels', () => {
  const { bridge } = bridgeLike(() => ({ ok: true, value: null }), ['recordings:open-folder', 'window:list-displays']);
  assert.equal(offers(bridge, 'recordings:open-folder'), true);
  assert.equal(offers(bridge, 'window:list-displays', 'window:set-mode'), false);
  assert.equal(offers(null, 'recordings:open-folder'), false);
});

test('an answer comes back as its value; a refusal as a BridgeError with main’s message', async () => {
  const { bridge, calls } = bridgeLike((channel) =>
    channel === 'dialog:choose-folder'
      ? ({ ok: true, value: { path: '/media/nvr' } } satisfies IpcResult<{ path: string }>)
      : { ok: false, error: { code: 'NOT_IMPLEMENTED', message: 'start at login needs the installed app' } },
  );
  assert.deepEqual(await callBridge(bridge, 'dialog:choose-folder', { title: 'Recordings folder' }), {
    path: '/media/nvr',
  });
  await assert.rejects(callBridge(bridge, 'app:set-start-at-login', { enabled: true }), (err: unknown) => {
    assert.ok(err instanceof BridgeError);
    assert.equal(err.channel, 'app:set-start-at-login');
    assert.equal(err.info.code, 'NOT_IMPLEMENTED');
    assert.match(err.message, /installed app/);
    return true;
  });
  // A request the contract refuses comes back refused, named by its channel.
  await assert.rejects(
    callBridge(bridge, 'window:set-mode', { mode: 'maximised' } as never),
    /IPC window:set-mode: "mode" must be one of windowed, full-screen, kiosk/,
  );
  assert.deepEqual(
    calls.map((c) => c[0]),
    ['dialog:choose-folder', 'app:set-start-at-login', 'window:set-mode'],
  );
});

test('a bridge that throws or answers nonsense gives a BridgeError, never an unhandled value', async () => {
  const thrower = {
    desktop: true,
    channels: IPC_CHANNELS,
    invoke: () => Promise.reject(new Error('IPC closed')),
  } as unknown as ThinStreamBridge;
  await assert.rejects(callBridge(thrower, 'app:get-version', {}), /could not do app:get-version: IPC closed/);
  const odd = { desktop: true, channels: IPC_CHANNELS, invoke: async () => 42 } as unknown as ThinStreamBridge;
  await assert.rejects(callBridge(odd, 'app:get-version', {}), BridgeError);
  const badError = {
    desktop: true,
    channels: IPC_CHANNELS,
    invoke: async () => ({ ok: false, error: 'nope' }),
  } as unknown as ThinStreamBridge;
  await assert.rejects(callBridge(badError, 'app:get-version', {}), /no usable answer to app:get-version/);
});
