/**
 * Link layers: where the IP header starts in a frame of a given LINKTYPE_*.
 * Only IP matters here; anything else (ARP, LLDP, 802.3 frames, unknown link
 * types) is not our traffic and is ignored silently.
 */

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
/** DLT_RAW values of some BSDs, which tshark also reads as raw IP. */
export const LINKTYPE_RAW12 = 12;
export const LINKTYPE_RAW14 = 14;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;

/** Link types this package dissects. */
export const LINKTYPES: readonly number[] = [LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_RAW12, LINKTYPE_RAW14, LINKTYPE_LOOP, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2];

/** Returned by ipOffset when the frame is not IP (or an unknown link type). */
export const NOT_IP = -1;
/** Returned by ipOffset when the frame ends inside the link header. */
export const LINK_TRUNCATED = -2;

function etherIp(t: number): boolean {
  return t === 0x0800 || t === 0x86dd;
}

/** BSD address families of IPv4 and IPv6 (NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30), as tshark knows them (not Linux's 10). */
function afIp(af: number): boolean {
  return af === 2 || af === 24 || af === 28 || af === 30;
}

/**
 * Offset of the IP header in `d`, NOT_IP, or LINK_TRUNCATED. The IP version
 * is read from the first nibble by the caller.
 */
export function ipOffset(linktype: number, d: Uint8Array): number {
  const n = d.length;
  switch (linktype) {
    case LINKTYPE_ETHERNET: {
      if (n < 14) return LINK_TRUNCATED;
      let o = 12;
      let t = (d[o]! << 8) | d[o + 1]!;
      // 802.1Q / 802.1ad / QinQ tags
      while (t === 0x8100 || t === 0x88a8 || t === 0x9100) {
        o += 4;
        if (o + 2 > n) return LINK_TRUNCATED;
        t = (d[o]! << 8) | d[o + 1]!;
      }
      return etherIp(t) ? o + 2 : NOT_IP;
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW12:
    case LINKTYPE_RAW14:
      return n === 0 ? LINK_TRUNCATED : 0;
    case LINKTYPE_LINUX_SLL:
      if (n < 16) return LINK_TRUNCATED;
      return etherIp((d[14]! << 8) | d[15]!) ? 16 : NOT_IP;
    case LINKTYPE_LINUX_SLL2:
      if (n < 20) return LINK_TRUNCATED;
      return etherIp((d[0]! << 8) | d[1]!) ? 20 : NOT_IP;
    case LINKTYPE_NULL: {
      if (n < 4) return LINK_TRUNCATED;
      // Host byte order of the capturing machine: the family is small, so the non-zero end tells.
      let af = d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24);
      if (af >>> 16 !== 0) af = (d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!;
      return afIp(af >>> 0) ? 4 : NOT_IP;
    }
    case LINKTYPE_LOOP: {
      if (n < 4) return LINK_TRUNCATED;
      const af = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
      return afIp(af) ? 4 : NOT_IP;
    }
    default:
      return NOT_IP;
  }
}
