import { DecodeError, EncodeError } from '@snaptel/codec';
import { MODES, PARAM_BY_CODE, SDP_ATTRS, SDP_TYPED, type ConnectionMode, type Verb } from './tables';

const P = 'mgcp';

/** A line terminator as it was on the wire; '' only for a last line without one. */
export type Eol = '\r\n' | '\n' | '\r' | '';

/** One local connection option `key:value` of an L: line. */
export interface LocalOption {
  key: string;
  value: string;
}

/**
 * A parameter line `name: value`. The name keeps its case. Exactly one of
 * `value` (text as written), `mode` (M:) or `options` (L:) carries the value:
 * the decoder sets the typed field only when re-rendering it gives back the
 * same text, otherwise it keeps the text in `value`.
 */
export interface MgcpParam {
  name: string;
  value?: string;
  mode?: ConnectionMode;
  options?: LocalOption[];
  /** Between name and value; default ': '. '' for a bare name without colon. */
  sep?: string;
  /** Default: the message's eol. */
  eol?: Eol;
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}
export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
}
export interface SdpTiming {
  start: string;
  stop: string;
}
export interface SdpMedia {
  media: string;
  port: number;
  proto: string;
  formats: string[];
}
export interface SdpRtpmap {
  payloadType: number;
  encoding: string;
  clockRate?: number;
  channels?: number;
}
export interface SdpFmtp {
  payloadType: number;
  params: string;
}

/**
 * One SDP line `<type>=<value>`. As for parameters: a typed field when it
 * renders back to the same text, else `value`.
 */
export interface SdpLine {
  type: string;
  value?: string;
  version?: number;
  origin?: SdpOrigin;
  sessionName?: string;
  connection?: SdpConnection;
  timing?: SdpTiming;
  media?: SdpMedia;
  rtpmap?: SdpRtpmap;
  ptime?: number;
  fmtp?: SdpFmtp;
  eol?: Eol;
}

export interface Sdp {
  lines: SdpLine[];
  /** Terminator of the empty line that starts the body; default: the message's eol. */
  eol?: Eol;
}

interface MessageBase {
  params: MgcpParam[];
  sdp?: Sdp;
  /** Terminator of the first line and default for all others; default '\r\n'. */
  eol?: Eol;
  /** Spaces between the first line's fields when not single spaces. */
  spacing?: string[];
  /** Messages piggy-backed after this one, each after a '.' line. */
  piggyback?: MgcpMessage[];
  /** On a piggy-backed message: terminator of the '.' line before it; default its own eol. */
  dotEol?: Eol;
}

export interface MgcpCommand extends MessageBase {
  type: 'command';
  verb: Verb | (string & {});
  transactionId: string;
  endpoint: string;
  /** 'MGCP 1.0', possibly with a profile name after it. */
  version: string;
}

export interface MgcpResponse extends MessageBase {
  type: 'response';
  code: number;
  transactionId: string;
  comment?: string;
}

export type MgcpMessage = MgcpCommand | MgcpResponse;

// ---------------------------------------------------------------- line codecs

/** A value codec: parse returns undefined when the text is not its form. */
interface LineCodec<T> {
  parse(s: string): T | undefined;
  render(v: T): string;
}

const DEC = /^(0|[1-9][0-9]{0,9})$/;
const TOKEN = /^[^ \t]+$/;

function words(s: string, n: number): string[] | undefined {
  const w = s.split(' ');
  if (w.length !== n || w.some((x) => x === '')) return undefined;
  return w;
}

const optionsCodec: LineCodec<LocalOption[]> = {
  parse(s) {
    if (s === '') return undefined;
    const out: LocalOption[] = [];
    for (const part of s.split(', ')) {
      const m = /^([A-Za-z0-9-]+):([^,\s]*)$/.exec(part);
      if (!m) return undefined;
      out.push({ key: m[1]!, value: m[2]! });
    }
    return out;
  },
  render: (v) => v.map((o) => `${o.key}:${o.value}`).join(', '),
};

const modeCodec: LineCodec<ConnectionMode> = {
  parse: (s) => ((MODES as readonly string[]).includes(s) ? (s as ConnectionMode) : undefined),
  render: (v) => v,
};

const PARAM_CODECS = { mode: modeCodec, options: optionsCodec } as const;

