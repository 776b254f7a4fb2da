/** Storage: where recordings go, how much space they may take (with the live usage), and how long they stay. */
import { useContext, useState } from 'react';
import type { JSX } from 'react';
import { BridgeError, callBridge, offers } from '../desktop/desktop-bridge.js';
import { OpenRecordingsButton } from '../desktop/desktop-section.js';
import { useDesktopBridge } from '../desktop/use-desktop-bridge.js';
import { useAppStore } from '../store/app-store.js';
import { UsageBar } from '../status/status-page.js';
import { formatBytes, formatDuration } from '../ui/format.js';
import { CheckField, EditorContext, Fields, SelectField, TextField } from './fields.js';

const STORAGE = 'context.filesystem.streams';
const WRITE = 'server.defaults.streams.params.write';

/** Desktop window only: the OS folder dialog fills the recordings folder; the file manager opens it. */
function FolderActions(): JSX.Element | null {
  const bridge = useDesktopBridge();
  const ctx = useContext(EditorContext);
  const [error, setError] = useState<string | null>(null);
  if (bridge === null) return null;
  const choose = (): void => {
    setError(null);
    callBridge(bridge, 'dialog:choose-folder', { title: 'Recordings folder' })
      .then((r) => {
        if (r.path !== null) ctx.setValue(`${STORAGE}.rootPath`, r.path);
      })
      .catch((err: unknown) => setError(err instanceof BridgeError ? err.message : String(err)));
  };
  return (
    <div className="row-actions" data-testid="folder-actions">
      {offers(bridge, 'dialog:choose-folder') && (
        <button type="button" onClick={choose}>
          Choose the recordings folder…
        </button>
      )}
      {offers(bridge, 'recordings:open-folder') && <OpenRecordingsButton bridge={bridge} />}
      {error !== null && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function StorageSection(): JSX.Element {
  const storage = useAppStore((s) => s.telemetry?.storage ?? null);
  return (
    <div>
      <div className="panel">
        <h2>Storage</h2>
        {storage !== null && (
          <div data-testid="storage-usage">
            <UsageBar share={storage.limitBytes > 0 ? storage.usedBytes / storage.limitBytes : 0} />
            <p className="muted">
              {formatBytes(storage.usedBytes)} used of{' '}
              {storage.limitBytes > 0 ? formatBytes(storage.limitBytes) : 'no limit'}, {formatBytes(storage.freeBytes)}{' '}
              free on the disk
              {storage.oldestMs !== null && storage.newestMs !== null
                ? `; recordings cover ${formatDuration(storage.newestMs - storage.oldestMs)}`
                : ''}
              .
            </p>
          </div>
        )}
        <Fields>
          <TextField
            path={`${STORAGE}.rootPath`}
            label="Recordings folder"
            placeholder="recordings"
            hint="A folder on this computer; relative to the config file's folder."
          />
          <FolderActions />
          <TextField
            path={`${STORAGE}.defaults.limit`}
            label="Space for all recordings"
            placeholder="10GB"
            hint="e.g. 500GB or 2TB. The oldest recordings are deleted to stay within it."
          />
          <CheckField path={`${STORAGE}.defaults.isReadOnly`} label="Read only (never record or delete)" />
          <CheckField
            path={`${STORAGE}.defaults.keepUnknownFiles`}
            label="Keep files ThinStream did not make"
            defaultValue
          />
        </Fields>
      </div>
      <div className="panel">
        <h2>Recording and retention</h2>
        <Fields>
          <SelectField
            path={`${WRITE}.mode`}
            label="Record cameras"
            defaultValue="allways"
            options={[
              { value: 'allways', label: 'Always (each stream can opt out)' },
              { value: 'never', label: 'Never (each stream can opt in)' },
            ]}
          />
          <TextField
            path={`${WRITE}.files.maxAge`}
            label="Delete recordings older than"
            placeholder="no maximum"
            hint="e.g. 30d or 12h; empty keeps them until space runs out."
          />
          <TextField
            path={`${WRITE}.limit`}
            label="Space per stream"
            placeholder="no per-stream limit"
            hint="e.g. 50GB; inside the space for all recordings."
          />
          <TextField
            path={`${WRITE}.files.payload.divider`}
            label="New file every"
            placeholder="1h"
            hint="e.g. 10min, 1h."
          />
          <TextField path={`${WRITE}.files.payload.limit`} label="Largest file" placeholder="1GB" />
          <SelectField
            path={`${WRITE}.files.fsync`}
            label="Flush to disk"
            defaultValue="segment"
            options={[
              { value: 'segment', label: 'At the end of each file' },
              { value: 'fragment', label: 'Every few seconds (safest, more disk writes)' },
              { value: 'never', label: 'Let the system decide' },
            ]}
          />
        </Fields>
      </div>
    </div>
  );
}
