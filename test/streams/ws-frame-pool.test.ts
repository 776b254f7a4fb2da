import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as wsModule from 'ws';
import { Hub, type HubUnit, type ViewerSink } from '../../src-main/streams/hub.js';
import { WsFramePool, wsHeaderBytes, type WsFrame } from '../../src-main/streams/ws-frame-pool.js';
import type { AccessUnit } from '../../src-shared/access-unit.js';
import { clipUnit, makeClip } from '../server/support/clip-units.js';

/** ws's own parser, as a browser's would read what we write (client side: frames from a server are unmasked). */
interface WsReceiver {
  write(chunk: Buffer, encoding: string, cb: (err?: Error) => void): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
}
const Receiver = (wsModule as unknown as { Receiver: new (options: object) => WsReceiver }).Receiver;

function parseWithWs(bytes: Buffer): Buffer[] {
  const receiver = new Receiver({ isServer: false, maxPayload: 0 });
  const messages: Buffer[] = [];
  receiver.on('message', (data, isBinary) => {
    assert.ok(isBinary, 'a binary message');
    messages.push(Buffer.from(data));
  });
  let error: Error | undefined;
  receiver.write(bytes, 'binary', (err) => {
    error = err;
  });
  assert.equal(error, undefined, `ws parses the frame: ${error?.message}`);
  return messages;
}

function fill(frame: WsFrame, payload: Buffer): void {
  payload.copy(frame.message, frame.payloadOffset);
}

test('each header form (7-bit, 16-bit and 64-bit lengths) is a frame ws parses to the same payload', () => {
  const pool = new WsFramePool();
  for (const length of [0, 1, 125, 126, 127, 65535, 65536, 300_000, 1_100_000]) {
    const payload = randomBytes(length);
    const frame = pool.take(length);
    assert.equal(frame.payloadOffset, wsHeaderBytes(length));
    assert.equal(frame.message.byteLength, wsHeaderBytes(length) + length);
    assert.equal(frame.payloadBytes, length);
    fill(frame, payload);
    const messages = parseWithWs(frame.message);
    assert.equal(messages.length, 1, `one message of ${length} bytes`);
    assert.ok(messages[0]!.equals(payload), `payload of ${length} bytes intact`);
    frame.release();
  }
  assert.equal(pool.stats.oversize, 1, 'the 1.1 MB frame has a buffer of its own');
  assert.equal(pool.stats.misuse, 0);
});

test('a buffer is reused only after its last hold is released, and in its size class', () => {
  const pool = new WsFramePool({ poison: true });
  const a = pool.take(20_000);
  fill(a, Buffer.alloc(20_000, 0x11));
  a.retain(); // a write
  a.retain(); // another viewer's write
  a.release(); // the fan-out is over
  const b = pool.take(20_000);
  assert.notEqual(b.buffer, a.buffer, 'a held buffer is not handed out again');
  a.written(); // first write done
  assert.equal(a.message[a.payloadOffset + 100], 0x11, 'still held by the second write');
  a.written();
  assert.equal(a.message[a.payloadOffset + 100], 0xee, 'given back (and poisoned) after the last write');
  const c = pool.take(17_000); // same 32 KiB class
  assert.equal(c.buffer, a.buffer, 'taken from the free list');
  const d = pool.take(2_000); // another class: a new buffer
  assert.notEqual(d.buffer, a.buffer);
  assert.deepEqual(
    { made: pool.stats.made, reused: pool.stats.reused, misuse: pool.stats.misuse },
    { made: 3, reused: 1, misuse: 0 },
  );
  const snap = pool.snapshot();
  assert.equal(snap.inUse, 3, 'b, c and d are held');
  assert.equal(snap.free, 0);
  for (const f of [b, c, d]) f.release();
  assert.equal(pool.snapshot().inUse, 0);
  assert.equal(pool.snapshot().free, 3);
  assert.equal(pool.freeByteCount, 32 * 1024 * 2 + 2048);
});

