/**
 * Lossless narrowing of numeric columns, for the frozen form a store takes
 * in an image (VlrStore.freeze). Resuming a V8 snapshot costs about 2 ms per
 * MB of typed-array data on the machines measured here (Node copies the blob
 * three times and V8 once more), so an image should carry as few bytes per
 * subscriber as it can. A VLR's columns are far from random: IMSIs share the
 * MCC+MNC, LACs and cells are few, timestamps lie within an hour of each
 * other, pending TMSIs and auth vectors are mostly absent. Each column is
 * stored in the smallest of a few exact forms:
 *
 * - const: every value the same (0 bytes per value);
 * - for: integers as offsets from the minimum in a Uint8/16/32Array (1, 2, 4);
 * - dict: at most 256 distinct values, as Uint8Array codes into a table (1);
 * - split: integers in [0, 2^53) as a Uint32Array of the low 32 bits (4)
 *   plus the high bits packed again (usually const or 1 byte);
 * - f64: the values as they are (8).
 *
 * Every form gives back exactly the values it was made from (a column with
 * -0 in it is only ever const or f64; non-integers const, dict or f64). A column of n values costs a handful of
 * heap objects whatever n is.
 */

export type Packed =
  | { readonly k: 'const'; readonly v: number }
  | { readonly k: 'for'; readonly base: number; readonly d: Uint8Array | Uint16Array | Uint32Array }
  | { readonly k: 'dict'; readonly table: Float64Array; readonly d: Uint8Array }
  | { readonly k: 'split'; readonly hi: Packed; readonly lo: Uint32Array }
  | { readonly k: 'f64'; readonly d: Float64Array };

type Writable = { [i: number]: number; readonly length: number };

const TWO32 = 4294967296;
const DICT_MAX = 256;

/** Bytes the packed column holds (typed array data only). */
export function packedBytes(p: Packed): number {
  switch (p.k) {
    case 'const':
      return 0;
    case 'for':
    case 'f64':
      return p.d.byteLength;
    case 'dict':
      return p.d.byteLength + p.table.byteLength;
    case 'split':
      return p.lo.byteLength + packedBytes(p.hi);
  }
}

/** The smallest exact form of v[0..n). */
export function packNumbers(v: ArrayLike<number>, n: number = v.length): Packed {
  if (n === 0) return { k: 'const', v: 0 };
  let min = Infinity;
  let max = -Infinity;
  let ints = true;
  let negZero = false;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
    if (ints && !Number.isInteger(x)) ints = false;
    if (x === 0 && 1 / x < 0) negZero = true;
  }
  if (!ints || negZero) {
    // Not all integers (or -0 somewhere, which a Map key or an offset would turn into 0): const, dict or as is.
    let same = true;
    for (let i = 1; i < n && same; i++) same = Object.is(v[i], v[0]);
    if (same) return { k: 'const', v: v[0]! };
    const dict = negZero ? undefined : dictPack(v, n);
    if (dict && n + dict.table.byteLength < 8 * n) return dict;
    return { k: 'f64', d: Float64Array.from({ length: n }, (_, i) => v[i]!) };
  }
  if (min === max) return { k: 'const', v: min };
  const range = max - min;
  const forWidth = range < 256 ? 1 : range < 65536 ? 2 : range < TWO32 ? 4 : 0;
  if (forWidth === 1) return forPack(v, n, min, 1);
  const forCost = forWidth ? forWidth * n : Infinity;
  const dict = dictPack(v, n);
  const dictCost = dict ? n + dict.table.byteLength : Infinity;
  let hi: Packed | undefined;
  let splitCost = Infinity;
  if (!forWidth && min >= 0 && max < 2 ** 53) {
    const his = new Float64Array(n);
    for (let i = 0; i < n; i++) his[i] = Math.floor(v[i]! / TWO32);
    hi = packNumbers(his, n);
    splitCost = 4 * n + packedBytes(hi);
  }
  const best = Math.min(forCost, dictCost, splitCost, 8 * n);
  if (forWidth && forCost === best) return forPack(v, n, min, forWidth);
  if (dict && dictCost === best) return dict;
  if (hi && splitCost === best) {
    const lo = new Uint32Array(n);
    for (let i = 0; i < n; i++) lo[i] = v[i]! >>> 0; // ToUint32: the value modulo 2^32, exact for integers < 2^53
    return { k: 'split', hi, lo };
  }
  return { k: 'f64', d: Float64Array.from({ length: n }, (_, i) => v[i]!) };
}

