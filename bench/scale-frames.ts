/**
 * Frames recorded, counted by ffprobe (an independent reader, the same for ThinStream's and ffmpeg's files):
 * every `.mp4` under a folder, `-count_packets` on its video stream. Also the bytes on disk of every file.
 */
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface RecordedFrames {
  files: number;
  frames: number;
  /** Every file under the folder (MP4s, indexes), as stored. */
  bytesOnDisk: number;
  /** Files ffprobe could not read, with its message. */
  unreadable: string[];
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

function countPackets(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-count_packets'].concat([
        '-show_entries',
        'stream=nb_read_packets',
        '-of',
        'csv=p=0',
        file,
      ]),
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        const n = Number(stdout.trim());
        if (err || !Number.isInteger(n)) reject(new Error(`${file}: ${stderr.trim() || err?.message || stdout}`));
        else resolve(n);
      },
    );
  });
}

export async function countRecordedFrames(dir: string, concurrency = 2): Promise<RecordedFrames> {
  const files = await walk(dir);
  const result: RecordedFrames = { files: 0, frames: 0, bytesOnDisk: 0, unreadable: [] };
  for (const f of files) result.bytesOnDisk += (await stat(f)).size;
  const mp4s = files.filter((f) => f.endsWith('.mp4')).sort();
  result.files = mp4s.length;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < mp4s.length) {
      const file = mp4s[next++]!;
      try {
        const frames = await countPackets(file); // (not `+= await`: that would read the sum before waiting)
        result.frames += frames;
      } catch (err) {
        result.unreadable.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}
