/**
 * Takes credentials out of what a camera report records (src-shared/camera-report.ts). Pure. A report is
 * meant to be attached to a public bug report, so the rule is: nothing that lets someone sign in to the
 * camera, nothing that replays an authentication (RFC 2617 nonces and responses), and the rest kept
 * verbatim, because the rest is what shows how the camera misbehaves.
 */

export const REDACTED = '[redacted]';

/** Query parameters that carry credentials on some cameras (`?user=admin&password=…`, `?token=…`). */
const SECRET_QUERY_PARAM = /^(user|username|usr|login|pass|password|passwd|pwd|token|auth|key|secret|sig|signature)$/i;
/** Digest parameters kept as they are: they say how the camera authenticates, not with what. */
const DIGEST_KEPT = new Set(['realm', 'qop', 'algorithm', 'stale', 'nc', 'domain', 'charset', 'userhash']);
/** The shortest user name or password replaced wherever it appears (shorter ones would blot out ordinary text). */
const MIN_SECRET_CHARS = 3;

export class ReportRedactor {
  private readonly secrets: string[];

  /** `secrets`: user names and passwords (of the config and of the URL) to replace wherever they appear. */
  constructor(secrets: ReadonlyArray<string | undefined>) {
    this.secrets = [...new Set(secrets)]
      .filter((s): s is string => s !== undefined && s.length >= MIN_SECRET_CHARS)
      .sort((a, b) => b.length - a.length);
  }

  /** Any text: URLs lose their user:pass and secret query values; the user name and password are replaced. */
  text(text: string): string {
    let out = text.replace(
      /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>]*@)?([^\s"'<>]*)/gi,
      (_m, scheme, _userinfo, rest) => {
        return scheme + redactQuery(rest as string);
      },
    );
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** One header's value, by the header's name (any case). */
  header(name: string, value: string): string {
    const key = name.toLowerCase();
    if (key === 'authorization' || key === 'proxy-authorization') return this.authorization(value);
    if (key === 'www-authenticate' || key === 'proxy-authenticate') return this.challenge(value);
    return this.text(value);
  }

  /** `Basic …` loses its token; `Digest …` keeps realm, uri, qop, algorithm and nc only. */
  private authorization(value: string): string {
    const m = /^\s*(\S+)\s*(.*)$/s.exec(value);
    if (!m) return REDACTED;
    const scheme = m[1]!;
    if (scheme.toLowerCase() !== 'digest') return `${scheme} ${REDACTED}`;
    return `${scheme} ${this.digestParams(m[2]!, new Set(['uri']))}`;
  }

  /** A challenge keeps what it offers (realm, qop, algorithm, stale); nonce and opaque go. */
  private challenge(value: string): string {
    const m = /^\s*(\S+)\s*(.*)$/s.exec(value);
    if (!m) return this.text(value);
    if (m[1]!.toLowerCase() !== 'digest') return this.text(value);
    return `${m[1]} ${this.digestParams(m[2]!, new Set())}`;
  }

  private digestParams(params: string, alsoKept: ReadonlySet<string>): string {
    const out: string[] = [];
    // name=value or name="quoted, with commas"
    for (const p of params.matchAll(/([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
      const name = p[1]!;
      const raw = p[2]!.trim();
      const key = name.toLowerCase();
      if (DIGEST_KEPT.has(key)) out.push(`${name}=${this.text(raw)}`);
      else if (alsoKept.has(key)) out.push(`${name}=${this.text(raw)}`);
      else out.push(`${name}=${raw.startsWith('"') ? `"${REDACTED}"` : REDACTED}`);
    }
    return out.join(', ');
  }
}

/** `host/path?user=a&channel=1` → `host/path?user=[redacted]&channel=1`. */
function redactQuery(rest: string): string {
  const q = rest.indexOf('?');
  if (q === -1) return rest;
  const query = rest
    .slice(q + 1)
    .replace(/([^&=;#]+)=([^&;#]*)/g, (whole, name: string) =>
      SECRET_QUERY_PARAM.test(name) ? `${name}=${REDACTED}` : whole,
    );
  return rest.slice(0, q + 1) + query;
}
