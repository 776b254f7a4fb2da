/**
 * V8's heap sizing for a process that moves video. The runtime's JavaScript heap is small (about 20 MB live with
 * 64 cameras) but it allocates tens of MB per second of ArrayBuffers (FU-A reassembly slabs; socket reads did
 * too until RTSP connections reused one read buffer) that live for a GOP or less. V8 counts external memory allocated since the last full collection against the old
 * generation's limit, which it sets from the live heap (about 20 MB over it by default): so every few tens of MB
 * of video read trigger a full mark-compact, several per second at 64 cameras. Letting the old generation grow
 * 300 % past its live size before the next one leaves room for a second or two of video. Measured with
 * `npm run bench:scale -- --cameras 64 --trace-gc` (README, scale section): full collections per second fall
 * about fivefold and the runtime's CPU by about 40 %, for some 30 MB more RSS.
 */
import { setFlagsFromString } from 'node:v8';

/** `--heap-growing-percent`: how far past its live size the old generation may grow before a full collection. */
export const HEAP_GROWING_PERCENT = 300;

let tuned = false;

/**
 * Sets the heap growing factor for this process (once; later calls do nothing). V8 reads the flag each time it
 * sizes the heap after a collection, so setting it at start-up, after the VM started, takes effect.
 */
export function tuneHeapForMedia(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
