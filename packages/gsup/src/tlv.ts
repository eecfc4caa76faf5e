import { EncodeError, Reader, Writer, fromHex, toHex } from '@snaptel/codec';

/**
 * A generic TLV walker (1-byte tag, 1-byte length), driven by tables that
 * describe each IE once: tag, key in the JSON form, value format, length
 * bounds and whether it may repeat. Messages list which IEs are mandatory.
 * Nothing here knows GSUP; GSUP is only the tables in ies.ts/messages.ts.
 *
 * Byte-exact re-encoding:
 *  - IEs the table does not know (and repeats of a non-repeating IE) are
 *    kept under `unknown` as { tag, value(hex) };
 *  - the encoder writes IEs in table order, unknown ones last; when the
 *    wire order differed, the decoder records it under `order` (list of
 *    tags), and the encoder then follows it.
 */

/** How a value is read from / written to the bytes of one IE. */
export interface ValueFormat<T = unknown> {
  /** Reads the whole value from `r` (a reader over exactly the IE's value bytes). */
  decode(r: Reader): T;
  /** Writes a value; throws Error(reason) for a value it cannot encode. */
  encode(w: Writer, v: T): void;
  /** true for zero-length presence flags: the value is `true`, `false` means absent. */
  flag?: boolean;
}

export interface IeDef {
  tag: number;
  /** Key in the JSON message form. */
  key: string;
  /** Human name used in errors. */
  name: string;
  format: ValueFormat<any>;
  /** Length bounds of the value, in bytes. */
  min: number;
  max: number;
  /** If set, the IE may repeat up to this many times; the JSON value is an array. */
  repeat?: number;
}

export interface UnknownIe {
  tag: number;
  value: string;
}

export interface IeTable {
  protocol: string;
  defs: readonly IeDef[];
  byTag: ReadonlyMap<number, IeDef>;
  rank: ReadonlyMap<number, number>;
}

export function ieTable(protocol: string, defs: readonly IeDef[]): IeTable {
  return {
    protocol,
    defs,
    byTag: new Map(defs.map((d) => [d.tag, d])),
    rank: new Map(defs.map((d, i) => [d.tag, i])),
  };
}

/** An IE list with its mandatory IEs, used for a message body or a nested (grouped) IE. */
export interface IeGroup {
  name: string;
  table: IeTable;
  mandatory: readonly string[];
}

type Obj = Record<string, unknown> & { unknown?: UnknownIe[]; order?: number[] };

/** Decodes IEs until `r` is exhausted. Offsets in errors are absolute in r.buf. */
export function decodeIes(r: Reader, group: IeGroup): Obj {
  const { table } = group;
  const out: Obj = {};
  const order: number[] = [];
  let canonical = true;
  let lastRank = -1;
  let sawUnknown = false;
  const ie0 = r.ie;
  while (r.remaining > 0) {
    const at = r.pos;
    r.ie = ie0;
    const tag = r.u8('IE tag');
    const def = table.byTag.get(tag);
    r.ie = def ? def.name : `0x${tag.toString(16).padStart(2, '0')}`;
    const len = r.u8('IE length');
    if (len > r.remaining) r.fail(`IE length ${len} exceeds the ${r.remaining} byte(s) left`, at + 1);
    order.push(tag);
    let known = false;
    if (def) {
      const cur = out[def.key];
      if (def.repeat ? !cur || (cur as unknown[]).length < def.repeat : cur === undefined) {
        known = true;
        if (len < def.min || len > def.max)
          r.fail(`length ${len} out of bounds ${def.min}..${def.max}`, at + 1);
        const v = def.format.decode(r.sub(len, def.name));
        if (def.repeat) {
          if (cur) (cur as unknown[]).push(v);
          else out[def.key] = [v];
        } else out[def.key] = v;
        const rank = table.rank.get(tag)!;
        if (rank < lastRank || sawUnknown) canonical = false;
        lastRank = rank;
      }
    }
    if (!known) {
      sawUnknown = true;
      (out.unknown ??= []).push({ tag, value: toHex(r.bytes(len)) });
    }
  }
  r.ie = ie0;
  for (const k of group.mandatory) {
    if (out[k] === undefined) {
      const def = table.defs.find((d) => d.key === k);
      r.ie = def?.name ?? k;
      r.fail(`missing mandatory IE ${def?.name ?? k}`);
    }
  }
  r.ie = ie0;
  if (!canonical) out.order = order;
  return out;
}

