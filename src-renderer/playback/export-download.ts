/**
 * Downloads an MP4 export while it is made: fetch with a ReadableStream reader counting bytes against an
 * estimate (the recorded bytes in the range), then hands the file to the browser to save.
 */
import { API_PREFIX } from '../../src-shared/api.js';
import { ApiError, apiFetch, streamPath } from '../api/api-client.js';

export interface ExportProgress {
  receivedBytes: number;
  /** From the recordings in the range; the real file differs a little (its own boxes). */
  estimatedBytes: number;
}

export async function downloadExport(
  deviceUid: string,
  versionSid: string,
  fromMs: number,
  toMs: number,
  estimatedBytes: number,
  onProgress: (p: ExportProgress) => void,
  signal: AbortSignal,
): Promise<{ bytes: number; fileName: string }> {
  const path = `/export/${streamPath(deviceUid, versionSid)}?from=${Math.floor(fromMs)}&to=${Math.ceil(toMs)}`;
  const response = await apiFetch(path, { signal }, 'The export');
  const reader = response.body?.getReader();
  if (reader === undefined) throw new ApiError(0, { code: 'INTERNAL', message: 'The export came back empty.' });
  const chunks: Uint8Array[] = [];
  let received = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onProgress({ receivedBytes: received, estimatedBytes });
  }
  const stamp = new Date(fromMs).toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
  const fileName = `${deviceUid}-${versionSid}-${stamp}.mp4`;
  const blob = new Blob(chunks as BlobPart[], { type: 'video/mp4' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { bytes: received, fileName };
}

/** The export's address, for a plain link (VLC, another tab). */
export function exportHref(deviceUid: string, versionSid: string, fromMs: number, toMs: number): string {
  return `${API_PREFIX}/export/${streamPath(deviceUid, versionSid)}?from=${Math.floor(fromMs)}&to=${Math.ceil(toMs)}`;
}
