import { frame } from '@snaptel/ipa';

/** The MTP routing label of one message (Q.704 §2.2): origin and destination point codes, signalling link selection. */
export interface MtpRoute {
  opc: number;
  dpc: number;
  /** 0..15 for ITU MTP3 (M3UA carries 8 bits; the node uses 4). */
  sls: number;
}

/**
 * What the SCCP node sends through: implemented over M3UA (an MTP-TRANSFER
 * request with SI = 3, the route's OPC/DPC/SLS in the protocol data) or over
 * SCCPlite (IPA stream 0xFD, which has no point codes and ignores the route).
 */
export interface SccpLower {
  send(bytes: Uint8Array, route: MtpRoute): void;
}

/**
 * An SccpLower for SCCPlite: each message goes out as one IPA frame of
 * protocol 0xFD through `write` (the TCP socket's write). The route is not
 * carried; incoming frames go to node.receive(payload, { opc: peerPc, dpc:
 * ownPc, sls: 0 }) with the point codes configured for the link.
 */
export function sccpliteLower(write: (ipaFrame: Uint8Array) => void): SccpLower {
  return { send: (bytes) => write(frame('SCCP', bytes)) };
}
