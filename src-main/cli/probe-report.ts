/**
 * Camera report files (src-shared/camera-report.ts) for `thinstream probe <url> --report report.json`:
 * the versions a report names, and the JSON layout it is written in.
 */
import { readFileSync } from 'node:fs';
import { arch, release, type } from 'node:os';
import type { CameraReport } from '../../src-shared/camera-report.js';

let thinstreamVersion: string | null = null;

/** ThinStream's version (package.json), Node's, and the OS. */
export function runtimeVersions(): CameraReport['versions'] {
  if (thinstreamVersion === null) {
    try {
      const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
      const json: unknown = JSON.parse(text);
      const v = typeof json === 'object' && json !== null && 'version' in json ? json.version : undefined;
      thinstreamVersion = typeof v === 'string' ? v : 'unknown';
    } catch {
      thinstreamVersion = 'unknown';
    }
  }
  return { thinstream: thinstreamVersion, node: process.version, os: `${type()} ${release()} ${arch()}` };
}

/**
 * The report as JSON a person can read and diff: two-space indentation, but one line per packet and per
 * dialogue entry (a five-second report has thousands of packets).
 */
export function formatCameraReport(report: CameraReport): string {
  const lines: string[] = [];
  const entries = Object.entries(report);
  entries.forEach(([key, value], i) => {
    const comma = i < entries.length - 1 ? ',' : '';
    if ((key === 'packets' || key === 'dialogue') && Array.isArray(value)) {
      if (value.length === 0) {
        lines.push(`  ${JSON.stringify(key)}: []${comma}`);
        return;
      }
      lines.push(`  ${JSON.stringify(key)}: [`);
      value.forEach((item, j) => lines.push(`    ${JSON.stringify(item)}${j < value.length - 1 ? ',' : ''}`));
      lines.push(`  ]${comma}`);
      return;
    }
    const text = JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
    lines.push(`  ${JSON.stringify(key)}: ${text}${comma}`);
  });
  return `{\n${lines.join('\n')}\n}\n`;
}
