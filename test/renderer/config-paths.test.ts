import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getAt, joinPath, parsePath, setAt, updateList } from '../../src-renderer/config-editor/json-path.js';
import { describePath, inUserWords, summaryLine } from '../../src-renderer/config-editor/error-words.js';

test('paths as the validator writes them parse into keys and indexes, odd keys quoted', () => {
  assert.deepEqual(parsePath('server.streamsGrps[0].streams[12].device.port'), [
    'server',
    'streamsGrps',
    0,
    'streams',
    12,
    'device',
    'port',
  ]);
  assert.deepEqual(parsePath('a["odd key"].b'), ['a', 'odd key', 'b']);
  assert.equal(joinPath('a', 'odd key'), 'a["odd key"]');
  assert.equal(joinPath('', 'plain'), 'plain');
  assert.equal(joinPath('list', 3), 'list[3]');
});

test('writes copy along the path only, make what is missing, and undefined deletes the key', () => {
  const doc = { keep: { x: 1 }, server: { streamsGrps: [{ uid: 'g' }] } };
  const next = setAt(doc, 'server.streamsGrps[0].streams[0].device.name', 'Door') as typeof doc;
  assert.equal(getAt(next, 'server.streamsGrps[0].streams[0].device.name'), 'Door');
  assert.equal(next.keep, doc.keep, 'untouched branches are shared');
  assert.equal(getAt(doc, 'server.streamsGrps[0].streams'), undefined, 'the original is not changed');
  const removed = setAt(next, 'server.streamsGrps[0].uid', undefined);
  assert.deepEqual(Object.keys(getAt(removed, 'server.streamsGrps[0]') as object), ['streams']);
  const listed = updateList(doc, 'new.list', (l) => [...l, 1]);
  assert.deepEqual(getAt(listed, 'new.list'), [1]);
  assert.equal(getAt(doc, 'a.b.c'), undefined);
  assert.equal(getAt('text', 'length'), undefined, 'only objects and arrays are walked');
});

const DRAFT = {
  server: {
    streamsGrps: [
      {
        name: 'Home',
        streams: [{ device: { uid: 'cam-door', name: 'Front door' }, versions: [{ sid: '1-high' }, { sid: '2-low' }] }],
      },
    ],
  },
  http: { ports: [{ port: 8443 }] },
};

test('a validator message is put in the field’s words beside it, and the summary says which camera and stream', () => {
  const path = 'server.streamsGrps[0].streams[0].versions[1].uri';
  assert.equal(
    inUserWords('uri must be an rtsp:// or rtsps:// URL', path, 'Stream URL'),
    'Stream URL must be an rtsp:// or rtsps:// URL',
  );
  assert.equal(inUserWords('something else entirely', path, 'Stream URL'), 'something else entirely');
  assert.equal(describePath(DRAFT, path), 'Camera “Front door”, stream 2-low: Stream URL');
  assert.equal(
    summaryLine(DRAFT, path, 'uri must be an rtsp:// URL'),
    'Camera “Front door”, stream 2-low: Stream URL must be an rtsp:// URL',
  );
  assert.equal(describePath(DRAFT, 'server.streamsGrps[0].name'), 'Group “Home”: Name');
  assert.equal(describePath(DRAFT, 'http.ports[0].port'), 'Viewer port 8443: Port');
  assert.equal(summaryLine(DRAFT, undefined, 'plain message'), 'plain message');
});
