import * as fs from 'node:fs';
import * as net from 'node:net';
import { parseArgs } from 'node:util';
import { ServiceError } from './errors';

export const REMOTE_HELP = `usage: snaptel remote --control <socket> [--json] [--timeout <seconds>] <command>

commands:
  status                 packages, uptime, image, resources (bound addresses, timer deadlines)
  eval <code>            run JavaScript inside the image (the daemon needs --allow-eval);
                         packages are in scope by name; '-' reads the code from stdin
  snapshot [--out IMG]   live snapshot: a new image with the daemon's current state
                         (default: replace the image the daemon runs, atomically)
  log-level [LEVEL]      show or set the log level (trace debug info warn error fatal silent)
  stop                   stop the daemon (with a checkpoint when it was started with one)
  ping                   is it there?

The socket may also be given as SNAPTEL_CONTROL.`;

export interface Reply {
  id: unknown;
  ok: boolean;
  result?: any;
  error?: { code: string; message: string };
}

/** One request over the control socket; resolves with the daemon's reply. */
export function request(control: string, cmd: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(control);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ServiceError('timeout', `${control}: no answer to '${cmd}' within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(JSON.stringify({ id: 1, cmd, args }) + '\n'));
    sock.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.destroy();
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as Reply);
      } catch {
        reject(new ServiceError('bad-reply', `${control}: the daemon's reply is not JSON`));
      }
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        err.code === 'ENOENT'
          ? 'no such socket (is the daemon running, with --control at this path?)'
          : err.code === 'ECONNREFUSED'
            ? 'nobody listens there (the daemon is not running; the socket file is stale)'
            : err.code === 'EACCES'
              ? 'permission denied (the control socket belongs to the daemon\'s user)'
              : `${err.code ?? err.message}`;
      reject(new ServiceError('unreachable', `${control}: ${why}`));
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (!buf.includes('\n')) reject(new ServiceError('unreachable', `${control}: the daemon closed the connection without answering`));
    });
  });
}

