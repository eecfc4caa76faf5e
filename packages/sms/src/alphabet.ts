import { EncodeError } from '@snaptel/codec';

/**
 * TS 23.038 §6.2.1: the GSM 7-bit default alphabet, indexed by septet value.
 * 0x1B is the escape to the extension table (shown here as '\x1b').
 */
export const GSM7_DEFAULT: readonly string[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\x1b', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/** TS 23.038 §6.2.1.1: the default alphabet extension table (after ESC 0x1B). */
export const GSM7_EXTENSION: Readonly<Record<number, string>> = {
  0x0a: '\f',
  0x14: '^',
  0x28: '{',
  0x29: '}',
  0x2f: '\\',
  0x3c: '[',
  0x3d: '~',
  0x3e: ']',
  0x40: '|',
  0x65: '€',
};

export const GSM7_ESCAPE = 0x1b;

const DEFAULT_INDEX = new Map<string, number>();
GSM7_DEFAULT.forEach((c, i) => {
  if (i !== GSM7_ESCAPE) DEFAULT_INDEX.set(c, i);
});
const EXTENSION_INDEX = new Map<string, number>(Object.entries(GSM7_EXTENSION).map(([k, v]) => [v, Number(k)]));

/** True if every character of `text` is in the default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  for (const c of text) if (!DEFAULT_INDEX.has(c) && !EXTENSION_INDEX.has(c)) return false;
  return true;
}

/** Text to septet values (extension characters become ESC + code). Throws EncodeError for other characters. */
export function gsm7Septets(text: string): number[] {
  const out: number[] = [];
  for (const c of text) {
    const d = DEFAULT_INDEX.get(c);
    if (d !== undefined) {
      out.push(d);
      continue;
    }
    const e = EXTENSION_INDEX.get(c);
    if (e === undefined) throw new EncodeError('sms', undefined, 'TP-UD', `character U+${c.codePointAt(0)!.toString(16).padStart(4, '0')} is not in the GSM 7-bit alphabet`);
    out.push(GSM7_ESCAPE, e);
  }
  return out;
}

/**
 * Septet values to text. An escape followed by a code the extension table
 * lacks shows the default-table character (TS 23.038 §6.2.1.1); a trailing
 * lone escape shows as a space.
 */
export function gsm7Text(septets: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < septets.length; i++) {
    const v = septets[i]! & 0x7f;
    if (v === GSM7_ESCAPE) {
      if (i + 1 >= septets.length) {
        s += ' ';
        break;
      }
      const n = septets[++i]! & 0x7f;
      s += GSM7_EXTENSION[n] ?? (n === GSM7_ESCAPE ? ' ' : GSM7_DEFAULT[n]!);
      continue;
    }
    s += GSM7_DEFAULT[v]!;
  }
  return s;
}

/**
 * Packs septets LSB first into octets (TS 23.038 §6.1.2.1.1), after
 * `fillBits` zero bits (the fill that aligns text after a UDH to a septet boundary).
 */
export function packSeptets(septets: ArrayLike<number>, fillBits = 0): Uint8Array {
  const out = new Uint8Array(Math.ceil((fillBits + septets.length * 7) / 8));
  let bit = fillBits;
  for (let i = 0; i < septets.length; i++) {
    const v = septets[i]! & 0x7f;
    const byte = bit >> 3;
    const shift = bit & 7;
    out[byte]! |= (v << shift) & 0xff;
    if (shift > 1) out[byte + 1]! |= v >> (8 - shift);
    bit += 7;
  }
  return out;
}

/** Unpacks `count` septets from `bytes`, skipping `fillBits` leading bits. The caller checks the length. */
export function unpackSeptets(bytes: Uint8Array, count: number, fillBits = 0): number[] {
  const out = new Array<number>(count);
  let bit = fillBits;
  for (let i = 0; i < count; i++) {
    const byte = bit >> 3;
    const shift = bit & 7;
    let v = bytes[byte]! >> shift;
    if (shift > 1) v |= (bytes[byte + 1] ?? 0) << (8 - shift);
    out[i] = v & 0x7f;
    bit += 7;
  }
  return out;
}

/** Text to packed GSM 7-bit octets and the septet count. */
export function gsm7Pack(text: string, fillBits = 0): { bytes: Uint8Array; septets: number } {
  const s = gsm7Septets(text);
  return { bytes: packSeptets(s, fillBits), septets: s.length };
}

/** Packed GSM 7-bit octets to text. */
export function gsm7Unpack(bytes: Uint8Array, septets: number, fillBits = 0): string {
  return gsm7Text(unpackSeptets(bytes, septets, fillBits));
}
