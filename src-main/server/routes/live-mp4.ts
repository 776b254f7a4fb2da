/** Live fragmented MP4 over HTTP (`/live/<device>/<version>.mp4`). */
import { ThinStreamError } from '../../../src-shared/errors.js';
import type { RouteDefinition } from '../http-app.js';
import type { PortContext, ServerContext } from '../server-context.js';

export function liveMp4Handler(_ctx: ServerContext, _port: PortContext): RouteDefinition['handler'] {
  return async () => {
    throw new ThinStreamError(
      'NOT_IMPLEMENTED',
      "Live fragmented MP4 is not available yet: it is built on the recorder's MP4 writer.",
    );
  };
}
