/**
 * The desktop window's preload: puts the typed bridge (src-shared/ipc.ts) on `window.thinstream` and nothing
 * else. It runs sandboxed, so it is bundled to CommonJS (scripts/build-preload.mjs → preload.cjs); `ipcRenderer`
 * itself is never exposed, so a page can only call the contract's channels, and main checks each call again.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcChannel, IpcRequest, IpcResponse, IpcResult, ThinStreamBridge } from '../../src-shared/ipc.js';
import { BRIDGE_GLOBAL, IPC_CHANNELS, isIpcChannel } from '../../src-shared/ipc.js';

const bridge: ThinStreamBridge = {
  desktop: true,
  channels: Object.freeze([...IPC_CHANNELS]),
  invoke<C extends IpcChannel>(channel: C, request: IpcRequest<C>): Promise<IpcResult<IpcResponse<C>>> {
    if (!isIpcChannel(channel)) {
      const name = typeof channel === 'string' ? JSON.stringify(channel) : String(channel);
      return Promise.resolve({
        ok: false,
        error: { code: 'FORBIDDEN', message: `IPC channel ${name} is not part of the desktop bridge's contract` },
      });
    }
    return ipcRenderer.invoke(channel, request ?? {}) as Promise<IpcResult<IpcResponse<C>>>;
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
