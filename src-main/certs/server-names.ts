/**
 * The names a browser on this machine or the LAN may use to reach the server, for a server certificate's
 * subjectAltName: localhost, 127.0.0.1, ::1, the host name (and `<name>.local` for mDNS), and every LAN address.
 */
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { SubjectAltNames } from './cert-builder.js';

export function serverAltNames(): SubjectAltNames {
  const dns = new Set<string>(['localhost']);
  const name = hostname().trim().toLowerCase();
  if (name !== '' && /^[a-z0-9.-]+$/.test(name)) {
    dns.add(name);
    if (!name.includes('.')) dns.add(`${name}.local`);
  }
  const ips = new Set<string>(['127.0.0.1', '::1']);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.internal) continue;
      // Link-local IPv6 needs a zone (%eth0) that no URL a browser takes can carry: leave it out.
      if (address.family === 'IPv6' && address.address.toLowerCase().startsWith('fe80:')) continue;
      ips.add(canonicalIp(address.address));
    }
  }
  return { dns: [...dns], ips: [...ips] };
}

/** One spelling per address (IPv6 as 8 groups without leading zeros, lower case), so lists compare. */
export function canonicalIp(ip: string): string {
  const plain = ip.replace(/%.*$/, '').toLowerCase();
  if (isIP(plain) !== 6) return plain;
  // An embedded IPv4 (::ffff:1.2.3.4) counts as two groups.
  const groupsOf = (text: string): string[] =>
    text === ''
      ? []
      : text.split(':').flatMap((p) => {
          if (!p.includes('.')) return [p];
          const [a = 0, b = 0, c = 0, d = 0] = p.split('.').map(Number);
          return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
        });
  const gap = plain.indexOf('::');
  const left = groupsOf(gap < 0 ? plain : plain.slice(0, gap));
  const right = gap < 0 ? [] : groupsOf(plain.slice(gap + 2));
  const zeros = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...(gap < 0 ? [] : zeros), ...right].map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** Names in `wanted` that `have` lacks (DNS case-insensitive, IPs compared canonically). */
export function missingAltNames(wanted: SubjectAltNames, have: SubjectAltNames): string[] {
  const dns = new Set(have.dns.map((d) => d.toLowerCase()));
  const ips = new Set(have.ips.map(canonicalIp));
  return [
    ...wanted.dns.filter((d) => !dns.has(d.toLowerCase())),
    ...wanted.ips.filter((ip) => !ips.has(canonicalIp(ip))),
  ];
}