function forPack(v: ArrayLike<number>, n: number, base: number, width: 1 | 2 | 4): Packed {
  const d = width === 1 ? new Uint8Array(n) : width === 2 ? new Uint16Array(n) : new Uint32Array(n);
  for (let i = 0; i < n; i++) d[i] = v[i]! - base;
  return { k: 'for', base, d };
}

function dictPack(v: ArrayLike<number>, n: number): { k: 'dict'; table: Float64Array; d: Uint8Array } | undefined {
  const codes = new Map<number, number>();
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    let c = codes.get(x);
    if (c === undefined) {
      if (codes.size === DICT_MAX) return undefined;
      c = codes.size;
      codes.set(x, c);
    }
    d[i] = c;
  }
  const table = new Float64Array(codes.size);
  for (const [x, c] of codes) table[c] = x;
  return { k: 'dict', table, d };
}

/**
 * Writes the n packed values into `out`: value i at out[at[i]], or at out[i]
 * when `at` is null.
 */
export function unpackNumbers(p: Packed, n: number, out: Writable, at: Int32Array | null): void {
  // Without scattering, the typed-array builtins (fill, set) do most of the work: after a resume
  // this runs as cold code, and a builtin's loop is many times faster than an interpreted one.
  const dense = at === null && ArrayBuffer.isView(out);
  switch (p.k) {
    case 'const': {
      const x = p.v;
      if (dense) (out as unknown as Float64Array).fill(x, 0, n);
      else if (at === null) for (let i = 0; i < n; i++) out[i] = x;
      else for (let i = 0; i < n; i++) out[at[i]!] = x;
      return;
    }
    case 'for': {
      const { base, d } = p;
      if (dense) {
        (out as unknown as Float64Array).set(d.subarray(0, n));
        if (base !== 0) for (let i = 0; i < n; i++) out[i] = out[i]! + base;
      } else if (at === null) for (let i = 0; i < n; i++) out[i] = base + d[i]!;
      else for (let i = 0; i < n; i++) out[at[i]!] = base + d[i]!;
      return;
    }
    case 'dict': {
      const { table, d } = p;
      if (at === null) for (let i = 0; i < n; i++) out[i] = table[d[i]!]!;
      else for (let i = 0; i < n; i++) out[at[i]!] = table[d[i]!]!;
      return;
    }
    case 'f64': {
      const { d } = p;
      if (dense) (out as unknown as Float64Array).set(d.subarray(0, n));
      else if (at === null) for (let i = 0; i < n; i++) out[i] = d[i]!;
      else for (let i = 0; i < n; i++) out[at[i]!] = d[i]!;
      return;
    }
    case 'split': {
      const { hi, lo } = p;
      if (hi.k === 'const') {
        const h = hi.v * TWO32;
        if (at === null) for (let i = 0; i < n; i++) out[i] = h + lo[i]!;
        else for (let i = 0; i < n; i++) out[at[i]!] = h + lo[i]!;
      } else {
        const his = new Float64Array(n);
        unpackNumbers(hi, n, his, null);
        if (at === null) for (let i = 0; i < n; i++) out[i] = his[i]! * TWO32 + lo[i]!;
        else for (let i = 0; i < n; i++) out[at[i]!] = his[i]! * TWO32 + lo[i]!;
      }
      return;
    }
  }
}

/** A short description for stats: 'const', 'for u8', 'split(const)+u32'... */
export function describePacked(p: Packed): string {
  switch (p.k) {
    case 'for':
      return `for u${p.d.BYTES_PER_ELEMENT * 8}`;
    case 'split':
      return `split(${describePacked(p.hi)})`;
    default:
      return p.k;
  }
}

// ---------------------------------------------------------------------------
// Stowing (typed arrays moved into one heap string for the image) is @snaptel/image's stow()/unstow().
