/**
 * First run: while no admin exists, creating one needs a one-time token. Headless, it is printed in a
 * setup link on the console (only someone with the machine's console or logs can use it); the desktop app
 * passes the token to its own window. The token ends when the admin is made.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export class SetupToken {
  private token: string | null;

  constructor(token?: string) {
    this.token = token ?? randomBytes(24).toString('base64url');
  }

  get value(): string | null {
    return this.token;
  }

  matches(candidate: string): boolean {
    if (this.token === null) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.byteLength === b.byteLength && timingSafeEqual(a, b);
  }

  consume(): void {
    this.token = null;
  }
}