function answers(control: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(control);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function ms(n: number): string {
  if (Math.abs(n) < 1000) return `${Math.round(n)} ms`;
  if (Math.abs(n) < 120_000) return `${(n / 1000).toFixed(1)} s`;
  if (Math.abs(n) < 7_200_000) return `${(n / 60_000).toFixed(1)} min`;
  return `${(n / 3_600_000).toFixed(1)} h`;
}

export function formatStatus(s: any): string {
  const lines: string[] = [];
  lines.push(`pid        ${s.pid} (${s.phase}, node ${s.node})`);
  lines.push(`image      ${s.image.path ?? '(none)'} (generation ${s.image.generation})`);
  lines.push(`packages   ${s.packages.map((p: any) => `${p.name}@${p.version}${p.durable ? ' (durable state)' : ''}`).join(', ')}`);
  lines.push(`uptime     ${ms(s.uptimeMs)} since resume${s.startedAt ? `; packages started ${s.startedAt}` : ''}`);
  lines.push(`log        ${s.log.file ?? 'stdout'}, level ${s.log.level}`);
  const c = s.checkpoint;
  lines.push(
    `checkpoint ${c.everyMs ? `every ${ms(c.everyMs)}` : 'not periodic'}${c.onStop ? ', on stop' : ''}; ${c.taken} taken` +
      (c.running ? ', one running' : '') +
      (c.last ? (c.last.error ? `; last FAILED: ${c.last.error}` : `; last ${c.last.takenAt} (${c.last.ms} ms, generation ${c.last.generation})`) : ''),
  );
  lines.push(`eval       ${s.evalAllowed ? 'allowed' : 'off'}`);
  lines.push(`resources (${s.resources.length})`);
  for (const r of s.resources) {
    let what: string;
    switch (r.kind) {
      case 'tcp-server':
        what = `${r.bound ? `listening ${r.bound}` : `NOT bound (${r.host}:${r.port})`}, ${r.connections} connections`;
        break;
      case 'udp':
        what = r.bound ? `bound ${r.bound}` : `NOT bound (${r.host}:${r.port})`;
        break;
      case 'tcp-client':
        what = r.connected ? `connected ${r.local} -> ${r.peer}` : `connecting to ${r.peer}${r.lastError ? ` (${r.lastError})` : ''}`;
        break;
      case 'timer':
        what = r.state === 'closed' ? 'done' : `${r.periodic ? `every ${ms(r.periodMs)}, next` : 'once, due'} ${r.deadline} (in ${ms(r.remainingMs)})`;
        break;
      default:
        what = JSON.stringify(r);
    }
    lines.push(`  ${String(r.kind).padEnd(11)} ${`${r.owner}.${r.name}`.padEnd(22)} ${String(r.state).padEnd(9)} ${what}`);
  }
  return lines.join('\n') + '\n';
}

/** `snaptel remote ...`: returns the exit code. */
export async function remoteCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      control: { type: 'string', short: 'c' },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
      out: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    out(REMOTE_HELP + '\n');
    return values.help ? 0 : 2;
  }
  const control = values.control ?? process.env.SNAPTEL_CONTROL;
  if (!control) throw new ServiceError('usage', 'remote needs --control <socket> (or SNAPTEL_CONTROL)');
  const [cmd, ...rest] = positionals;
  const timeoutS = values.timeout !== undefined ? Number(values.timeout) : undefined;
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new ServiceError('usage', `--timeout wants seconds, got '${values.timeout}'`);
  let args: Record<string, unknown> = {};
  let waitMs = (timeoutS ?? 30) * 1000;
  switch (cmd) {
    case 'status':
    case 'stop':
    case 'ping':
      if (rest.length) throw new ServiceError('usage', `${cmd} takes no arguments`);
      break;
    case 'eval': {
      let code = rest.join(' ');
      if (code === '-' ) code = fs.readFileSync(0, 'utf8');
      if (!code.trim()) throw new ServiceError('usage', 'eval needs code (or - to read it from stdin)');
      args = { code, timeoutMs: (timeoutS ?? 5) * 1000 };
      waitMs = (timeoutS ?? 5) * 1000 + 10_000;
      break;
    }
    case 'snapshot':
      if (rest.length) throw new ServiceError('usage', 'snapshot takes only --out <image>');
      if (values.out) args = { out: values.out };
      waitMs = (timeoutS ?? 600) * 1000;
      break;
    case 'log-level':
      if (rest.length > 1) throw new ServiceError('usage', 'log-level takes one level');
      if (rest[0]) args = { level: rest[0] };
      break;
    default:
      throw new ServiceError('usage', `unknown remote command '${cmd}'\n${REMOTE_HELP}`);
  }
  if (values.out && cmd !== 'snapshot') throw new ServiceError('usage', '--out goes with snapshot');
  const reply = await request(control, cmd!, args, waitMs);
  if (values.json) {
    out(JSON.stringify(reply.ok ? reply.result : { error: reply.error }, null, 2) + '\n');
    return reply.ok ? 0 : 1;
  }
  if (!reply.ok) {
    process.stderr.write(`snaptel: ${cmd}: ${reply.error?.message ?? 'failed'}${reply.error?.code ? ` [${reply.error.code}]` : ''}\n`);
    return 1;
  }
  const r = reply.result;
  switch (cmd) {
    case 'status':
      out(formatStatus(r));
      break;
    case 'eval':
      for (const l of r.output as string[]) out(l + '\n');
      out(r.text + '\n');
      break;
    case 'snapshot':
      out(
        `snapshot written: ${r.file} (${(r.bytes / 1e6).toFixed(1)} MB, generation ${r.generation}) in ${r.ms} ms; ` +
          `state ${r.stateBytes} bytes exported in ${r.exportMs} ms; longest event loop delay ${r.maxLoopDelayMs} ms\n`,
      );
      break;
    case 'log-level':
      out(r.previous === r.level ? `${r.level}\n` : `${r.previous} -> ${r.level}\n`);
      break;
    case 'stop': {
      // Wait until it is gone: nobody answers on the socket any more.
      const until = Date.now() + (timeoutS ?? 120) * 1000;
      while (Date.now() < until && (await answers(control))) await new Promise((r) => setTimeout(r, 50));
      out(`stopped pid ${r.pid}${r.checkpoint ? ' (after a checkpoint)' : ''}\n`);
      break;
    }
    case 'ping':
      out(`pong from pid ${r.pid}\n`);
      break;
  }
  return 0;
}
