import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub, type ByteBudget, type HubUnit, type ViewerSink } from '../../src-main/streams/hub.js';
import { readAccessUnitMessage, type ServerTextMessage } from '../../src-shared/live-wire.js';
import { splitAnnexB, nalType } from '../../src-main/codec/h264/annexb.js';
import { emptyCounters, type StreamStatus } from '../../src-shared/stream-status.js';
import type { AccessUnit } from '../../src-shared/access-unit.js';
import { clipUnit, makeClip } from '../server/support/clip-units.js';

const clip = makeClip({ gop: 10, seconds: 2 });
const ID = 'cam-a/1-high';

/** A sink that records what it is sent; `drained` false makes it a socket that never writes anything out. */
class RecordingSink implements ViewerSink {
  frames: Buffer[] = [];
  texts: ServerTextMessage[] = [];
  closedWith: string | null = null;
  drained = true;
  queued = 0;
  pendingBytes(): number {
    return this.drained ? 0 : this.queued;
  }
  sendUnit(unit: HubUnit): number {
    const frame = unit.wireFrame();
    this.frames.push(frame);
    this.queued += frame.byteLength;
    return frame.byteLength;
  }
  sendText(text: string): void {
    this.texts.push(JSON.parse(text) as ServerTextMessage);
  }
  close(reason: string): void {
    this.closedWith = reason;
  }
}

function feed(hub: Hub, from: number, count: number, wallMs = 1000): void {
  for (let i = from; i < from + count; i++) hub.publish(ID, clipUnit(clip, i, wallMs + i * 40));
}

function liveStatus(): StreamStatus {
  return {
    streamId: ID,
    state: 'live',
    sinceMs: 0,
    error: null,
    transport: 'tcp',
    video: null,
    counters: emptyCounters(),
    quirks: [],
  };
}

function newHub(now = () => 0): Hub {
  const hub = new Hub({ now });
  hub.addStream(ID);
  hub.setStatus(ID, liveStatus());
  hub.setFormat(ID, clip.format);
  return hub;
}

