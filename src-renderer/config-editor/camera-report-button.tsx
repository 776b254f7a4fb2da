/**
 * "Download camera report" beside "Test connection": the server probes the camera as typed and answers a
 * camera report (src-shared/camera-report.ts: the RTSP dialogue, packet headers, parameter sets, tolerances
 * and the result or the error, with credentials and nonces taken out), which the browser saves as a JSON file
 * for the user to attach to a bug report. A failing camera gives a report too: that is what it is for.
 */
import { useState } from 'react';
import type { JSX } from 'react';
import type { ProbeRequest } from '../../src-shared/api.js';
import type { CameraReport } from '../../src-shared/camera-report.js';
import { ApiError, sendJson } from '../api/api-client.js';

type State =
  | { kind: 'idle' }
  | { kind: 'running' }
  | { kind: 'saved'; fileName: string; packets: number; failure: string | null }
  | { kind: 'error'; message: string };

export function CameraReportButton(props: { request(): ProbeRequest; fileStem: string }): JSX.Element {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const download = (): void => {
    setState({ kind: 'running' });
    sendJson<CameraReport>('POST', '/probe', { ...props.request(), report: true }, 'Recording the camera report')
      .then((report) => {
        const stamp = new Date(report.createdMs).toISOString().replace(/[:.]/g, '-');
        const fileName = `camera-report-${props.fileStem}-${stamp}.json`;
        saveJson(fileName, report);
        setState({
          kind: 'saved',
          fileName,
          packets: report.packets.length,
          failure: report.error === null ? null : report.error.message,
        });
      })
      .catch((err: unknown) =>
        setState({ kind: 'error', message: err instanceof ApiError ? err.message : String(err) }),
      );
  };
  return (
    <>
      <button type="button" onClick={download} disabled={state.kind === 'running'} data-testid="camera-report">
        {state.kind === 'running' ? 'Recording report…' : 'Download camera report'}
      </button>
      {state.kind === 'saved' && (
        <p className="muted" role="status" data-testid="camera-report-saved">
          Saved {state.fileName} ({state.packets} packets).
          {state.failure === null ? '' : ` The camera failed: ${state.failure} The report shows what happened.`} It
          holds no password; attach it to your bug report.
        </p>
      )}
      {state.kind === 'error' && (
        <p className="error" role="alert">
          {state.message}
        </p>
      )}
    </>
  );
}

/** Saves `value` as a JSON file through a temporary link (the browser's download, or Electron's). */
function saveJson(fileName: string, value: unknown): void {
  const blob = new Blob([JSON.stringify(value, null, 1)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
