import * as fs from 'node:fs';

/** One socket as /proc/net shows it. */
export interface SockInfo {
  /** raw: a raw IP socket; its local port is the IP protocol number (132 for SCTP). */
  proto: 'tcp' | 'tcp6' | 'udp' | 'udp6' | 'raw' | 'raw6';
  local: { address: string; port: number };
  remote: { address: string; port: number };
  /** LISTEN, ESTABLISHED, ... (for UDP: UNCONN or ESTABLISHED). */
  state: string;
}

export interface FdInfo {
  fd: number;
  /** readlink of /proc/PID/fd/N: a path, socket:[inode], pipe:[inode], anon_inode:[...]. */
  target: string;
  socket?: SockInfo;
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/** Decodes /proc/net's "0100007F:1F90" (IPv4, host byte order per 32-bit word) or the IPv6 form. */
export function decodeProcAddress(hex: string): { address: string; port: number } {
  const [a, p] = hex.split(':') as [string, string];
  const port = parseInt(p, 16);
  const words: Buffer[] = [];
  for (let i = 0; i < a.length; i += 8) words.push(Buffer.from(a.slice(i, i + 8), 'hex').reverse());
  const bytes = Buffer.concat(words);
  if (bytes.length === 4) return { address: [...bytes].join('.'), port };
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is shown as the IPv4 address.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return { address: [...bytes.subarray(12)].join('.'), port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return { address: compressV6(groups), port };
}

function compressV6(groups: string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Sockets of a process's network namespace, by inode. */
export function socketTable(pid: number): Map<number, SockInfo> {
  const table = new Map<number, SockInfo>();
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6'] as const) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${proto}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const inode = Number(f[9]);
      const st = f[3]!;
      const state = proto.startsWith('tcp') ? (TCP_STATES[st] ?? st) : st === '01' ? 'ESTABLISHED' : 'UNCONN';
      table.set(inode, { proto, local: decodeProcAddress(f[1]!), remote: decodeProcAddress(f[2]!), state });
    }
  }
  return table;
}

/** The file descriptors a process holds, with sockets resolved. Linux only. */
export function listFds(pid: number): FdInfo[] {
  const dir = `/proc/${pid}/fd`;
  const socks = socketTable(pid);
  const out: FdInfo[] = [];
  for (const name of fs.readdirSync(dir)) {
    let target: string;
    try {
      target = fs.readlinkSync(`${dir}/${name}`);
    } catch {
      continue; // closed meanwhile
    }
    const m = target.match(/^socket:\[(\d+)\]$/);
    const info: FdInfo = { fd: Number(name), target };
    if (m) {
      const s = socks.get(Number(m[1]));
      if (s) info.socket = s;
    }
    out.push(info);
  }
  return out.sort((a, b) => a.fd - b.fd);
}