test('a new viewer gets the description, then the cached group of pictures starting at its keyframe', () => {
  const hub = newHub();
  feed(hub, 0, 14); // keyframes at 0 and 10: the cache holds 10..13
  const sink = new RecordingSink();
  hub.addViewer(ID, sink, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  assert.equal(sink.texts[0]?.type, 'description');
  assert.deepEqual(sink.texts[0], {
    type: 'description',
    streamId: ID,
    mode: 'live',
    codec: 'h264',
    codecString: clip.format.codecString,
    width: 320,
    height: 240,
    fps: 25,
  });
  assert.equal(sink.frames.length, 4);
  const first = readAccessUnitMessage(sink.frames[0]!);
  assert.ok(first?.header.keyframe, 'the first frame is a keyframe');
  assert.equal(first.header.ptsUs, 10 * 40_000);
  feed(hub, 14, 3);
  const pts = sink.frames.map((f) => readAccessUnitMessage(f)!.header.ptsUs / 40_000);
  assert.deepEqual(pts, [10, 11, 12, 13, 14, 15, 16]);
});

test('the wire frame carries the unit as Annex-B, and one buffer is shared by every viewer', () => {
  const hub = newHub();
  const a = new RecordingSink();
  const b = new RecordingSink();
  hub.addViewer(ID, a, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  hub.addViewer(ID, b, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  feed(hub, 0, 5);
  assert.equal(a.frames.length, 5);
  for (let i = 0; i < 5; i++) assert.equal(a.frames[i], b.frames[i], 'same Buffer object');
  const unit = readAccessUnitMessage(a.frames[1]!)!;
  assert.deepEqual(
    splitAnnexB(unit.annexB).map((n) => Buffer.from(n)),
    clip.pictures[1]!.map((n) => Buffer.from(n)),
  );
  assert.equal(unit.header.durationUs, 40_000);
  assert.equal(unit.header.wallMs, 1040);
});

test('a keyframe without in-band parameter sets is sent with the format SPS and PPS in front', () => {
  const hub = newHub();
  const sink = new RecordingSink();
  hub.addViewer(ID, sink, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  const base = clipUnit(clip, 0, 0);
  const idrOnly = base.nalus.filter((n) => nalType(n) === 5);
  const au: AccessUnit = { ...base, nalus: idrOnly, byteLength: idrOnly.reduce((s, n) => s + n.byteLength, 0) };
  hub.publish(ID, au);
  const types = splitAnnexB(readAccessUnitMessage(sink.frames[0]!)!.annexB).map(nalType);
  assert.deepEqual(types.slice(0, 2), [7, 8]);
  assert.deepEqual(types.slice(2), idrOnly.map(nalType), 'then the slices of the unit');
});

test('a viewer that stops reading is skipped to the next keyframe, told so, and its queue stays bounded', () => {
  const hub = newHub();
  const slow = new RecordingSink();
  const fast = new RecordingSink();
  const maxPendingBytes = 3 * Math.max(...clip.pictures.map((p) => p.reduce((s, n) => s + n.byteLength, 0)));
  hub.addViewer(ID, slow, { maxPendingBytes, overqueueMs: 0 });
  hub.addViewer(ID, fast, { maxPendingBytes, overqueueMs: 0 });
  feed(hub, 0, 3);
  slow.drained = false; // from here on the slow viewer's socket writes nothing out
  feed(hub, 3, 40);
  assert.equal(fast.frames.length, 43, 'the other viewer gets every unit');
  assert.ok(slow.queued <= maxPendingBytes + 200_000, `slow queue ${slow.queued} stays near its bound`);
  assert.ok(slow.frames.length < 43);
  // The socket drains again: the next frame it gets is a keyframe, after a `skipped` message.
  slow.drained = true;
  const before = slow.frames.length;
  feed(hub, 43, 10);
  const next = readAccessUnitMessage(slow.frames[before]!)!;
  assert.ok(next.header.keyframe, 'resumes at a keyframe');
  assert.equal(next.header.ptsUs / 40_000, 50);
  const skipped = slow.texts.find((t) => t.type === 'skipped');
  assert.ok(skipped && skipped.type === 'skipped' && skipped.droppedUnits === 50 - before);
  assert.equal(slow.closedWith, null);
});

test('a viewer over its bound for longer than overqueueMs is dropped', () => {
  let nowMs = 0;
  const hub = newHub(() => nowMs);
  const stuck = new RecordingSink();
  const handle = hub.addViewer(ID, stuck, { maxPendingBytes: 1000, overqueueMs: 15_000 });
  stuck.drained = false;
  for (let i = 0; i < 25 * 20; i++) {
    nowMs = i * 40;
    hub.publish(ID, clipUnit(clip, i, nowMs));
  }
  assert.equal(stuck.closedWith, 'send queue stuck');
  assert.equal(hub.stats().viewers, 0);
  assert.ok(handle.stats.droppedUnits > 300);
});

test('a bandwidth budget that runs out skips the viewer to the next keyframe', () => {
  const hub = newHub();
  let allowed = 3;
  const budget: ByteBudget = { canTake: () => allowed > 0, take: () => void allowed-- };
  const sink = new RecordingSink();
  hub.addViewer(ID, sink, { maxPendingBytes: 1 << 20, overqueueMs: 0, budgets: [budget] });
  feed(hub, 0, 5);
  assert.equal(sink.frames.length, 3);
  allowed = 100;
  feed(hub, 5, 10);
  const pts = sink.frames.map((f) => readAccessUnitMessage(f)!.header.ptsUs / 40_000);
  assert.deepEqual(pts, [0, 1, 2, 10, 11, 12, 13, 14]);
});

test('subscribers get every unit and the format; removing a stream ends its viewers', () => {
  const hub = newHub();
  const units: HubUnit[] = [];
  let formats = 0;
  const remove = hub.subscribe(ID, { onUnit: (u) => units.push(u), onFormat: () => formats++ });
  const sink = new RecordingSink();
  hub.addViewer(ID, sink, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  feed(hub, 0, 12);
  assert.equal(units.length, 12);
  assert.equal(formats, 1, 'the current format is given at subscribe');
  remove();
  feed(hub, 12, 2);
  assert.equal(units.length, 12);
  hub.removeStream(ID, 'camera removed from the config');
  assert.deepEqual(sink.texts.at(-1), { type: 'end', reason: 'camera removed from the config' });
  assert.equal(sink.closedWith, 'camera removed from the config');
  assert.equal(hub.has(ID), false);
});

test('state changes reach viewers; a viewer joining a stream that is not live is told its state', () => {
  const hub = newHub();
  const sink = new RecordingSink();
  hub.addViewer(ID, sink, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  hub.setStatus(ID, {
    ...liveStatus(),
    state: 'reconnecting',
    error: { code: 'RTP_NO_DATA', message: 'no packet' },
  });
  assert.deepEqual(sink.texts.at(-1), {
    type: 'state',
    state: 'reconnecting',
    error: { code: 'RTP_NO_DATA', message: 'no packet' },
  });
  const late = new RecordingSink();
  hub.addViewer(ID, late, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  assert.deepEqual(
    late.texts.map((t) => t.type),
    ['description', 'state'],
  );
});

test('a source is listened to until its stream is removed', () => {
  const listeners = new Set<{ onAccessUnit?(au: AccessUnit): void }>();
  const hub = new Hub();
  hub.addStream(ID, {
    format: clip.format,
    status: liveStatus,
    addListener(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  });
  const sink = new RecordingSink();
  hub.addViewer(ID, sink, { maxPendingBytes: 1 << 20, overqueueMs: 0 });
  for (const l of listeners) l.onAccessUnit?.(clipUnit(clip, 0, 0));
  assert.equal(sink.frames.length, 1);
  hub.removeStream(ID);
  assert.equal(listeners.size, 0);
});

/** A lease that counts what the hub does with it (the real one is tested in slab-pool.test.ts). */
class CountingLease {
  holds = 1;
  pinned = false;
  retain(): void {
    this.holds++;
  }
  release(): void {
    this.holds--;
  }
  pin(): void {
    this.pinned = true;
  }
}

test('the GOP cache holds the leases of the units it keeps; a subscriber or viewer that is not lease-aware pins them', () => {
  const hub = newHub();
  const leases: CountingLease[] = [];
  const publish = (i: number): void => {
    const lease = new CountingLease();
    leases.push(lease);
    hub.publish(ID, { ...clipUnit(clip, i, 1000 + i * 40), lease });
    lease.release(); // the depacketizer's hold ends with the call
  };
  hub.subscribe(ID, { leaseAware: true, onUnit: () => undefined });
  for (let i = 0; i < 15; i++) publish(i); // keyframes at 0 and 10
  assert.deepEqual(
    leases.map((l) => l.holds),
    [...Array<number>(10).fill(0), ...Array<number>(5).fill(1)],
    'the cache holds the GOP since the latest keyframe, and let go of the one before',
  );
  assert.ok(leases.every((l) => !l.pinned));

  const sink = new RecordingSink(); // not lease-aware: it may keep what it gets
  hub.addViewer(ID, sink, { maxPendingBytes: 1 << 30, overqueueMs: 0 });
  assert.ok(
    leases.slice(10).every((l) => l.pinned),
    'what the cache sent the viewer is pinned',
  );
  publish(15);
  assert.ok(leases[15]!.pinned);

  hub.removeStream(ID);
  assert.ok(
    leases.every((l) => l.holds === 0),
    'a removed stream lets go of its cache',
  );

  const other = newHub();
  const lease = new CountingLease();
  other.subscribe(ID, { onUnit: () => undefined }); // not lease-aware
  other.publish(ID, { ...clipUnit(clip, 0, 1000), lease });
  assert.ok(lease.pinned);
});
