// The extension's half of the shared vectors (tests/data/urlcheck/vectors.json; the C
// half is tests/unit/test_urlcheck.c), and the Rice decoder and difference against
// hand-made lists. Run: node --test test/ (ctest unit.webext).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canonicalise, expressions } from '../urlexpr.js';
import { riceDecode, bytesToB64 } from '../rice.js';
import { applyDiff, has, applyAnswer, toBytes, sha256Hex } from '../prefixes.js';

const dir = process.env.ISP_TESTDATA || new URL('../../../tests/data', import.meta.url).pathname;
const v = JSON.parse(readFileSync(dir + '/urlcheck/vectors.json', 'utf8'));

test('canonical vectors', () => {
  assert.ok(v.canonical.length > 30);
  for (const [input, want] of v.canonical) assert.equal(canonicalise(input), want, JSON.stringify(input));
});

test('expression vectors', () => {
  assert.ok(v.expressions.length >= 5);
  for (const [url, want] of v.expressions) {
    assert.deepEqual(expressions(url).map((e) => e.expr), want, url);
  }
  assert.throws(() => expressions('nohost'));
  assert.throws(() => expressions('http://x'));
});

test('refusals', () => {
  assert.throws(() => canonicalise('http://256.1.1.1/'));
  assert.throws(() => canonicalise('http://host:99999/'));
  assert.throws(() => canonicalise('http://[zz::1]/'));
  assert.throws(() => canonicalise('http://.../'));
});

// Rice encoding of [3, 5, 12] with k = 1: d = 2 -> q 1, r 0 -> bits 1,0,0;
// d = 7 -> q 3, r 1 -> bits 1,1,1,0,1. LSB first: 0b10111001 0b0 -> [0xb9, 0x00].
test('rice', () => {
  // bit positions 0..7 = 1,0,0,1,1,1,0,1 -> 0b10111001
  const r = { first: 3, k: 1, n: 3, data: bytesToB64(new Uint8Array([0b10111001, 0])) };
  assert.deepEqual(Array.from(riceDecode(r)), [3, 5, 12]);
  assert.deepEqual(Array.from(riceDecode({ first: 9, k: 0, n: 1, data: '' })), [9]);
  assert.deepEqual(Array.from(riceDecode({ n: 0 })), []);
  assert.throws(() => riceDecode({ first: 3, k: 1, n: 3, data: bytesToB64(new Uint8Array([0b11111001])) }));
  assert.throws(() => riceDecode({ first: 3, k: 1, n: 3, data: '' }));
});

test('difference and lookup', async () => {
  const old = Uint32Array.from([1, 3, 5, 7, 9]);
  const nw = applyDiff(old, [0, 2, 4], Uint32Array.from([0, 4, 10]));
  assert.deepEqual(Array.from(nw), [0, 3, 4, 7, 10]);
  assert.ok(has(nw, 4) && !has(nw, 5) && has(nw, 10) && !has(nw, 11));
  assert.throws(() => applyDiff(old, [5], []));
  const sum = await sha256Hex(toBytes(nw));
  const j = { sha256: sum, removals: { n: 0 }, additions: { n: 0 } };
  assert.deepEqual(Array.from(await applyAnswer(nw, j)), Array.from(nw));
  await assert.rejects(applyAnswer(old, j));
});
