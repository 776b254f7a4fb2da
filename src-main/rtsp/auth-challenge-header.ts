/**
 * WWW-Authenticate (RFC 2617 §1.2, §3.2.1): one or more challenges, in one header or several.
 *   WWW-Authenticate: Digest realm="IP Camera", nonce="a1b2", qop="auth", Basic realm="IP Camera"
 * Pure. Lenient: scheme names in any case, unquoted values, spaces around `=`, stray commas.
 */

export interface AuthChallenge {
  /** Lower-cased: `basic`, `digest`, … */
  scheme: string;
  /** Parameter names lower-cased; quoted values unquoted. */
  params: Record<string, string>;
}

const MAX_CHALLENGES = 16;
const MAX_PARAMS = 32;

export function parseAuthChallenges(values: readonly string[]): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  for (const value of values) {
    parseInto(value, challenges);
    if (challenges.length >= MAX_CHALLENGES) break;
  }
  return challenges.slice(0, MAX_CHALLENGES);
}

function parseInto(text: string, out: AuthChallenge[]): void {
  let pos = 0;
  let current: AuthChallenge | null = null;
  const n = text.length;
  const skip = (re: RegExp) => {
    while (pos < n && re.test(text[pos]!)) pos++;
  };
  while (pos < n) {
    skip(/[\s,]/);
    if (pos >= n) break;
    const tokenStart = pos;
    while (pos < n && !/[\s,=]/.test(text[pos]!)) pos++;
    const token = text.slice(tokenStart, pos);
    if (token === '') {
      pos++;
      continue;
    }
    const afterToken = pos;
    skip(/\s/);
    if (text[pos] === '=' && current !== null) {
      pos++;
      skip(/\s/);
      let value: string;
      if (text[pos] === '"') {
        pos++;
        let v = '';
        while (pos < n && text[pos] !== '"') {
          if (text[pos] === '\\' && pos + 1 < n) pos++;
          v += text[pos];
          pos++;
        }
        pos++;
        value = v;
      } else {
        const start = pos;
        while (pos < n && text[pos] !== ',') pos++;
        value = text.slice(start, pos).trim();
      }
      const name = token.toLowerCase();
      if (Object.keys(current.params).length < MAX_PARAMS && name !== '__proto__') current.params[name] = value;
    } else if (text[pos] === '=') {
      // A parameter before any scheme: skip its value.
      pos++;
      while (pos < n && text[pos] !== ',') pos++;
    } else {
      pos = afterToken;
      if (out.length >= MAX_CHALLENGES) return;
      current = { scheme: token.toLowerCase(), params: {} };
      out.push(current);
    }
  }
}
