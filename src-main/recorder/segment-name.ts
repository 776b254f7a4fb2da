/**
 * Segment file names: `<sequence>-<UTC start>.mp4`, e.g. `000042-20250102T030405.123Z.mp4`.
 * The sequence has `nameDigits` digits (the original's `write.files.nameDigits`), so names sort in
 * recording order; the start time is the wall clock of the first frame, to the millisecond, so a folder
 * listing alone tells what each file holds. No characters that Windows or a URL would mangle.
 */
const NAME_PATTERN = /^(\d{1,15})-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z\.mp4$/;

export interface SegmentName {
  sequence: number;
  startMs: number;
}

export function formatSegmentName(sequence: number, startMs: number, nameDigits: number): string {
  const d = new Date(Math.round(startMs));
  const p = (v: number, n = 2): string => String(v).padStart(n, '0');
  const stamp =
    `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}Z`;
  return `${String(sequence).padStart(nameDigits, '0')}-${stamp}.mp4`;
}

/** The sequence and start of a segment file name, or null when the name is not one of ours. */
export function parseSegmentName(name: string): SegmentName | null {
  const m = NAME_PATTERN.exec(name);
  if (m === null) return null;
  const n = m.slice(1).map(Number);
  const [sequence, year, month, day, hour, minute, second, ms] = n as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const startMs = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (!Number.isFinite(startMs)) return null;
  return { sequence, startMs };
}
