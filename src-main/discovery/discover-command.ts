/**
 * `thinstream discover`: finding cameras from the command line (headless installs have no config editor).
 *
 *   thinstream discover [--host H [--port N]] [--timeout-ms N] [--json]        ONVIF cameras (LAN multicast, or one host)
 *   thinstream discover --xaddr <url|host> --user U --password P [--json]      a camera's profiles and RTSP addresses
 *   thinstream discover --patterns --host H [--port N] [--user U --password P] [--only id,id] [--json]
 *                                                                               brand RTSP paths tried with DESCRIBE
 *
 * Exit 0 on success (also when no camera answered: the list is empty); 2 usage, 3 credentials refused,
 * 4 unreachable or no answer in time, 1 other. Passwords are never printed.
 */
import { parseArgs } from 'node:util';
import { CAMERA_URL_PATTERNS } from '../../src-shared/camera-url-patterns.js';
import { toErrorInfo, type ErrorCode } from '../../src-shared/errors.js';
import type { CliCommand } from '../cli/command.js';
import { discoveryFromQuery, streamUris, urlPatterns } from './discovery-requests.js';

const USAGE = `Usage: thinstream discover [--host H [--port N]] [--timeout-ms N] [--json]
       thinstream discover --xaddr <url|host> --user U --password P [--json]
       thinstream discover --patterns --host H [--port N] [--user U --password P] [--only id,id] [--channel N] [--json]
  Without --xaddr or --patterns: sends an ONVIF WS-Discovery probe (multicast on the LAN, or unicast to --host)
  and lists the cameras that answer. --xaddr asks one camera for its profiles and RTSP addresses.
  --patterns tries the RTSP paths of common brands (${CAMERA_URL_PATTERNS.map((p) => p.id).join(', ')}).`;

export function exitCodeForDiscovery(code: ErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST':
    case 'URL_INVALID':
      return 2;
    case 'ONVIF_AUTH_REFUSED':
      return 3;
    case 'ONVIF_UNREACHABLE':
    case 'ONVIF_TIMEOUT':
      return 4;
    default:
      return 1;
  }
}

export const discoverCommand: CliCommand = {
  name: 'discover',
  summary: 'find ONVIF cameras, their RTSP addresses, or which brand RTSP paths a host answers',
  async run(args: string[]): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          host: { type: 'string' },
          port: { type: 'string' },
          'timeout-ms': { type: 'string' },
          xaddr: { type: 'string' },
          user: { type: 'string' },
          password: { type: 'string' },
          patterns: { type: 'boolean', default: false },
          only: { type: 'string' },
          channel: { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', default: false },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      process.stderr.write(`thinstream discover: ${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const out = (value: unknown, text: () => string) =>
      process.stdout.write(values.json ? JSON.stringify(value) + '\n' : text());
    const number = (text: string | undefined) =>
      text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : text;
    try {
      if (values.xaddr !== undefined) {
        const result = await streamUris({
          xaddr: values.xaddr,
          user: values.user,
          password: values.password,
          timeoutMs: number(values['timeout-ms']),
        });
        out(result, () => {
          const lines = [
            `${result.manufacturer ?? '?'} ${result.model ?? '?'} (firmware ${result.firmware ?? '?'}) at ${result.xaddr}`,
            `main: ${result.mainUri ?? '(none)'}`,
            `sub:  ${result.subUri ?? '(none)'}`,
            ...result.profiles.map(
              (p) =>
                `  ${p.token.padEnd(16)} ${(p.encoding ?? '-').padEnd(5)} ${p.width ?? '?'}x${p.height ?? '?'} ${p.fps ?? '?'} fps  ${p.uri ?? p.problem ?? ''}`,
            ),
          ];
          if (result.quirks.length > 0) lines.push(`quirks: ${result.quirks.join(', ')}`);
          return lines.join('\n') + '\n';
        });
        return 0;
      }
      if (values.patterns) {
        const result = await urlPatterns({
          host: values.host,
          port: number(values.port),
          user: values.user,
          password: values.password,
          patterns: values.only?.split(',').map((s) => s.trim()),
          channel: number(values.channel),
          timeoutMs: number(values['timeout-ms']),
        });
        out(
          result,
          () =>
            result.checks.map((c) => `${c.outcome.padEnd(17)} ${c.patternId}/${c.stream}  ${c.url}`).join('\n') + '\n',
        );
        return 0;
      }
      const query: Record<string, string> = {};
      if (values.host !== undefined) query['host'] = values.host;
      if (values.port !== undefined) query['port'] = values.port;
      if (values['timeout-ms'] !== undefined) query['timeoutMs'] = values['timeout-ms'];
      const result = await discoveryFromQuery(query);
      out(result, () => {
        if (result.cameras.length === 0) return `no camera answered (${result.mode}, ${result.durationMs} ms)\n`;
        return (
          result.cameras
            .map(
              (c) => `${c.address.padEnd(16)} ${(c.name ?? '?').padEnd(24)} ${(c.model ?? '?').padEnd(20)} ${c.xaddr}`,
            )
            .join('\n') + '\n'
        );
      });
      return 0;
    } catch (err) {
      const info = toErrorInfo(err);
      process.stderr.write(`thinstream discover: ${info.message}\n`);
      return exitCodeForDiscovery(info.code);
    }
  },
};
