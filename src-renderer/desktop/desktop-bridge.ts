/**
 * The desktop window's bridge (`window.thinstream`, src-shared/ipc.ts), found by feature detection: LAN browsers
 * have none, and an older or newer desktop build may answer other channels, so each control asks for its own
 * channel before it shows. Answers cross as `{ ok, value | error }`; a refusal becomes a BridgeError with the
 * message main gave.
 */
import type { ErrorInfo } from '../../src-shared/errors.js';
import { BRIDGE_GLOBAL } from '../../src-shared/ipc.js';
import type { IpcChannel, IpcRequest, IpcResponse, ThinStreamBridge } from '../../src-shared/ipc.js';

export class BridgeError extends Error {
  readonly info: ErrorInfo;
  constructor(
    readonly channel: IpcChannel,
    info: ErrorInfo,
  ) {
    super(info.message);
    this.name = 'BridgeError';
    this.info = info;
  }
}

/** The bridge on `scope` (normally `window`) when it has the contract's shape, else null. Never throws. */
export function findBridge(scope: unknown): ThinStreamBridge | null {
  if (typeof scope !== 'object' || scope === null) return null;
  let candidate: unknown;
  try {
    candidate = (scope as Record<string, unknown>)[BRIDGE_GLOBAL];
  } catch {
    return null;
  }
  if (typeof candidate !== 'object' || candidate === null) return null;
  const b = candidate as Record<string, unknown>;
  if (b.desktop !== true || typeof b.invoke !== 'function' || !Array.isArray(b.channels)) return null;
  if (!b.channels.every((c) => typeof c === 'string')) return null;
  return candidate as ThinStreamBridge;
}

/** True when the bridge answers every one of `channels`. */
export function offers(bridge: ThinStreamBridge | null, ...channels: IpcChannel[]): boolean {
  return bridge !== null && channels.every((c) => bridge.channels.includes(c));
}

function asErrorInfo(value: unknown, channel: IpcChannel): ErrorInfo {
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (typeof v.message === 'string' && typeof v.code === 'string') return v as unknown as ErrorInfo;
  }
  return { code: 'INTERNAL', message: `The desktop app gave no usable answer to ${channel}.` };
}

/** Calls one channel; the value, or a BridgeError naming what main refused. */
export async function callBridge<C extends IpcChannel>(
  bridge: ThinStreamBridge,
  channel: C,
  request: IpcRequest<C>,
): Promise<IpcResponse<C>> {
  let result: unknown;
  try {
    result = await bridge.invoke(channel, request);
  } catch (err) {
    throw new BridgeError(channel, {
      code: 'INTERNAL',
      message: `The desktop app could not do ${channel}: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
  if (typeof result !== 'object' || result === null || !('ok' in result))
    throw new BridgeError(channel, asErrorInfo(null, channel));
  const r = result as { ok: unknown; value?: unknown; error?: unknown };
  if (r.ok === true) return r.value as IpcResponse<C>;
  throw new BridgeError(channel, asErrorInfo(r.error, channel));
}
