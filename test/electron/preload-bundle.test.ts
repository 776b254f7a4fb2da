/**
 * The preload runs sandboxed, where only CommonJS and `require('electron')` work: the bundle
 * scripts/build-preload.mjs makes is loaded here in a bare VM context whose `require` knows only `electron`
 * (a recorder standing in for contextBridge and ipcRenderer, since Electron cannot run here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import type { ThinStreamBridge } from '../../src-shared/ipc.js';
import { IPC_CHANNELS } from '../../src-shared/ipc.js';
import { REPO_ROOT } from '../support/paths.js';

test('the preload bundle is CommonJS, needs only electron, and exposes just the typed bridge', async () => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build-preload.mjs')], { stdio: 'inherit' });
  const code = readFileSync(join(REPO_ROOT, 'out/src-main/electron/preload.cjs'), 'utf8');
  assert.ok(!/^\s*(import|export)\s/m.test(code), 'no ES module syntax');

  const required: string[] = [];
  const exposed = new Map<string, unknown>();
  const invoked: Array<[string, unknown]> = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, payload: unknown) => {
        invoked.push([channel, payload]);
        return { ok: true, value: 'from main' };
      },
    },
  };
  const module = { exports: {} };
  vm.runInNewContext(code, {
    module,
    exports: module.exports,
    require: (name: string) => {
      required.push(name);
      if (name === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    },
  });
  assert.deepEqual([...new Set(required)], ['electron']);
  assert.deepEqual([...exposed.keys()], ['thinstream']);

  const bridge = exposed.get('thinstream') as ThinStreamBridge;
  assert.equal(bridge.desktop, true);
  assert.deepEqual([...bridge.channels], IPC_CHANNELS);
  assert.deepEqual(await bridge.invoke('dialog:choose-folder', { title: 'Recordings' }), {
    ok: true,
    value: 'from main',
  });
  const unknown = await bridge.invoke('shell:open-external' as 'app:get-version', {});
  assert.equal(unknown.ok, false);
  assert.deepEqual(invoked, [['dialog:choose-folder', { title: 'Recordings' }]], 'unknown channels never reach IPC');
  assert.throws(
    () => (bridge.channels as string[]).push('x'),
    (err: Error) => err.name === 'TypeError',
    'the channel list is frozen',
  );
});
