/**
 * Stowing typed arrays for a snapshot. V8 (Node 20.20) counts every
 * ArrayBuffer it deserializes from a startup snapshot as external memory;
 * past some tens of MB this starts garbage-collector marking in the middle of
 * deserialization, and the process dies with SIGSEGV at every resume (seen
 * here with an HLR of 10^6 subscribers, some 80 MB of typed arrays; flags
 * such as --no-concurrent-marking only move the threshold). A string lives
 * in the V8 heap and is not counted so. A package holding large typed arrays
 * stows them in aboutToSnapshot and unstows them in returnedFromSnapshot;
 * deploy refuses an image whose ArrayBuffers exceed the limit, naming it.
 */

const TYPES = {
  Int8Array: 'i8',
  Uint8Array: 'u8',
  Uint8ClampedArray: 'u8c',
  Int16Array: 'i16',
  Uint16Array: 'u16',
  Int32Array: 'i32',
  Uint32Array: 'u32',
  Float32Array: 'f32',
  Float64Array: 'f64',
  BigInt64Array: 'i64',
  BigUint64Array: 'u64',
} as const;
type Tag = (typeof TYPES)[keyof typeof TYPES];
const CTORS: Record<Tag, new (b: ArrayBuffer, off: number, len: number) => ArrayBufferView> = {
  i8: Int8Array,
  u8: Uint8Array,
  u8c: Uint8ClampedArray,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  f32: Float32Array,
  f64: Float64Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
};

/** Where a stowed array lies in the blob. */
interface Ref {
  readonly $stowed: Tag;
  readonly at: number;
  readonly length: number;
}

export interface Stowed {
  /** Every array's bytes, one latin1 character per byte, each array 8-byte aligned. */
  readonly blob: string;
  /** The value with each typed array replaced by a reference into the blob. */
  readonly shape: unknown;
}

const isRef = (v: unknown): v is Ref => typeof v === 'object' && v !== null && typeof (v as Ref).$stowed === 'string';

/**
 * Moves every typed array in `value` (nested in plain objects and arrays)
 * into one string. Other values are kept as they are (shared, not copied).
 */
export function stow(value: unknown): Stowed {
  const arrays: Array<{ a: ArrayBufferView; at: number }> = [];
  let size = 0;
  const walk = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) {
      const tag = TYPES[Object.prototype.toString.call(v).slice(8, -1) as keyof typeof TYPES];
      if (!tag) throw new TypeError(`stow: cannot stow a ${Object.prototype.toString.call(v)}`);
      size = (size + 7) & ~7;
      arrays.push({ a: v, at: size });
      const ref: Ref = { $stowed: tag, at: size, length: (v as unknown as { length: number }).length };
      size += v.byteLength;
      return ref;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v)) o[k] = walk((v as Record<string, unknown>)[k]);
      return o;
    }
    return v;
  };
  const shape = walk(value);
  const bytes = Buffer.alloc(size);
  for (const { a, at } of arrays) bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
  return { blob: bytes.toString('latin1'), shape };
}

/** The value given to stow(), with fresh typed arrays (views into one new ArrayBuffer). */
export function unstow(s: Stowed): unknown {
  const buf = new ArrayBuffer(s.blob.length);
  if (s.blob.length) Buffer.from(buf).write(s.blob, 'latin1');
  const walk = (v: unknown): unknown => {
    if (isRef(v)) return new CTORS[v.$stowed](buf, v.at, v.length);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v)) o[k] = walk((v as Record<string, unknown>)[k]);
      return o;
    }
    return v;
  };
  return walk(s.shape);
}
