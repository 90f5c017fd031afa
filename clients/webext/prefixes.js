// prefixes.js -- the client's copy of the prefix list: a sorted Uint32Array, looked up by
// binary search, updated by the differences the service sends (removals are indexes into
// the old list, additions are values), and checked against the service's SHA-256 of the
// whole sorted list after every update (a mismatch means: fetch the whole list again).

import { riceDecode } from './rice.js';

export function has(list, p) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < p) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length && list[lo] === p;
}

/** old minus the indexes removed, merged with the values added (both sorted). */
export function applyDiff(old, removals, additions) {
  const keep = new Uint8Array(old.length).fill(1);
  for (const i of removals) {
    if (i >= old.length) throw new Error('removal index past the list');
    keep[i] = 0;
  }
  const out = new Uint32Array(old.length - removals.length + additions.length);
  let i = 0;
  let j = 0;
  let w = 0;
  while (i < old.length || j < additions.length) {
    if (i < old.length && !keep[i]) {
      i++;
    } else if (j >= additions.length || (i < old.length && old[i] < additions[j])) {
      out[w++] = old[i++];
    } else {
      out[w++] = additions[j++];
    }
  }
  if (w !== out.length) throw new Error('difference does not fit the list');
  return out;
}

/** The list as 4-byte big-endian values (what the checksum is over, what is stored). */
export function toBytes(list) {
  const b = new Uint8Array(list.length * 4);
  const v = new DataView(b.buffer);
  list.forEach((p, i) => v.setUint32(i * 4, p));
  return b;
}

export function fromBytes(b) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Uint32Array(b.byteLength >> 2);
  for (let i = 0; i < out.length; i++) out[i] = v.getUint32(i * 4);
  return out;
}

export async function sha256Hex(bytes) {
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(h, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * The list after answer `j` of GET /v1/prefixes (whole or difference) applied to `old`;
 * throws when the result's checksum is not the service's (the caller then asks for the
 * whole list).
 */
export async function applyAnswer(old, j) {
  const list = j.prefixes
    ? riceDecode(j.prefixes)
    : applyDiff(old, riceDecode(j.removals), riceDecode(j.additions));
  const sum = await sha256Hex(toBytes(list));
  if (sum !== j.sha256) throw new Error('prefix list checksum mismatch');
  return list;
}
