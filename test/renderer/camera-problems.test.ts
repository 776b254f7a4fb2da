import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UrlPatternOutcome } from '../../src-shared/api.js';
import { onvifProblem, patternOutcomeWords, probeProblem } from '../../src-renderer/add-camera/camera-problems.js';

test('ONVIF: a refused password goes beside the password, no answer and not-ONVIF beside the address', () => {
  const refused = onvifProblem({
    code: 'ONVIF_AUTH_REFUSED',
    message: 'GetProfiles at http://10.0.0.5/onvif/media: the camera refused the credentials of user "admin"',
  });
  assert.equal(refused.field, 'password');
  assert.match(refused.message, /^Wrong user name or password/);
  assert.match(refused.detail, /GetProfiles/, 'the server’s words stay available as the detail');
  const wants = onvifProblem({
    code: 'ONVIF_AUTH_REFUSED',
    message: 'GetProfiles: the camera wants a user and password',
  });
  assert.equal(wants.field, 'password');
  assert.match(wants.message, /wants its user name and password/);
  assert.equal(onvifProblem({ code: 'ONVIF_UNREACHABLE', message: 'x: ECONNREFUSED' }).field, 'host');
  assert.match(onvifProblem({ code: 'ONVIF_UNREACHABLE', message: 'x' }).message, /^No answer/);
  assert.match(
    onvifProblem({ code: 'ONVIF_BAD_RESPONSE', message: 'HTTP 404' }).message,
    /not answer as an ONVIF camera/,
  );
  assert.equal(onvifProblem({ code: 'ONVIF_TIMEOUT', message: 'x' }).field, 'host');
  assert.deepEqual(onvifProblem({ code: 'BAD_REQUEST', message: 'Field "xaddr" is required.' }), {
    field: 'general',
    message: 'Field "xaddr" is required.',
    detail: 'Field "xaddr" is required.',
  });
});

test('Test connection: a refused password, a closed port, a wrong path and another codec each name their field', () => {
  assert.equal(probeProblem({ code: 'RTSP_AUTH_REFUSED', message: '401' }, 'mainUrl').field, 'password');
  const closed = probeProblem({ code: 'RTSP_CONNECT_FAILED', message: 'rtsp://h:554: connection refused' }, 'subUrl');
  assert.equal(closed.field, 'subUrl');
  assert.match(closed.message, /^No answer at this address/);
  assert.match(
    probeProblem({ code: 'RTSP_STATUS', message: 'DESCRIBE answered 404 Not Found' }, 'mainUrl').message,
    /no stream at this address/,
  );
  assert.match(
    probeProblem({ code: 'RTSP_STATUS', message: 'DESCRIBE answered 503 Busy' }, 'mainUrl').message,
    /turned the stream down: DESCRIBE answered 503/,
  );
  assert.match(probeProblem({ code: 'CODEC_UNSUPPORTED', message: 'H265' }, 'mainUrl').message, /not H\.264/);
  assert.equal(probeProblem({ code: 'INTERNAL', message: 'boom' }, 'mainUrl').field, 'general');
});

test('every outcome of a brand-pattern check has words', () => {
  const outcomes: UrlPatternOutcome[] = [
    'ok',
    'needs-credentials',
    'auth-refused',
    'not-found',
    'other-status',
    'unreachable',
    'timeout',
    'skipped',
  ];
  for (const o of outcomes) assert.ok(patternOutcomeWords(o).words.length > 10, o);
  assert.equal(patternOutcomeWords('auth-refused').field, 'password');
  assert.equal(patternOutcomeWords('unreachable').field, 'host');
  assert.equal(patternOutcomeWords('not-found').field, null);
});
