// A node:test reporter that prints one line, `N passed, N failed`, which CI reads.
// Suites are not counted, only tests (leaves and tests with subtests alike, as node's own summary does).
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const details = event.data.details ?? {};
    if (details.type === 'suite') {
      // A suite that fails outside its tests (a hook, a file that throws on load) still counts as a failure.
      if (event.type === 'test:fail' && details.error?.failureType !== 'subtestsFailed') failed++;
      continue;
    }
    if (event.data.skip || event.data.todo) skipped++;
    else if (event.type === 'test:pass') passed++;
    else failed++;
  }
  if (skipped) yield `${skipped} skipped\n`;
  yield `${passed} passed, ${failed} failed\n`;
}