const SDP_CODECS: { [K in (typeof SDP_TYPED)[string]]: LineCodec<NonNullable<SdpLine[K]>> } = {
  version: { parse: (s) => (DEC.test(s) ? Number(s) : undefined), render: String },
  origin: {
    parse(s) {
      const w = words(s, 6);
      return w && { username: w[0]!, sessionId: w[1]!, sessionVersion: w[2]!, netType: w[3]!, addrType: w[4]!, address: w[5]! };
    },
    render: (o) => `${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
  },
  sessionName: { parse: (s) => s, render: (v) => v },
  connection: {
    parse(s) {
      const w = words(s, 3);
      return w && { netType: w[0]!, addrType: w[1]!, address: w[2]! };
    },
    render: (c) => `${c.netType} ${c.addrType} ${c.address}`,
  },
  timing: {
    parse(s) {
      const w = words(s, 2);
      return w && { start: w[0]!, stop: w[1]! };
    },
    render: (t) => `${t.start} ${t.stop}`,
  },
  media: {
    parse(s) {
      const w = s.split(' ');
      if (w.length < 3 || w.some((x) => x === '') || !DEC.test(w[1]!) || Number(w[1]) > 65535) return undefined;
      return { media: w[0]!, port: Number(w[1]), proto: w[2]!, formats: w.slice(3) };
    },
    render: (m) => [m.media, String(m.port), m.proto, ...m.formats].join(' '),
  },
};

const ATTR_CODECS: { [K in (typeof SDP_ATTRS)[number]]: LineCodec<NonNullable<SdpLine[K]>> } = {
  rtpmap: {
    parse(s) {
      const m = /^([0-9]+) ([^/ ]+)(?:\/([0-9]+)(?:\/([0-9]+))?)?$/.exec(s);
      if (!m) return undefined;
      const r: SdpRtpmap = { payloadType: Number(m[1]), encoding: m[2]! };
      if (m[3] !== undefined) r.clockRate = Number(m[3]);
      if (m[4] !== undefined) r.channels = Number(m[4]);
      return r;
    },
    render: (r) =>
      `${r.payloadType} ${r.encoding}${r.clockRate !== undefined ? `/${r.clockRate}` : ''}${r.channels !== undefined ? `/${r.channels}` : ''}`,
  },
  ptime: { parse: (s) => (DEC.test(s) ? Number(s) : undefined), render: String },
  fmtp: {
    parse(s) {
      const m = /^([0-9]+) (\S.*)$/.exec(s);
      return m ? { payloadType: Number(m[1]), params: m[2]! } : undefined;
    },
    render: (f) => `${f.payloadType} ${f.params}`,
  },
};

/** Parses with a codec and keeps the result only if it renders back to the same text. */
function exact<T>(c: LineCodec<T>, s: string): T | undefined {
  const v = c.parse(s);
  return v !== undefined && c.render(v) === s ? v : undefined;
}

// ---------------------------------------------------------------- decoding

interface Line {
  start: number;
  text: string;
  eol: Eol;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) {
      if (i + 1 < n && text.charCodeAt(i + 1) === 10) {
        lines.push({ start, text: text.slice(start, i), eol: '\r\n' });
        i++;
      } else lines.push({ start, text: text.slice(start, i), eol: '\r' });
      start = i + 1;
    } else if (c === 10) {
      lines.push({ start, text: text.slice(start, i), eol: '\n' });
      start = i + 1;
    }
  }
  if (start < n) lines.push({ start, text: text.slice(start), eol: '' });
  return lines;
}

function checkChars(line: Line, msg: string | undefined, ie: string | undefined): void {
  const t = line.text;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f)
      throw new DecodeError(P, msg, ie, line.start + i, `control character 0x${c.toString(16).padStart(2, '0')}`);
  }
}

const COMMAND_LINE = /^([A-Za-z0-9]{1,4})([ \t]+)([0-9]{1,9})([ \t]+)([^ \t]+)([ \t]+)(.*)$/;
const RESPONSE_LINE = /^([0-9]{3})([ \t]+)([0-9]{1,9})(?:([ \t]+)(.*))?$/;
const VERSION = /^MGCP[ \t]+[0-9]+\.[0-9]+(?:[ \t]+[^ \t].*)?$/i;
const PARAM_NAME = /^[A-Za-z0-9][A-Za-z0-9+-]*$/;

function decodeHeader(line: Line): MgcpMessage {
  checkChars(line, undefined, 'first line');
  const t = line.text;
  if (t === '') throw new DecodeError(P, undefined, 'first line', line.start, 'empty first line');
  const base = { params: [] as MgcpParam[] };
  if (/^[0-9]{3}[ \t]/.test(t) || /^[0-9]{3}$/.test(t)) {
    const m = RESPONSE_LINE.exec(t);
    const name = `response ${t.slice(0, 3)}`;
    if (!m) throw new DecodeError(P, name, 'transaction id', line.start + Math.min(4, t.length), 'expected a transaction id of 1 to 9 digits');
    const r: MgcpResponse = { type: 'response', code: Number(m[1]), transactionId: m[3]!, ...base };
    if (m[5] !== undefined) r.comment = m[5];
    const spacing = m[4] !== undefined ? [m[2]!, m[4]] : [m[2]!];
    if (spacing.some((s) => s !== ' ')) r.spacing = spacing;
    return r;
  }
  const m = COMMAND_LINE.exec(t);
  if (!m) {
    const verb = /^[A-Za-z0-9]{1,4}(?=[ \t]|$)/.exec(t)?.[0];
    if (!verb) throw new DecodeError(P, undefined, 'verb', line.start, 'expected a verb of 1 to 4 letters or a 3-digit response code');
    const rest = t.slice(verb.length);
    const tid = /^[ \t]+([0-9]{1,9})(?=[ \t]|$)/.exec(rest);
    if (!tid) throw new DecodeError(P, verb, 'transaction id', line.start + verb.length, 'expected a transaction id of 1 to 9 digits');
    const at = verb.length + tid[0].length;
    const ep = /^[ \t]+[^ \t]+/.exec(t.slice(at));
    if (!ep) throw new DecodeError(P, verb, 'endpoint', line.start + at, 'expected an endpoint name');
    throw new DecodeError(P, verb, 'version', line.start + at + ep[0].length, "expected 'MGCP <major>.<minor>'");
  }
  const verb = m[1]!;
  const version = m[7]!;
  const at = line.start + m[1]!.length + m[2]!.length + m[3]!.length + m[4]!.length;
  if (!m[5]!.includes('@')) throw new DecodeError(P, verb, 'endpoint', at, 'endpoint name without @domain');
  if (!VERSION.test(version))
    throw new DecodeError(P, verb, 'version', at + m[5]!.length + m[6]!.length, "expected 'MGCP <major>.<minor>'");
  const c: MgcpCommand = { type: 'command', verb, transactionId: m[3]!, endpoint: m[5]!, version, ...base };
  const spacing = [m[2]!, m[4]!, m[6]!];
  if (spacing.some((s) => s !== ' ')) c.spacing = spacing;
  return c;
}

function msgName(m: MgcpMessage): string {
  return m.type === 'command' ? m.verb : `response ${String(m.code).padStart(3, '0')}`;
}

function decodeParam(line: Line, msg: string, eol: Eol): MgcpParam {
  const t = line.text;
  const colon = t.indexOf(':');
  const name = colon < 0 ? t : t.slice(0, colon);
  checkChars(line, msg, /^[^:=\s]*/.exec(t)![0] || undefined);
  if (!PARAM_NAME.test(name))
    throw new DecodeError(P, msg, /^[^:=\s]*/.exec(t)![0] || undefined, line.start, `bad parameter line (expected 'name: value')`);
  const p: MgcpParam = { name };
  if (colon < 0) {
    p.value = '';
    p.sep = '';
  } else {
    let j = colon + 1;
    while (j < t.length && (t[j] === ' ' || t[j] === '\t')) j++;
    const sep = t.slice(colon, j);
    if (sep !== ': ') p.sep = sep;
    const value = t.slice(j);
    const typed = PARAM_BY_CODE.get(name.toUpperCase())?.typed;
    const v = typed ? exact<unknown>(PARAM_CODECS[typed] as LineCodec<unknown>, value) : undefined;
    if (typed && v !== undefined) (p as unknown as Record<string, unknown>)[typed] = v;
    else p.value = value;
  }
  if (line.eol !== eol) p.eol = line.eol;
  return p;
}

function decodeSdpLine(line: Line, msg: string, eol: Eol): SdpLine {
  const t = line.text;
  const type = t[0] ?? '';
  checkChars(line, msg, `SDP ${type}`);
  if (!/^[a-zA-Z]=/.test(t)) throw new DecodeError(P, msg, 'SDP', line.start, "bad SDP line (expected '<letter>=<value>')");
  const value = t.slice(2);
  const l: SdpLine = { type };
  const field = SDP_TYPED[type];
  let done = false;
  if (field) {
    const v = exact<unknown>(SDP_CODECS[field] as LineCodec<unknown>, value);
    if (v !== undefined) {
      (l as unknown as Record<string, unknown>)[field] = v;
      done = true;
    }
  } else if (type === 'a') {
    const c = value.indexOf(':');
    const attr = c < 0 ? '' : value.slice(0, c);
    if ((SDP_ATTRS as readonly string[]).includes(attr)) {
      const v = exact<unknown>(ATTR_CODECS[attr as keyof typeof ATTR_CODECS] as LineCodec<unknown>, value.slice(c + 1));
      if (v !== undefined) {
        (l as unknown as Record<string, unknown>)[attr] = v;
        done = true;
      }
    }
  }
  if (!done) l.value = value;
  if (line.eol !== eol) l.eol = line.eol;
  return l;
}

/**
 * Decodes one MGCP datagram: a command or response, its parameter lines, an
 * optional SDP body after an empty line, and any messages piggy-backed after
 * '.' lines (returned in `piggyback` of the first). Throws DecodeError.
 */
export function decode(bytes: Uint8Array): MgcpMessage {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const lines = splitLines(text);
  if (lines.length === 0) throw new DecodeError(P, undefined, undefined, 0, 'empty datagram');
  const messages: MgcpMessage[] = [];
  let i = 0;
  let dotEol: Eol | undefined;
  for (;;) {
    if (i >= lines.length) throw new DecodeError(P, undefined, undefined, text.length, "no message after '.' line");
    const head = lines[i++]!;
    const msg = decodeHeader(head);
    const name = msgName(msg);
    const eol = head.eol;
    if (eol !== '\r\n') msg.eol = eol;
    if (dotEol !== undefined && dotEol !== eol) msg.dotEol = dotEol;
    messages.push(msg);
    let next = false;
    while (i < lines.length) {
      const l = lines[i++]!;
      if (l.text === '.') {
        dotEol = l.eol;
        next = true;
        break;
      }
      if (l.text === '') {
        const sdp: Sdp = { lines: [] };
        if (l.eol !== eol) sdp.eol = l.eol;
        msg.sdp = sdp;
        while (i < lines.length) {
          const s = lines[i++]!;
          if (s.text === '.') {
            dotEol = s.eol;
            next = true;
            break;
          }
          sdp.lines.push(decodeSdpLine(s, name, eol));
        }
        break;
      }
      msg.params.push(decodeParam(l, name, eol));
    }
    if (!next) break;
  }
  const first = messages[0]!;
  if (messages.length > 1) first.piggyback = messages.slice(1);
  return first;
}

// ---------------------------------------------------------------- encoding

function noBreaks(s: string, msg: string | undefined, ie: string): void {
  if (/[\r\n]/.test(s)) throw new EncodeError(P, msg, ie, 'line break inside a field');
}

function renderParam(p: MgcpParam, msg: string): string {
  if (typeof p.name !== 'string' || !PARAM_NAME.test(p.name)) throw new EncodeError(P, msg, String(p.name), 'bad parameter name');
  const sep = p.sep ?? ': ';
  if (!/^(:[ \t]*)?$/.test(sep)) throw new EncodeError(P, msg, p.name, `bad separator ${JSON.stringify(sep)}`);
  let v: string;
  if (p.value !== undefined) v = p.value;
  else if (p.mode !== undefined) v = modeCodec.render(p.mode);
  else if (p.options !== undefined) v = optionsCodec.render(p.options);
  else throw new EncodeError(P, msg, p.name, 'no value (value, mode or options)');
  if (sep === '' && v !== '') throw new EncodeError(P, msg, p.name, 'a value needs a ":" separator');
  noBreaks(v, msg, p.name);
  return p.name + sep + v;
}

function renderSdpLine(l: SdpLine, msg: string): string {
  if (typeof l.type !== 'string' || !/^[a-zA-Z]$/.test(l.type)) throw new EncodeError(P, msg, 'SDP', `bad SDP line type ${JSON.stringify(l.type)}`);
  let v: string | undefined = l.value;
  if (v === undefined) {
    const field = SDP_TYPED[l.type];
    if (field && l[field] !== undefined) v = (SDP_CODECS[field] as LineCodec<unknown>).render(l[field]);
    else if (l.type === 'a') {
      for (const a of SDP_ATTRS)
        if (l[a] !== undefined) {
          v = `${a}:${(ATTR_CODECS[a] as LineCodec<unknown>).render(l[a])}`;
          break;
        }
    }
  }
  if (v === undefined) throw new EncodeError(P, msg, `SDP ${l.type}`, 'no value');
  noBreaks(v, msg, `SDP ${l.type}`);
  return `${l.type}=${v}`;
}

function headerLine(m: MgcpMessage): string {
  const sp = m.spacing ?? [];
  const s = (i: number): string => {
    const x = sp[i] ?? ' ';
    if (!/^[ \t]+$/.test(x)) throw new EncodeError(P, msgName(m), 'first line', 'spacing must be spaces or tabs');
    return x;
  };
  if (!/^[0-9]{1,9}$/.test(m.transactionId ?? '')) throw new EncodeError(P, msgName(m), 'transaction id', 'expected 1 to 9 digits');
  if (m.type === 'command') {
    if (!/^[A-Za-z0-9]{1,4}$/.test(m.verb ?? '')) throw new EncodeError(P, String(m.verb), 'verb', 'expected 1 to 4 letters or digits');
    if (!TOKEN.test(m.endpoint ?? '') || !m.endpoint.includes('@')) throw new EncodeError(P, m.verb, 'endpoint', 'expected local@domain without spaces');
    if (!VERSION.test(m.version ?? '')) throw new EncodeError(P, m.verb, 'version', "expected 'MGCP <major>.<minor>'");
    return m.verb + s(0) + m.transactionId + s(1) + m.endpoint + s(2) + m.version;
  }
  if (m.type !== 'response') throw new EncodeError(P, undefined, undefined, `unknown message type ${JSON.stringify((m as { type: unknown }).type)}`);
  if (!Number.isInteger(m.code) || m.code < 0 || m.code > 999) throw new EncodeError(P, undefined, 'code', 'expected 0 to 999');
  let line = String(m.code).padStart(3, '0') + s(0) + m.transactionId;
  if (m.comment !== undefined) {
    noBreaks(m.comment, msgName(m), 'comment');
    line += s(1) + m.comment;
  }
  return line;
}

function checkEol(e: Eol | undefined, msg: string): void {
  if (e !== undefined && e !== '\r\n' && e !== '\n' && e !== '\r' && e !== '') throw new EncodeError(P, msg, 'eol', 'bad line terminator');
}

function encodeOne(m: MgcpMessage, out: string[]): void {
  const name = msgName(m);
  const eol = m.eol ?? '\r\n';
  checkEol(eol, name);
  out.push(headerLine(m), eol);
  for (const p of m.params ?? []) {
    checkEol(p.eol, name);
    out.push(renderParam(p, name), p.eol ?? eol);
  }
  if (m.sdp) {
    checkEol(m.sdp.eol, name);
    out.push(m.sdp.eol ?? eol);
    for (const l of m.sdp.lines) {
      checkEol(l.eol, name);
      out.push(renderSdpLine(l, name), l.eol ?? eol);
    }
  }
}

/** Encodes a message (and its piggy-backed followers) to one datagram. Throws EncodeError. */
export function encode(msg: MgcpMessage): Uint8Array {
  const out: string[] = [];
  encodeOne(msg, out);
  for (const p of msg.piggyback ?? []) {
    const e = p.dotEol ?? p.eol ?? '\r\n';
    checkEol(e, msgName(p));
    out.push('.', e);
    encodeOne(p, out);
  }
  return new Uint8Array(Buffer.from(out.join(''), 'latin1'));
}

// ---------------------------------------------------------------- accessors

/** The text of a parameter line's value, whichever field carries it. */
export function paramText(p: MgcpParam): string {
  if (p.value !== undefined) return p.value;
  if (p.mode !== undefined) return p.mode;
  if (p.options !== undefined) return optionsCodec.render(p.options);
  return '';
}

/** The first parameter with this name (case-insensitive), as text. */
export function getParam(m: MgcpMessage, name: string): string | undefined {
  const u = name.toUpperCase();
  const p = m.params.find((x) => x.name.toUpperCase() === u);
  return p && paramText(p);
}

/** The first m= line of the SDP body, parsed even when kept as text. */
export function sdpMedia(m: MgcpMessage): SdpMedia | undefined {
  const l = m.sdp?.lines.find((x) => x.type === 'm');
  if (!l) return undefined;
  return l.media ?? SDP_CODECS.media.parse(l.value ?? '');
}

/** The c= address of the SDP body. */
export function sdpConnection(m: MgcpMessage): SdpConnection | undefined {
  const l = m.sdp?.lines.find((x) => x.type === 'c');
  if (!l) return undefined;
  return l.connection ?? SDP_CODECS.connection.parse(l.value ?? '');
}
