/**
 * `snaptel pcap decode FILE ...`: a capture's signalling messages, one line
 * each the way tshark prints them (or one JSON object per line with --json).
 * Problems go to stderr; so do a progress bar (on a terminal, for files
 * above 1 MB) and a final tally. `replay` is in cli-replay.ts.
 */
import * as fs from 'node:fs';
import { decodeCapture } from './decode';
import { DEFAULT_IPA_PORTS, DEFAULT_MGCP_PORTS, DEFAULT_SMPP_PORTS, type DemuxOptions } from './demux';
import { FILTER_PROTOCOLS, parseFilter } from './filter';
import { Presenter, Stop } from './present';
import type { Message } from './types';

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  isTTY: boolean;
}

export const USAGE = `usage: snaptel pcap <command> ...

  snaptel pcap decode FILE [options]   the signalling messages of a pcap/pcapng capture, one line each
  snaptel pcap replay ...              replay a capture against a resumed image: see snaptel pcap replay --help

decode options:
  --json               one JSON object per message (frame, time, relative, src, dst, transport,
                       stream, layers, info, tree, hex, error)
  --check              decode every message in full, so that a message malformed deep inside (an IE
                       cut short) says so on its line; without it, lines name each message from its
                       headers and only the first message of each kind is decoded in full (the
                       framing and the carriers' headers are checked all the same). --json and
                       --filter decode every message in full anyway
  --filter EXPR        only matching messages: terms separated by ',' (any of them), '!' to exclude;
                       a term is PROTO or PROTO.Message, e.g. bssmap.Reset, dtap.'Location Updating Request',
                       gsup,!gsup.UpdateLocationRequest. PROTO: ${Object.keys(FILTER_PROTOCOLS).join(', ')}
  --ipa-port N         TCP port carrying IPA, besides ${DEFAULT_IPA_PORTS.join(', ')} (repeatable)
  --smpp-port N        TCP port carrying SMPP, besides ${DEFAULT_SMPP_PORTS.join(', ')} (repeatable)
  --mgcp-port N        UDP port carrying MGCP, besides ${DEFAULT_MGCP_PORTS.join(', ')} (repeatable)
  --no-heuristics      recognise protocols by port only
  --no-progress        no progress bar on stderr

exit code: 0 when the capture was read (problems inside it are reported, not fatal),
1 when the file could not be read at all, 2 for a usage error.
`;

class UsageError extends Error {}

interface DecodeArgs {
  file: string;
  json: boolean;
  check: boolean;
  filter?: string;
  progress: boolean;
  demux: DemuxOptions;
}

function port(v: string | undefined, flag: string): number {
  const n = Number(v);
  if (v === undefined || !/^\d+$/.test(v) || n < 1 || n > 65535) throw new UsageError(`${flag} wants a port number 1..65535, not '${v ?? ''}'`);
  return n;
}

function parseDecodeArgs(argv: string[]): DecodeArgs {
  const ipa = [...DEFAULT_IPA_PORTS];
  const smpp = [...DEFAULT_SMPP_PORTS];
  const mgcp = [...DEFAULT_MGCP_PORTS];
  let file: string | undefined;
  let json = false;
  let check = false;
  let filter: string | undefined;
  let progress = true;
  let heuristics = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 ? a.slice(eq + 1) : argv[++i]);
    switch (flag) {
      case '--json':
        json = true;
        break;
      case '--check':
        check = true;
        break;
      case '--filter': {
        const v = value();
        if (v === undefined) throw new UsageError('--filter wants an expression');
        filter = filter === undefined ? v : `${filter},${v}`;
        break;
      }
      case '--ipa-port':
        ipa.push(port(value(), flag));
        break;
      case '--smpp-port':
        smpp.push(port(value(), flag));
        break;
      case '--mgcp-port':
        mgcp.push(port(value(), flag));
        break;
      case '--no-heuristics':
        heuristics = false;
        break;
      case '--no-progress':
        progress = false;
        break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        if (file !== undefined) throw new UsageError(`one capture file only (got '${file}' and '${a}')`);
        file = a;
    }
  }
  if (file === undefined) throw new UsageError('decode wants a capture file');
  return { file, json, check, progress, demux: { ipaPorts: ipa, smppPorts: smpp, mgcpPorts: mgcp, heuristics }, ...(filter !== undefined ? { filter } : {}) };
}

/** `snaptel pcap <argv>`; resolves to the exit code. */
export async function pcapCommand(argv: string[], io: CliIo): Promise<number> {
  const cmd = argv[0];
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    (cmd === undefined ? io.err : io.out).write(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  try {
    if (cmd === 'decode') {
      if (argv.includes('--help') || argv.includes('-h')) {
        io.out.write(USAGE);
        return 0;
      }
      return decodeCommand(parseDecodeArgs(argv.slice(1)), io);
    }
    // Loaded only for replay: it brings the image tooling and SCTP, which decode does not need.
    if (cmd === 'replay') return (await import('./cli-replay.js')).replayCommand(argv.slice(1), io);
    throw new UsageError(`unknown command '${cmd}'`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err.write(`snaptel pcap: ${e.message}\n${USAGE}`);
      return 2;
    }
    if ((e as Error).name === 'FilterError') {
      io.err.write(`snaptel pcap: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

function decodeCommand(a: DecodeArgs, io: CliIo): number {
  const keep = a.filter !== undefined ? parseFilter(a.filter) : undefined;
  let size = 0;
  try {
    size = fs.statSync(a.file).size;
  } catch (e) {
    io.err.write(`snaptel pcap: cannot read ${a.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 1;
  }
  const bar = a.progress && io.isTTY && size > 1_000_000;
  const summaryOnly = !a.json && !a.check && keep === undefined;
  const p = new Presenter(io.out, (s) => io.err.write(s), { json: a.json, bar, size, filtered: keep !== undefined });
  let r: ReturnType<typeof decodeCapture> | undefined;
  try {
    r = decodeCapture(a.file, {
      onMessage: (m: Message) => {
        if (!keep || keep(m)) p.message(m);
      },
      onProblem: (x) => p.problem(x),
      onProgress: (done, total) => p.progress(done, total),
      onFirstFrame: (f) => {
        p.t0 ??= f;
      },
      demux: { ...a.demux, summaryOnly },
    });
  } catch (e) {
    if (e instanceof Stop) {
      p.clearBar();
      return 0;
    }
    const pe = e as Error & { code?: string; frame?: number };
    if (pe.name === 'PcapError' || pe.code === 'ENOENT' || pe.code === 'EACCES' || pe.code === 'EISDIR') {
      p.finish({ error: `snaptel pcap: ${a.file}: ${pe.message}\n` });
      return pe.name === 'PcapError' && (pe.frame ?? 0) > 0 ? 0 : 1;
    }
    p.flush();
    p.clearBar();
    throw e;
  }
  p.finish(r);
  return 0;
}