test('releasing too often is counted as misuse; free lists stop at their byte cap', () => {
  const pool = new WsFramePool({ maxFreeBytes: 80 * 1024 });
  const f = pool.take(1000);
  f.release();
  f.release();
  assert.equal(pool.stats.misuse, 1, 'a second release of a free buffer');
  f.retain();
  assert.equal(pool.stats.misuse, 2, 'a retain after the last release');
  const held = [pool.take(40_000), pool.take(40_000), pool.take(40_000)];
  for (const h of held) h.release();
  assert.equal(
    pool.stats.dropped,
    2,
    'beside the 1 KiB one, one 64 KiB buffer fits under the cap; the others go to the GC',
  );
  assert.equal(pool.snapshot().inUse, 0);
});

/** A sink that writes like WsViewerSink, to a socket whose writes complete when the test says. */
class DeferredSocketSink implements ViewerSink {
  readonly leaseAware = true;
  readonly pending: Array<{ bytes: Buffer; done: () => void }> = [];
  readonly written: Buffer[] = [];
  pendingBytes(): number {
    return 0;
  }
  sendUnit(unit: HubUnit): number {
    const frame = unit.socketFrame();
    frame.retain();
    this.pending.push({ bytes: frame.message, done: frame.written });
    return frame.payloadBytes;
  }
  /** The kernel takes the queued bytes: copy them out, then run the write callbacks. */
  flush(): void {
    for (const p of this.pending.splice(0)) {
      this.written.push(Buffer.from(p.bytes));
      p.done();
    }
  }
  sendText(): void {}
  close(): void {}
}

test('the hub shares one socket frame per unit among viewers, holds it only for the fan-out, and it is byte-identical to the wire frame', () => {
  const clip = makeClip({ gop: 10, seconds: 2 });
  const pool = new WsFramePool({ poison: true });
  const hub = new Hub({ framePool: pool });
  const id = 'cam-a/1-high';
  hub.addStream(id);
  hub.setFormat(id, clip.format);
  const expected: Buffer[] = [];
  hub.subscribe(id, { onUnit: (unit) => expected.push(Buffer.from(unit.wireFrame())) });
  const a = new DeferredSocketSink();
  const b = new DeferredSocketSink();
  hub.addViewer(id, a, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  hub.addViewer(id, b, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  const units: AccessUnit[] = [];
  for (let i = 0; i < 30; i++) units.push(clipUnit(clip, i, 1000 + i * 40));
  for (let i = 0; i < 10; i++) hub.publish(id, units[i]!);
  // Ten units, none written yet: each buffer is held by its two writes, and the two viewers got the same one.
  for (let i = 0; i < 10; i++) assert.equal(a.pending[i]!.bytes, b.pending[i]!.bytes, 'one buffer per unit');
  assert.equal(pool.snapshot().inUse, 10);
  a.flush();
  assert.equal(pool.snapshot().inUse, 10, "b's writes still hold them");
  b.flush();
  assert.equal(pool.snapshot().inUse, 0, 'all given back');
  for (let i = 10; i < 30; i++) {
    hub.publish(id, units[i]!);
    if (i % 3 === 0) a.flush();
    if (i % 4 === 0) b.flush();
  }
  a.flush();
  b.flush();
  assert.ok(pool.stats.reused >= 15, `buffers were reused (${pool.stats.reused})`);
  assert.equal(pool.stats.misuse, 0);
  for (const sink of [a, b]) {
    assert.equal(sink.written.length, 30);
    sink.written.forEach((bytes, i) => {
      const messages = parseWithWs(bytes);
      assert.ok(messages[0]!.equals(expected[i]!), `unit ${i}: the message is the wire frame`);
    });
  }
  // One buffer per unit however many viewers; a late viewer's replay of the GOP cache holds each only for its write.
  const taken = pool.stats.made + pool.stats.reused;
  hub.publish(id, clipUnit(clip, 30, 2200));
  assert.equal(pool.stats.made + pool.stats.reused, taken + 1, 'one buffer for the two viewers');
  const late = new DeferredSocketSink();
  hub.addViewer(id, late, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  assert.equal(late.pending.length, 1, 'the cached GOP is unit 30 (keyframe at 30)');
  late.flush();
  a.flush();
  b.flush();
  assert.equal(pool.snapshot().inUse, 0);
});
