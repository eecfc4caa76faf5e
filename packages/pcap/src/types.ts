/**
 * The shapes that pass between the layers of @snaptel/pcap:
 *
 *   file (pcap/pcapng records) -> Frame
 *   link + IP + transport      -> NetEvent  (TCP bytes in order, UDP datagrams, SCTP user messages, problems)
 *   demux + codecs             -> Message   (one signalling message, decoded down the stack)
 */

/** One captured packet as the file holds it. `data` is a view valid only until the reader moves on. */
export interface Frame {
  /** 1-based frame number, as tshark counts. */
  n: number;
  /** Capture time: whole seconds since the epoch and nanoseconds within the second. */
  sec: number;
  nsec: number;
  /** LINKTYPE_* of the interface the packet came from. */
  linktype: number;
  /** pcapng interface index (0 for pcap). */
  iface: number;
  /** Length on the wire; data.length is the captured length (shorter when the snap length cut it). */
  origLen: number;
  data: Uint8Array;
  /** Byte offset of the record in the file (for errors). */
  fileOffset: number;
}

/** Where a frame (or the part of a message it carried) sits in time and in the file. */
export interface FrameRef {
  n: number;
  sec: number;
  nsec: number;
}

export interface Endpoint {
  /** Dotted IPv4 or RFC 5952 IPv6 text. */
  ip: string;
  port: number;
}

export type Transport = 'tcp' | 'udp' | 'sctp';

/**
 * A conversation: a TCP connection, a UDP address pair or an SCTP
 * association, numbered in order of first appearance per transport (like
 * tshark's tcp.stream / udp.stream / sctp.assoc_index). `a` is the side that
 * opened it (the sender of the SYN / INIT, else of the first packet seen);
 * direction 0 is a -> b, direction 1 is b -> a.
 */
export interface Conversation {
  transport: Transport;
  index: number;
  a: Endpoint;
  b: Endpoint;
  /** How `a` was decided: 'syn' (TCP SYN or SCTP INIT seen) or 'first' (first packet seen). */
  opener: 'syn' | 'first';
}

export type Direction = 0 | 1;

/** Something wrong or missing in the capture, reported and survived. */
export interface Problem {
  /** Frame number (0 when not tied to a frame, e.g. a bad file header block). */
  frame: number;
  /** Layer that noticed it: 'file', 'link', 'ip', 'tcp', 'udp', 'sctp', or an application protocol. */
  layer: string;
  /** A short code, stable for tests: 'truncated', 'gap', 'unknown-block', 'bad-checksum', ... */
  code: string;
  message: string;
  /** Byte offset in the file, when known. */
  fileOffset?: number;
}

export type NetEvent =
  /** TCP payload bytes delivered in stream order (after reordering and dropping retransmissions). */
  | { kind: 'tcp-data'; frame: FrameRef; conv: Conversation; dir: Direction; data: Uint8Array; streamOffset: number }
  /** Bytes of a TCP stream that never appeared in the capture; the stream goes on after them. */
  | { kind: 'tcp-gap'; frame: FrameRef; conv: Conversation; dir: Direction; missing: number; streamOffset: number }
  /** SYN / FIN / RST seen (in stream order). */
  | { kind: 'tcp-open' | 'tcp-close' | 'tcp-reset'; frame: FrameRef; conv: Conversation; dir: Direction }
  | { kind: 'udp'; frame: FrameRef; conv: Conversation; dir: Direction; data: Uint8Array }
  /** One SCTP user message, reassembled from its DATA chunks (per stream). */
  | { kind: 'sctp-data'; frame: FrameRef; conv: Conversation; dir: Direction; stream: number; ppid: number; unordered: boolean; data: Uint8Array }
  | { kind: 'problem'; problem: Problem };

/** The application protocol at the top of a transport payload. */
export type AppProtocol = 'ipa' | 'mgcp' | 'smpp' | 'm3ua';

/** One signalling message found in a capture. */
export interface Message {
  /** The frame that completed the message (where tshark says "reassembled in"). */
  frame: FrameRef;
  conv: Conversation;
  dir: Direction;
  src: Endpoint;
  dst: Endpoint;
  proto: AppProtocol;
  /** The outermost application message exactly as on the wire (an IPA frame, an MGCP datagram, an SMPP PDU, an M3UA message). Owned (copied), safe to keep. */
  bytes: Uint8Array;
  /**
   * The decoded message, inner protocols followed the way `snaptel decode`
   * does (ipa.sccp.bssap.dtap..., m3ua.protocolData.sccp...). Undefined when
   * the outer decode failed (see `error`).
   */
  tree: any;
  /** Protocol names from outer to inner, e.g. ['IPA', 'SCCP', 'BSSMAP'] or ['IPA', 'SCCP', 'DTAP', 'SMS']. */
  layers: string[];
  /** tshark-like info column: the innermost meaningful message names, e.g. 'DTAP MM Location Updating Request'. */
  info: string;
  /** Set when some layer failed to decode: the typed error's message (protocol, message, IE, offset). */
  error?: string;
  /** SCTP only: the stream and payload protocol identifier the message came on. */
  sctp?: { stream: number; ppid: number };
}
