/**
 * Every window the shell opens runs the renderer as untrusted web content: the options objects the shell passes
 * to BrowserWindow (window-options.ts, loaded here without Electron) hold each security setting of issue 6.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserWindowConstructorOptions } from 'electron';
import {
  SETUP_PARTITION,
  childWindowOptions,
  mainWindowOptions,
  secureWebPreferences,
  setupWindowOptions,
} from '../../src-main/electron/window-options.js';

const PRELOAD = '/app/out/src-main/electron/preload.cjs';

function assertLockedDown(name: string, options: BrowserWindowConstructorOptions): void {
  const web = options.webPreferences;
  assert.ok(web, `${name}: has webPreferences`);
  assert.equal(web.contextIsolation, true, `${name}: contextIsolation`);
  assert.equal(web.sandbox, true, `${name}: sandbox`);
  assert.equal(web.nodeIntegration, false, `${name}: nodeIntegration`);
  assert.equal(web.nodeIntegrationInWorker, false, `${name}: nodeIntegrationInWorker`);
  assert.equal(web.nodeIntegrationInSubFrames, false, `${name}: nodeIntegrationInSubFrames`);
  assert.equal(web.webSecurity, true, `${name}: webSecurity`);
  assert.equal(web.allowRunningInsecureContent, false, `${name}: allowRunningInsecureContent`);
  assert.equal(web.webviewTag, false, `${name}: webviewTag`);
  assert.equal(web.experimentalFeatures, false, `${name}: experimentalFeatures`);
  assert.equal(web.navigateOnDragDrop, false, `${name}: navigateOnDragDrop`);
  assert.equal(web.enableBlinkFeatures, undefined, `${name}: no extra Blink features`);
  assert.equal(web.additionalArguments, undefined, `${name}: no extra renderer arguments`);
}

test('the main window isolates, sandboxes and denies Node to the renderer, and loads only the CommonJS preload', () => {
  const options = mainWindowOptions({ preloadPath: PRELOAD, iconPath: '/app/assets/icons/png/256x256.png' });
  assertLockedDown('main window', options);
  assert.equal(options.webPreferences?.preload, PRELOAD);
  assert.match(options.webPreferences?.preload ?? '', /\.cjs$/, 'sandboxed preloads must be CommonJS');
  assert.equal(options.webPreferences?.partition, undefined, 'the default session, where the app cookie is set');
  assert.equal(options.show, false, 'shown when ready, not as a white flash');
  assert.equal(options.icon, '/app/assets/icons/png/256x256.png');
});

test('the first-run setup window is locked down too, has no bridge, and uses its own in-memory session', () => {
  const options = setupWindowOptions({});
  assertLockedDown('setup window', options);
  assert.equal(options.webPreferences?.preload, undefined, 'the setup page needs no bridge');
  assert.equal(options.webPreferences?.partition, SETUP_PARTITION);
  assert.ok(!SETUP_PARTITION.startsWith('persist:'), 'nothing of the setup session is written to disk');
});

test('a window an app page opens gets the same locked-down preferences', () => {
  assertLockedDown('child window', childWindowOptions(PRELOAD));
});

test('the preferences carry no switch that weakens them, whatever the arguments', () => {
  for (const web of [secureWebPreferences(null), secureWebPreferences(PRELOAD, 'p')]) {
    const keys = Object.keys(web).sort();
    assert.deepEqual(
      keys.filter((k) => !['preload', 'partition'].includes(k)),
      [
        'allowRunningInsecureContent',
        'contextIsolation',
        'experimentalFeatures',
        'navigateOnDragDrop',
        'nodeIntegration',
        'nodeIntegrationInSubFrames',
        'nodeIntegrationInWorker',
        'safeDialogs',
        'sandbox',
        'spellcheck',
        'webSecurity',
        'webviewTag',
      ],
    );
  }
});
