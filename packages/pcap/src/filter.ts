/**
 * `--filter EXPR`: which messages to show. Terms are separated by ','; each is
 * `proto` (the message has that layer) or `proto.Message` (and that layer's
 * message is the one named), optionally negated with '!'. A message passes
 * when it matches any positive term (or there is none) and no negated one:
 * `bssmap,dtap.'CM Service Request',!bssmap.Reset`.
 * Names compare without case, spaces, '_' and '-': `dtap.LocationUpdatingRequest`,
 * `dtap.'Location Updating Request'` and `dtap.location_updating_request` are one.
 */
import type { Message } from './types';

/** Protocol names a filter term may start with, and what each is. */
export const FILTER_PROTOCOLS: Readonly<Record<string, string>> = {
  ipa: 'IPA frame (CCM type, or SCCP/OSMO/RSL...)',
  gsup: 'GSUP message (UpdateLocationRequest...)',
  sccp: 'SCCP message (CR, DT1, UDT...)',
  bssap: 'BSSAP, BSSMAP or DTAP',
  bssmap: 'BSSMAP message (Reset, Complete Layer 3 Information...)',
  dtap: 'DTAP message of any protocol discriminator',
  mm: 'DTAP MM (Location Updating Request...)',
  cc: 'DTAP CC (Setup...)',
  rr: 'DTAP RR (Paging Response...)',
  ss: 'DTAP SS',
  sms: 'DTAP SMS: CP, RP or TPDU (CP-DATA, RP-DATA, SMS-SUBMIT...)',
  mgcp: 'MGCP command verb or response code (CRCX, 200...)',
  smpp: 'SMPP command (submit_sm...)',
  m3ua: 'M3UA message (ASPUP, DATA...)',
};

export class FilterError extends Error {
  override name = 'FilterError';
  constructor(
    /** 'unknown-protocol' | 'empty' | 'syntax'. */
    readonly code: string,
    /** The term that was wrong. */
    readonly term: string,
    message: string,
  ) {
    super(message);
  }
}

/** 'Location Updating Request' -> 'locationupdatingrequest'. */
export function normaliseName(s: string): string {
  return s.replace(/[\s_\-]/g, '').toLowerCase();
}

/** Every (layer, message name) of a message, keys in lower case, names normalised. */
export function messageNames(m: Message): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (layer: string, ...names: unknown[]): void => {
    let l = out.get(layer);
    if (!l) out.set(layer, (l = []));
    for (const n of names) if (n !== undefined && n !== null && n !== '') l.push(normaliseName(String(n)));
  };
  for (const l of m.layers) add(l.toLowerCase());
  const t = m.tree;
  if (!t) return out;
  const dtap = (d: any): void => {
    if (!d || typeof d !== 'object') return;
    add('dtap', d.type);
    if (typeof d.pd === 'string') add(d.pd, d.type);
    if (d.pd === 'sms' && d.ies) {
      for (const k in d.ies) {
        const rp = d.ies[k];
        if (rp && typeof rp === 'object' && typeof rp.type === 'string' && rp.type.startsWith('RP-')) {
          add('sms', rp.type);
          if (rp.userData && typeof rp.userData.type === 'string') add('sms', rp.userData.type);
        }
      }
    }
  };
  const bssap = (b: any): void => {
    if (!b || typeof b !== 'object') return;
    if (b.discriminator === 'dtap') {
      add('bssap', 'dtap');
      dtap(b.dtap);
    } else {
      add('bssap', b.type);
      add('bssmap', b.type);
      if (b.ies?.layer3Information) dtap(b.ies.layer3Information);
    }
  };
  const sccp = (s: any): void => {
    if (!s || typeof s !== 'object') return;
    add('sccp', s.type);
    bssap(s.bssap);
  };
  switch (m.proto) {
    case 'ipa':
      add('ipa', t.proto, t.ccm?.type, t.ext);
      sccp(t.sccp);
      if (t.gsup) add('gsup', t.gsup.type);
      if (t.mgcp) add('mgcp', ...mgcpNames(t.mgcp));
      break;
    case 'm3ua':
      add('m3ua', t.type);
      sccp(t.protocolData?.sccp);
      break;
    case 'mgcp':
      add('mgcp', ...mgcpNames(t));
      break;
    case 'smpp':
      add('smpp', t.command);
      break;
  }
  return out;
}

function mgcpNames(t: any): unknown[] {
  return [t, ...(t.piggyback ?? [])].map((x: any) => (x.type === 'command' ? x.verb : x.code));
}

interface Term {
  neg: boolean;
  proto: string;
  name?: string;
}

function splitTerms(expr: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | undefined;
  for (const c of expr) {
    if (q) {
      if (c === q) q = undefined;
      cur += c;
    } else if (c === "'" || c === '"') {
      q = c;
      cur += c;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (q) throw new FilterError('syntax', expr, `filter '${expr}': unclosed quote`);
  out.push(cur);
  return out.map((s) => s.trim());
}

function parseTerm(raw: string): Term {
  let s = raw;
  const neg = s.startsWith('!');
  if (neg) s = s.slice(1).trim();
  if (s === '') throw new FilterError('empty', raw, `filter term '${raw}' is empty`);
  const dot = s.indexOf('.');
  const proto = (dot < 0 ? s : s.slice(0, dot)).trim().toLowerCase();
  if (!(proto in FILTER_PROTOCOLS)) throw new FilterError('unknown-protocol', raw, `filter term '${raw}': unknown protocol '${proto}' (known: ${Object.keys(FILTER_PROTOCOLS).join(', ')})`);
  if (dot < 0) return { neg, proto };
  let name = s.slice(dot + 1).trim();
  if (/^(['"]).*\1$/.test(name)) name = name.slice(1, -1);
  if (name === '') throw new FilterError('empty', raw, `filter term '${raw}': message name missing after '.'`);
  return { neg, proto, name: normaliseName(name) };
}

/** Compiles a filter expression; throws FilterError for a term it cannot read. */
export function parseFilter(expr: string): (m: Message) => boolean {
  if (expr.trim() === '') throw new FilterError('empty', expr, 'filter expression is empty');
  const terms = splitTerms(expr).map(parseTerm);
  const pos = terms.filter((t) => !t.neg);
  const neg = terms.filter((t) => t.neg);
  const match = (names: Map<string, string[]>, t: Term): boolean => {
    const l = names.get(t.proto);
    return l !== undefined && (t.name === undefined || l.includes(t.name));
  };
  return (m) => {
    const names = messageNames(m);
    if (pos.length && !pos.some((t) => match(names, t))) return false;
    return !neg.some((t) => match(names, t));
  };
}
