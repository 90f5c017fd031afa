// rice.js -- decoder of the Rice-Golomb coded lists `ispshield urlcheck` sends
// (src/urlcheck/codec.c uc_rice_encode): {first, k, n, data (base64)}. Each difference
// after `first` is a unary quotient (1 bits ended by a 0) then k remainder bits, least
// significant first; bits are read from the least significant bit of each byte.

export function b64ToBytes(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToB64(b) {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The values of Rice-coded list r, as a Uint32Array; throws on malformed data. */
export function riceDecode(r) {
  const n = r.n | 0;
  const out = new Uint32Array(n);
  if (n === 0) return out;
  const k = r.k;
  if (!(k >= 0 && k <= 31) || n < 0 || n > 1 << 26) throw new Error('bad Rice parameters');
  const data = b64ToBytes(r.data || '');
  const total = data.length * 8;
  let pos = 0;
  let cur = r.first;
  out[0] = cur;
  for (let i = 1; i < n; i++) {
    let q = 0;
    for (;;) {
      if (pos >= total) throw new Error('Rice data too short');
      if (!((data[pos >> 3] >> (pos & 7)) & 1)) break;
      pos++;
      q++;
    }
    pos++;
    let d = 0;
    for (let j = 0; j < k; j++, pos++) {
      if (pos >= total) throw new Error('Rice data too short');
      d += ((data[pos >> 3] >> (pos & 7)) & 1) * 2 ** j;
    }
    cur += q * 2 ** k + d;
    if (cur > 0xffffffff) throw new Error('Rice value past 2^32');
    out[i] = cur;
  }
  return out;
}
