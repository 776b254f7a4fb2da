/**
 * Export: one fragmented MP4 of a stream between two times, made from the recordings as it is streamed
 * (one fragment per GOP, pulled only as fast as the consumer reads). It starts at the keyframe at or
 * before `fromMs` and ends with the last frame before `toMs`; the file's time starts at 0 and gaps in the
 * recordings stay gaps. The first segment's format goes into the moov; when a later segment's SPS/PPS
 * differ, they stay in-band in front of its keyframes (decoders follow them; the sample entry does not).
 */
import { Readable } from 'node:stream';
import type { StreamId } from '../../src-shared/access-unit.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { Fmp4Muxer } from '../recorder/mp4/fmp4-muxer.js';
import type { RecordingCatalog } from './recording-catalog.js';

export interface ExportOptions {
  /** A fragment is cut at least this often (ms of media). Default 2000. */
  fragmentMaxMs?: number;
  log?: (line: string) => void;
}

/**
 * A Readable of one MP4. Throws TIME_RANGE_INVALID for a bad range and RECORDING_NOT_FOUND when nothing
 * is recorded in it, before any byte is produced (so an HTTP handler can still answer 4xx).
 */
export function exportMp4(
  catalog: RecordingCatalog,
  streamId: StreamId,
  fromMs: number,
  toMs: number,
  options: ExportOptions = {},
): Readable {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) {
    throw new ThinStreamError(
      'TIME_RANGE_INVALID',
      `export of ${streamId}: the range ${fromMs}..${toMs} is not a time range (from must be before to)`,
    );
  }
  if (catalog.segments(streamId, fromMs, toMs).length === 0) {
    throw new ThinStreamError(
      'RECORDING_NOT_FOUND',
      `export of ${streamId}: nothing is recorded between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`,
    );
  }
  const reader = catalog.openReader(streamId, fromMs, {
    speed: 0,
    endMs: toMs,
    ...(options.log ? { log: options.log } : {}),
  });
  const muxer = new Fmp4Muxer({ fragmentEvery: 'gop', fragmentMaxMs: options.fragmentMaxMs ?? 2000 });
  let started = false;
  let ended = false;

  const stream = new Readable({
    highWaterMark: 4 * 1024 * 1024,
    read() {
      void pump();
    },
    destroy(err, callback) {
      reader.close();
      callback(err);
    },
  });
  let pumping = false;
  const pump = async (): Promise<void> => {
    if (pumping || ended) return;
    pumping = true;
    try {
      let wantMore = true;
      while (wantMore && !ended) {
        const unit = await reader.next();
        if (stream.destroyed) return;
        if (unit === null) {
          ended = true;
          reader.close();
          if (!started) {
            stream.destroy(
              new ThinStreamError(
                'RECORDING_NOT_FOUND',
                `export of ${streamId}: the recordings in range could not be read`,
              ),
            );
            return;
          }
          for (const chunk of muxer.flush()) stream.push(chunk);
          stream.push(null);
          return;
        }
        if (!started) {
          started = true;
          wantMore = stream.push(muxer.init(unit.format, unit.timeMs));
        }
        for (const chunk of muxer.push(unit.au)) wantMore = stream.push(chunk) && wantMore;
      }
    } catch (err) {
      stream.destroy(err instanceof Error ? err : new Error(String(err)));
    } finally {
      pumping = false;
    }
  };
  return stream;
}
