import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeProcAddress, listFds, socketTable } from '../src/proc';
import { closeServer, listen, portOf, waitFor } from './helpers';

describe('decodeProcAddress', () => {
  // /proc/net/tcp prints each 32-bit word of the address in host byte order
  // (little-endian here) and the port in plain hex.
  it('decodes IPv4 loopback: 0100007F:1F90 is 127.0.0.1:8080', () => {
    expect(decodeProcAddress('0100007F:1F90')).toEqual({ address: '127.0.0.1', port: 8080 });
  });

  it('decodes other IPv4 addresses and ports', () => {
    expect(decodeProcAddress('00000000:0000')).toEqual({ address: '0.0.0.0', port: 0 });
    // 10.1.2.3 is the bytes 0a 01 02 03, printed reversed; port 0xFFFF.
    expect(decodeProcAddress('0302010A:FFFF')).toEqual({ address: '10.1.2.3', port: 65535 });
    // 192.168.1.254:2905 (M3UA): bytes c0 a8 01 fe, port 0x0B59.
    expect(decodeProcAddress('FE01A8C0:0B59')).toEqual({ address: '192.168.1.254', port: 2905 });
  });

  it('decodes the IPv6 loopback ::1', () => {
    // Bytes 00 * 15, 01: the last word 00 00 00 01 is printed as 01000000.
    expect(decodeProcAddress('00000000000000000000000001000000:0016')).toEqual({ address: '::1', port: 22 });
  });

  it('decodes the IPv6 any address ::', () => {
    expect(decodeProcAddress('00000000000000000000000000000000:1F90')).toEqual({ address: '::', port: 8080 });
  });

  it('shows an IPv4-mapped IPv6 address (::ffff:127.0.0.1) as IPv4', () => {
    // Words: 00000000 00000000 [00 00 ff ff] -> FFFF0000, [7f 00 00 01] -> 0100007F.
    expect(decodeProcAddress('0000000000000000FFFF00000100007F:0050')).toEqual({ address: '127.0.0.1', port: 80 });
  });

  it('decodes and compresses a global IPv6 address (2001:db8::1)', () => {
    // Bytes 20 01 0d b8 | 00*4 | 00*4 | 00 00 00 01
    expect(decodeProcAddress('B80D0120000000000000000001000000:01BB')).toEqual({ address: '2001:db8::1', port: 443 });
  });

  it('compresses the first longest run of zero groups only (2001:db8::1:0:0:1)', () => {
    // 2001:0db8:0000:0000:0001:0000:0000:0001
    // words: [20 01 0d b8] [00 00 00 00] [00 01 00 00] [00 00 00 01]
    expect(decodeProcAddress('B80D0120000000000000010001000000:0001')).toEqual({ address: '2001:db8::1:0:0:1', port: 1 });
  });

  it('does not compress a single zero group (fe80:0:1:2:3:4:5:6)', () => {
    // bytes fe 80 00 00 | 00 01 00 02 | 00 03 00 04 | 00 05 00 06
    expect(decodeProcAddress('000080FE020001000400030006000500:0002')).toEqual({ address: 'fe80:0:1:2:3:4:5:6', port: 2 });
  });
});

describe('listFds / socketTable', () => {
  let server: net.Server | undefined;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.length = 0;
    await closeServer(server);
    server = undefined;
  });

  it('finds a TCP listener this process opened on 127.0.0.1', async () => {
    server = await listen(0);
    const port = portOf(server);
    const mine = listFds(process.pid).filter((f) => f.socket?.local.port === port && f.socket.local.address === '127.0.0.1');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.target).toMatch(/^socket:\[\d+\]$/);
    expect(mine[0]!.socket).toEqual({
      proto: 'tcp',
      local: { address: '127.0.0.1', port },
      remote: { address: '0.0.0.0', port: 0 },
      state: 'LISTEN',
    });
  });

  it('finds a connected client socket (ESTABLISHED, right remote port) and the accepted one', async () => {
    const accepted: net.Socket[] = [];
    server = await listen(0, (s) => {
      accepted.push(s);
      sockets.push(s);
    });
    const port = portOf(server);
    const client = net.connect({ host: '127.0.0.1', port });
    sockets.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    await waitFor('the server to accept', () => accepted.length === 1);
    const fds = listFds(process.pid);

    const out = fds.filter((f) => f.socket?.remote.port === port);
    expect(out).toHaveLength(1);
    expect(out[0]!.socket).toEqual({
      proto: 'tcp',
      local: { address: '127.0.0.1', port: client.localPort },
      remote: { address: '127.0.0.1', port },
      state: 'ESTABLISHED',
    });
    const inbound = fds.filter((f) => f.socket?.local.port === port && f.socket.state === 'ESTABLISHED');
    expect(inbound).toHaveLength(1);
    expect(inbound[0]!.socket!.remote).toEqual({ address: '127.0.0.1', port: client.localPort });
  });

  it('finds an IPv6 listener on ::1 when the host has IPv6 loopback', async () => {
    // Every test host we run on has ::1; fail loudly rather than skip if not.
    server = await new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen({ host: '::1', port: 0 }, () => resolve(s));
    });
    const port = portOf(server);
    const mine = listFds(process.pid).filter((f) => f.socket?.local.port === port);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.socket).toMatchObject({ proto: 'tcp6', local: { address: '::1', port }, state: 'LISTEN' });
  });

  it('lists descriptors in order, with regular files as paths', () => {
    const file = path.join(os.tmpdir(), `snaptel-proc-${process.pid}-${Date.now()}`);
    fs.writeFileSync(file, 'x');
    const fd = fs.openSync(file, 'r');
    try {
      const fds = listFds(process.pid);
      expect(fds.map((f) => f.fd)).toEqual([...fds.map((f) => f.fd)].sort((a, b) => a - b));
      expect(fds.find((f) => f.fd === fd)).toEqual({ fd, target: file });
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    }
    expect(listFds(process.pid).find((f) => f.fd === fd && f.target === file)).toBeUndefined();
  });

  it('socketTable of a process that does not exist is empty', () => {
    // PIDs above the kernel's pid_max (at most 2^22) never exist.
    expect(socketTable(2 ** 22 + 12345).size).toBe(0);
  });
});
