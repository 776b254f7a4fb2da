/**
 * Main's side of the IPC contract (src-shared/ipc.ts), without Electron so it can be tested on its own: every
 * request is refused unless its channel is in the contract, it comes from the top frame of a page of the app's
 * own origin, and its payload passes the channel's check. The renderer is untrusted (STYLE.md, VS Code):
 * a page that got script into the window still cannot reach anything but these handlers with valid input.
 *
 *   const router = new IpcRouter({ appOrigin: 'https://localhost:30443', handlers, log });
 *   ipcMain.handle(channel, (event, payload) => router.handle(channel, senderOf(event), payload));
 */
import type { ErrorInfo } from '../../src-shared/errors.js';
import { toErrorInfo } from '../../src-shared/errors.js';
import type { IpcChannel, IpcRequest, IpcResponse, IpcResult } from '../../src-shared/ipc.js';
import { isIpcChannel, validateIpcRequest } from '../../src-shared/ipc.js';
import { isAppOrigin } from './web-policy.js';

/** Who sent a message: the URL of the sending frame and whether it is the window's top frame. */
export interface IpcSender {
  frameUrl: string | null;
  isMainFrame: boolean;
}

export type IpcHandlers = {
  readonly [C in IpcChannel]: (request: IpcRequest<C>) => Promise<IpcResponse<C>> | IpcResponse<C>;
};

export interface IpcRouterOptions {
  /** `https://localhost:30443`: the only origin whose pages may use the bridge. */
  appOrigin: string;
  handlers: IpcHandlers;
  log?: (line: string) => void;
}

export class IpcRouter {
  private readonly log: (line: string) => void;

  constructor(private readonly options: IpcRouterOptions) {
    this.log = options.log ?? (() => {});
  }

  /** Answers one request; never throws (a refusal is `{ ok: false, error }`). */
  async handle(channel: unknown, sender: IpcSender, payload: unknown): Promise<IpcResult<unknown>> {
    const refusal = this.check(channel, sender);
    if (refusal !== null) {
      this.log(`ipc: refused ${refusal.message}`);
      return { ok: false, error: refusal };
    }
    const known = channel as IpcChannel;
    let request: IpcRequest<IpcChannel>;
    try {
      request = validateIpcRequest(known, payload);
    } catch (err) {
      const error = toErrorInfo(err);
      this.log(`ipc: refused ${error.message}`);
      return { ok: false, error };
    }
    try {
      const handler = this.options.handlers[known] as (r: IpcRequest<IpcChannel>) => unknown;
      return { ok: true, value: await handler(request) };
    } catch (err) {
      const error = toErrorInfo(err);
      this.log(`ipc: ${known} failed: ${error.message}`);
      return { ok: false, error };
    }
  }

  /** Why a message may not be handled at all, or null. */
  check(channel: unknown, sender: IpcSender): ErrorInfo | null {
    const name = typeof channel === 'string' ? JSON.stringify(channel.slice(0, 80)) : String(channel);
    if (!isIpcChannel(channel))
      return { code: 'FORBIDDEN', message: `IPC channel ${name} is not part of the desktop bridge's contract` };
    if (sender.frameUrl === null || !isAppOrigin(sender.frameUrl, this.options.appOrigin))
      return {
        code: 'FORBIDDEN',
        message: `IPC ${channel} from ${describeUrl(sender.frameUrl)}: only the app's own pages (${this.options.appOrigin}) may use the desktop bridge`,
      };
    if (!sender.isMainFrame)
      return { code: 'FORBIDDEN', message: `IPC ${channel} from a subframe: only the window's top frame may use it` };
    return null;
  }
}

function describeUrl(url: string | null): string {
  if (url === null || url === '') return 'a frame with no URL';
  try {
    return new URL(url).origin;
  } catch {
    return `an unparsable URL (${url.slice(0, 80)})`;
  }
}
