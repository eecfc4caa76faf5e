import { isIP } from 'node:net';
import { describeTimers, resolveTimers, TIMERS, type TimerName } from './timers';
import { formatReport, runScenario, type ScenarioOptions } from './scenario';

const USAGE = `usage: bsc-sim [options]

Plays a BSC with N mobile stations against an MSC on the A interface
(IPA/SCCPlite over TCP, or AoIP: M3UA over SCTP with --m3ua), runs the
phases asked for, and prints counts, rates and latency percentiles. Every phase is bounded by its count and by
--duration. Loopback MSC addresses only.

  --msc HOST:PORT        the MSC (default 127.0.0.1:5000; with --m3ua, port 2905)
  --m3ua                 AoIP: SCCP over M3UA (the BSC is an ASP) over SCTP
  --sctp raw|udp|stub    SCTP carrier for --m3ua: raw IP (default; needs root),
                         UDP encapsulation (RFC 6951), or the in-process stub
  --routing-context N    M3UA routing context of the BSC's AS (default 1)
  --subscribers N        mobile stations (default 1)
  --imsi-base IMSI       IMSI of the first; the others count up (default 001010000000001)
  --ki-base HEX          Ki of the first (32 hex digits); the others count up (default 000102..0f)
  --opc HEX              OPc for milenage (the same for all)
  --algo ALGO            comp128v1 (default), xor, milenage, none
  --msisdn-base N        MSISDN of the first; the others count up (default 1000)
  --lac N                location area code of the cell (default 1)
  --lu                   location update every subscriber
  --calls M              M calls between pairs (1st calls 2nd, 3rd calls 4th, ...)
  --hold MS              a call stays connected this long (default 0)
  --sms N                N MO short messages between pairs (after the calls),
                         each followed until the callee received it
  --sms-text TEXT        their text (default "bsc-sim sms <i>"; > 160 GSM
                         characters: concatenated)
  --answer-delay MS      the callee answers after this long (default 0)
  --detach               IMSI detach every subscriber
  --concurrency C        operations in flight per phase (default 10)
  --duration S           bound of the whole run in seconds (default 60)
  --grace S              time left to operations in flight at the deadline (default 10)
  --timer NAME=MS        override a timer (repeatable; --timers lists them)
  --unit-name NAME       IPA unit name (default bsc-sim-0)
  --msc-pc N, --bsc-pc N point codes (default 185, 187)
  --trace                print every message (to stderr)
  --json                 print the report as JSON
  --timers               list the timers and exit
  --help                 this text

Exit code: 0 when nothing failed (network rejections are not failures),
1 when an operation failed, 2 for bad usage or no link to the MSC.`;

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

export interface ParsedArgs {
  opts: ScenarioOptions;
  json: boolean;
  trace: boolean;
  help?: 'usage' | 'timers';
}

