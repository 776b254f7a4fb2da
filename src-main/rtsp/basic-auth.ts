/** HTTP Basic authentication (RFC 2617 §2) as RTSP uses it: `Authorization: Basic base64(user:password)`. Pure. */

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