function writeIe(w: Writer, group: IeGroup, def: IeDef, v: unknown): void {
  const { protocol } = group.table;
  w.u8(def.tag);
  const lenAt = w.length;
  w.u8(0);
  try {
    def.format.encode(w, v);
  } catch (e) {
    if (e instanceof EncodeError) throw e;
    throw new EncodeError(protocol, group.name, def.name, (e as Error).message);
  }
  const len = w.length - lenAt - 1;
  if (len < def.min || len > def.max || len > 255)
    throw new EncodeError(protocol, group.name, def.name, `length ${len} out of bounds ${def.min}..${def.max}`);
  w.patch8(lenAt, len);
}

function writeUnknown(w: Writer, group: IeGroup, u: UnknownIe): void {
  let b: Uint8Array;
  try {
    b = fromHex(u.value);
  } catch {
    throw new EncodeError(group.table.protocol, group.name, `0x${u.tag.toString(16)}`, 'value is not hex');
  }
  if (!Number.isInteger(u.tag) || u.tag < 0 || u.tag > 255 || b.length > 255)
    throw new EncodeError(group.table.protocol, group.name, String(u.tag), 'bad unknown IE');
  w.u8(u.tag).u8(b.length).bytes(b);
}

function values(def: IeDef, v: unknown, group: IeGroup): unknown[] {
  if (v === undefined || v === null || (def.format.flag && v === false)) return [];
  if (def.repeat) {
    if (!Array.isArray(v)) throw new EncodeError(group.table.protocol, group.name, def.name, 'expected an array');
    if (v.length > def.repeat) throw new EncodeError(group.table.protocol, group.name, def.name, `more than ${def.repeat}`);
    return v;
  }
  return [v];
}

/** Encodes the IEs of `obj` (keys as in the table). */
export function encodeIes(w: Writer, group: IeGroup, obj: Obj): void {
  const { table } = group;
  for (const k of group.mandatory) {
    const def = table.defs.find((d) => d.key === k);
    if (obj[k] === undefined || (Array.isArray(obj[k]) && (obj[k] as unknown[]).length === 0))
      throw new EncodeError(table.protocol, group.name, def?.name ?? k, 'missing mandatory IE');
  }
  const unknown = obj.unknown ?? [];
  if (!obj.order) {
    for (const def of table.defs) for (const v of values(def, obj[def.key], group)) writeIe(w, group, def, v);
    for (const u of unknown) writeUnknown(w, group, u);
    return;
  }
  const used = new Map<number, number>();
  const unknownUsed = new Set<number>();
  for (const tag of obj.order) {
    const def = table.byTag.get(tag);
    if (def) {
      const vs = values(def, obj[def.key], group);
      const i = used.get(tag) ?? 0;
      if (i < vs.length) {
        writeIe(w, group, def, vs[i]);
        used.set(tag, i + 1);
        continue;
      }
    }
    const j = unknown.findIndex((u, idx) => u.tag === tag && !unknownUsed.has(idx));
    if (j >= 0) {
      writeUnknown(w, group, unknown[j]!);
      unknownUsed.add(j);
    }
  }
  // Whatever the order list did not mention goes after, in table order.
  for (const def of table.defs) {
    const vs = values(def, obj[def.key], group);
    for (let i = used.get(def.tag) ?? 0; i < vs.length; i++) writeIe(w, group, def, vs[i]);
  }
  unknown.forEach((u, idx) => {
    if (!unknownUsed.has(idx)) writeUnknown(w, group, u);
  });
}

/** A grouped IE whose value is itself a list of IEs. */
export function nested(group: () => IeGroup): ValueFormat<Obj> {
  return {
    decode: (r) => decodeIes(r, group()),
    encode: (w, v) => {
      if (typeof v !== 'object' || v === null) throw new Error('expected an object');
      encodeIes(w, group(), v);
    },
  };
}
