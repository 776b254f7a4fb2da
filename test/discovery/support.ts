/** Reading the ONVIF fixtures (test/fixtures/onvif/): each begins with a comment line saying where it came from. */
import { readFileSync, readdirSync } from 'node:fs';
import { fixturePath } from '../support/paths.js';

export function onvifFixture(name: string): string {
  return readFileSync(fixturePath('onvif', name), 'utf8');
}

export function onvifFixtureNames(): string[] {
  return readdirSync(fixturePath('onvif'))
    .filter((n) => n.endsWith('.xml'))
    .sort();
}