/** Parses the command line; throws RangeError with a message for the user. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const opts: ScenarioOptions = { subscribers: 1 };
  const bsc: NonNullable<ScenarioOptions['bsc']> = {};
  const timers: Partial<Record<TimerName, number>> = {};
  let json = false;
  let trace = false;
  const args = [...argv];
  const value = (flag: string): string => {
    const v = args.shift();
    if (v === undefined || v.startsWith('--')) throw new RangeError(`${flag} needs a value`);
    return v;
  };
  const int = (flag: string, min = 0): number => {
    const s = value(flag);
    const v = Number(s);
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${flag}: ${s} is not an integer >= ${min}`);
    return v;
  };
  const num = (flag: string): number => {
    const s = value(flag);
    const v = Number(s);
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${flag}: ${s} is not a number >= 0`);
    return v;
  };
  while (args.length) {
    const a = args.shift()!;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0 && a !== '--timer') {
      // --flag=value
      args.unshift(a.slice(eq + 1));
      args.unshift(a.slice(0, eq));
      continue;
    }
    switch (a) {
      case '--help':
      case '-h':
        return { opts, json, trace, help: 'usage' };
      case '--timers':
        return { opts, json, trace, help: 'timers' };
      case '--msc': {
        const v = value(a);
        const i = v.lastIndexOf(':');
        const host = (i > 0 ? v.slice(0, i) : v).replace(/^\[|\]$/g, '');
        if (!isLoopback(host)) throw new RangeError(`--msc: ${host} is not a loopback address (this tool drives a local MSC only)`);
        opts.msc = v;
        break;
      }
      case '--subscribers':
        opts.subscribers = int(a, 1);
        break;
      case '--imsi-base':
        opts.imsiBase = value(a);
        break;
      case '--ki-base':
        opts.kiBase = value(a);
        break;
      case '--opc':
        opts.opc = value(a);
        break;
      case '--algo': {
        const v = value(a);
        if (!['comp128v1', 'xor', 'milenage', 'none'].includes(v)) throw new RangeError(`--algo: ${v} is not comp128v1, xor, milenage or none`);
        opts.algo = v as ScenarioOptions['algo'];
        break;
      }
      case '--msisdn-base':
        opts.msisdnBase = value(a);
        break;
      case '--lac':
        bsc.lac = int(a, 1);
        break;
      case '--lu':
        opts.lu = true;
        break;
      case '--calls':
        opts.calls = int(a);
        break;
      case '--sms':
        opts.sms = int(a);
        break;
      case '--sms-text':
        opts.smsText = value(a);
        break;
      case '--hold':
        opts.holdMs = int(a);
        break;
      case '--answer-delay':
        opts.answerDelayMs = int(a);
        break;
      case '--detach':
        opts.detach = true;
        break;
      case '--concurrency':
        opts.concurrency = int(a, 1);
        break;
      case '--duration':
        opts.durationMs = num(a) * 1000;
        break;
      case '--grace':
        opts.graceMs = num(a) * 1000;
        break;
      case '--timer': {
        const v = value(a);
        const m = /^([A-Z0-9_]+)=(\d+)$/.exec(v);
        if (!m || !(m[1]! in TIMERS)) throw new RangeError(`--timer: ${v} is not NAME=MS with a known NAME (see --timers)`);
        timers[m[1] as TimerName] = Number(m[2]);
        break;
      }
      case '--m3ua':
        bsc.transport = 'm3ua';
        break;
      case '--sctp': {
        const v = value(a);
        if (!['raw', 'udp', 'stub'].includes(v)) throw new RangeError(`--sctp: ${v} is not raw, udp or stub`);
        bsc.m3ua = { ...bsc.m3ua, backend: v === 'stub' ? { backend: 'stub' } : { backend: 'sctp', transport: v as 'raw' | 'udp' } };
        break;
      }
      case '--routing-context':
        bsc.m3ua = { ...bsc.m3ua, routingContext: int(a) };
        break;
      case '--unit-name':
        bsc.unitName = value(a);
        break;
      case '--msc-pc':
        bsc.mscPc = int(a);
        break;
      case '--bsc-pc':
        bsc.bscPc = int(a);
        break;
      case '--trace':
        trace = true;
        break;
      case '--json':
        json = true;
        break;
      default:
        throw new RangeError(`unknown argument ${a} (--help)`);
    }
  }
  if (!opts.lu && !opts.calls && !opts.sms && !opts.detach) throw new RangeError('nothing to do: give --lu, --calls M, --sms N and/or --detach');
  resolveTimers(timers);
  if (Object.keys(timers).length) bsc.timers = timers;
  opts.bsc = bsc;
  return { opts, json, trace };
}

/** The CLI: returns the exit code (0 ok, 1 failures, 2 usage or link). */
export async function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    err(`bsc-sim: ${(e as Error).message}\n`);
    return 2;
  }
  if (parsed.help === 'usage') {
    out(`${USAGE}\n`);
    return 0;
  }
  if (parsed.help === 'timers') {
    out(`${describeTimers()}\n`);
    return 0;
  }
  if (parsed.trace) parsed.opts.bsc = { ...parsed.opts.bsc, trace: (l) => err(`${l}\n`) };
  try {
    const r = await runScenario(parsed.opts);
    out(parsed.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatReport(r)}\n`);
    const failed = (r.lu?.failed ?? 0) + (r.calls?.failed ?? 0) + (r.sms?.failed ?? 0) + (r.detach?.failed ?? 0);
    return failed ? 1 : 0;
  } catch (e) {
    err(`bsc-sim: ${(e as Error).message}\n`);
    return 2;
  }
}
