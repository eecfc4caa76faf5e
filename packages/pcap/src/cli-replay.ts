import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { formatReplay, replay, ReplayError, ROLES, type ReplayKey, type Role } from './replay';

export const REPLAY_HELP = `usage: snaptel pcap replay FILE --image IMG [--as bsc,hlr,mgw,esme] [--map CAPTURED=LIVE]...
                           [--keys FILE] [--sctp raw|udp] [--reply-timeout MS] [--timer-slack MS] [--json]

Resumes IMG on a virtual clock, plays the peers' side of the capture FILE at it on
real sockets (as a BSC over IPA/SCCPlite or AoIP M3UA/SCTP, an HLR over GSUP, a media gateway over
MGCP, an ESME over SMPP), and compares every answer of the image with the
capture. The image's clock follows the capture's timestamps, so timers fire
where they fired in the capture. Exit status 0 when the image answered as
captured, 1 on any divergence, 2 on a usage error.

  --as ROLES          the roles to play (default: every role in the capture); the
                      image's traffic to other roles goes to the real peers
  --map A=B           the image listens (or its peer is expected) at B where the
                      capture has A, e.g. --map 127.0.0.1:5000=127.0.0.1:15000
  --keys FILE         subscribers' keys, JSON: [{"imsi","ki","algo"}] or an image
                      recipe or fixture description holding "subscribers": to answer
                      the image's own RANDs (the key is found by the captured SRES)
  --sctp raw|udp      how AoIP's SCTP association is carried (SCTP in user space):
                      raw IP (default; needs root) or UDP encapsulation (RFC 6951)
  --reply-timeout MS  real time to wait for each answer (default 3000)
  --timer-slack MS    virtual time a timer may be late before its message is
                      missing (default 500)
  --json              the report as JSON
`;

function keysFrom(file: string): ReplayKey[] {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  const list = Array.isArray(j) ? j : (j.subscribers ?? j.packages?.hlr?.subscribers ?? j.recipe?.packages?.hlr?.subscribers);
  if (!Array.isArray(list)) throw new ReplayError(`--keys ${file}: no subscriber list (a JSON array, or "subscribers")`);
  return list.filter((s: any) => typeof s.ki === 'string').map((s: any) => ({ imsi: s.imsi, ki: s.ki, algo: s.algo ?? 'comp128v1', opc: s.opc }));
}

export async function replayCommand(argv: string[], io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<number> {
  let values: Record<string, any>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        image: { type: 'string' },
        as: { type: 'string' },
        map: { type: 'string', multiple: true },
        keys: { type: 'string' },
        sctp: { type: 'string' },
        'reply-timeout': { type: 'string' },
        'timer-slack': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err.write(`snaptel pcap replay: ${(err as Error).message}\n${REPLAY_HELP}`);
    return 2;
  }
  if (values.help) {
    io.out.write(REPLAY_HELP);
    return 0;
  }
  if (positionals.length !== 1 || !values.image) {
    io.err.write(`snaptel pcap replay: needs one capture FILE and --image IMG\n${REPLAY_HELP}`);
    return 2;
  }
  const as = values.as ? (values.as as string).split(',').map((s) => s.trim()) : undefined;
  const bad = as?.find((r) => !ROLES.includes(r as Role));
  if (bad) {
    io.err.write(`snaptel pcap replay: --as ${bad}: not a role (${ROLES.join(', ')})\n`);
    return 2;
  }
  if (values.sctp !== undefined && values.sctp !== 'raw' && values.sctp !== 'udp') {
    io.err.write(`snaptel pcap replay: --sctp raw or udp, not '${values.sctp}'\n`);
    return 2;
  }
  const map: Record<string, string> = {};
  for (const m of (values.map as string[] | undefined) ?? []) {
    const [a, b] = m.split('=');
    if (!a || !b || !/:\d+$/.test(a) || !/:\d+$/.test(b)) {
      io.err.write(`snaptel pcap replay: --map wants CAPTURED=LIVE addresses (ip:port=ip:port), got '${m}'\n`);
      return 2;
    }
    map[a] = b;
  }
  const num = (k: string) => (values[k] === undefined ? undefined : Number(values[k]));
  try {
    const report = await replay({
      file: positionals[0]!,
      image: values.image,
      as: as as Role[] | undefined,
      map,
      keys: values.keys ? keysFrom(values.keys) : undefined,
      replyTimeoutMs: num('reply-timeout'),
      timerSlackMs: num('timer-slack'),
      sctp: values.sctp as 'raw' | 'udp' | undefined,
      onLine: values.json ? undefined : (l) => io.err.write(l + '\n'),
    });
    io.out.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReplay(report));
    return report.divergences.length ? 1 : 0;
  } catch (err) {
    if (err instanceof ReplayError || (err as Error).name === 'PcapError' || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err.write(`snaptel pcap replay: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}
