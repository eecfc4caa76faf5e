#!/usr/bin/env node
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { deploy, loadRecipe, resolvePackages } from './deploy';
import { ServiceError, SnaptelError } from './errors';
import { openImage, type Manifest } from './image-file';
import { coldStart } from './image-main';
import { formatReport, verify } from './verify';
import { decodeCommand, encodeCommand, protocols } from './codec-cli';
import { remoteCommand } from './remote';
import { parseDuration } from './daemon';

const HELP = `snaptel: deploy packages into resumable images, and run them

usage:
  snaptel deploy [<package>...] [--config images/<name>.json] --out images/<name>.img
        load the packages and what they require, start them, snapshot them into an image
  snaptel run <image> [--daemon] [--pidfile F] [--control SOCK] [--log FILE]
                      [--allow-eval] [--checkpoint-every 5m | --checkpoint-on-stop] [-- args...]
        resume an image (Ctrl-C or SIGTERM stops it cleanly); as a daemon with
        a pidfile, a control socket for 'snaptel remote', and live checkpoints
  snaptel remote --control SOCK [--json] status|eval CODE|snapshot [--out IMG]|log-level [L]|stop
        talk to a running daemon (snaptel remote --help)
  snaptel start <package> [--config images/<name>.json]
        run the same packages without an image (cold start, for development)
  snaptel info <image> [--json]
        what is inside an image; checks its checksum
  snaptel verify <image> [--json] [--timeout <seconds>]
        resume the image in a child process and check, from outside, that every
        socket is bound again, every timer re-armed, logs reopened, no stray fd
  snaptel systemd-unit <image> [--user U] [--checkpoint-every 5m] [--watchdog-sec 30] [--allow-eval]
        print a systemd unit (Type=notify, Restart=always, watchdog) that runs the image
  snaptel decode <proto> <hex> [--mt]
        decode bytes and print the message as JSON, following inner protocols
  snaptel encode <proto> <json>
        encode a message (JSON, as decode prints it) and print hex
  snaptel protocols
        the protocols decode and encode know
  snaptel pcap decode FILE [--json] [--filter EXPR]
        decode every signalling message in a pcap/pcapng capture, one line each like tshark
  snaptel pcap replay FILE --image IMG [--as bsc,hlr,mgw,esme]
        resume an image on the capture's clock, play the peers' side at it, report divergences

environment:
  SNAPTEL_NODE            node binary to resume images with (default: node on PATH)
  SNAPTEL_LOG_LEVEL       log level at run time (overrides the recipe)
  SNAPTEL_CLOCK_SHIFT_MS  resume as if this much later (testing timers)
`;

function fail(msg: string, code = 2): never {
  process.stderr.write(`snaptel: ${msg}\n`);
  process.exit(code);
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') return void process.stdout.write(HELP);
  if (cmd === '--version' || cmd === 'version') return void process.stdout.write(`snaptel ${require('../package.json').version}\n`);
  switch (cmd) {
    case 'deploy': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          config: { type: 'string', short: 'c' },
          out: { type: 'string', short: 'o' },
          quiet: { type: 'boolean', short: 'q' },
          'keep-build': { type: 'boolean' },
        },
      });
      const out = values.out ?? (values.config ? values.config.replace(/\.json$/, '') + '.img' : undefined);
      if (!out) fail('deploy needs --out <image file> (or --config, to put the image beside the recipe)');
      const r = await deploy({
        packageName: positionals,
        configPath: values.config,
        out,
        keepBuild: values['keep-build'],
        onOutput: values.quiet ? () => {} : undefined,
      });
      const m = r.manifest;
      process.stdout.write(
        `deployed ${path.relative(process.cwd(), r.out) || r.out} (${mb(r.bytes)}; ${m.packages.map((p) => `${p.name}@${p.version}`).join(', ')}; ` +
          `${m.resources.length} resources) in ${(r.ms / 1000).toFixed(1)} s\n`,
      );
      return;
    }
    case 'start': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { config: { type: 'string', short: 'c' } } });
      const recipe = loadRecipe(values.config);
      const roots = positionals.length ? positionals : recipe.roots;
      if (!roots) fail('start needs a package name (or "package" in the recipe)');
      const pkgs = resolvePackages(roots, process.cwd());
      await coldStart(
        pkgs.map((p) => p.def),
        recipe.recipe,
      );
      return;
    }
    case 'run': {
      // bin/snaptel resumes images itself (one process). This path serves `node cli.js run`.
      const [file, ...args] = rest;
      if (!file || file.startsWith('-')) fail('usage: snaptel run <image> [args...]');
      const img = openImage(file);
      const child = spawn(process.execPath, [...img.manifest.node.execArgv, '--snapshot-blob', file, '--', ...args], {
        stdio: 'inherit',
        env: { ...process.env, SNAPTEL_IMAGE: path.resolve(file) },
      });
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const) process.on(sig, () => child.kill(sig));
      child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
      return;
    }
    case 'info': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
      if (positionals.length !== 1) fail('usage: snaptel info <image> [--json]');
      const img = openImage(positionals[0]!, { node: null });
      const runnable = img.trailer.node === process.version;
      if (values.json) {
        process.stdout.write(JSON.stringify({ file: img.file, size: img.size, sha256: img.trailer.sha256, checksumOk: true, runnableHere: runnable, manifest: img.manifest }, null, 2) + '\n');
      } else process.stdout.write(describeImage(img.file, img.size, img.trailer.sha256, img.manifest, runnable));
      return;
    }
    case 'verify': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { json: { type: 'boolean' }, timeout: { type: 'string' } },
      });
      if (positionals.length !== 1) fail('usage: snaptel verify <image> [--json] [--timeout <seconds>]');
      const timeoutMs = values.timeout ? Number(values.timeout) * 1000 : undefined;
      if (timeoutMs !== undefined && !(timeoutMs > 0)) fail(`--timeout wants seconds, got '${values.timeout}'`);
      const report = await verify(positionals[0]!, { timeoutMs });
      process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
      process.exit(report.ok ? 0 : 1);
    }
    case 'decode':
    case 'encode': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { mt: { type: 'boolean' }, mo: { type: 'boolean' } },
      });
      if (positionals.length < 2) fail(`usage: snaptel ${cmd} <proto> <${cmd === 'decode' ? 'hex' : 'json'}> (protocols: snaptel protocols)`);
      const [proto, ...data] = positionals;
      const out =
        cmd === 'decode'
          ? JSON.stringify(decodeCommand(proto!, data.join(''), { direction: values.mt ? 'mt' : 'mo' }), null, 2)
          : encodeCommand(proto!, data.join(' '));
      process.stdout.write(out + '\n');
      return;
    }
    case 'protocols': {
      for (const p of protocols()) process.stdout.write(`${p.name.padEnd(7)} ${p.available ? '' : '(not installed) '}${p.about}\n`);
      return;
    }
    case 'pcap': {
      // The capture tools live in @snaptel/pcap (with every codec): loaded when asked for.
      let pcap: { pcapCommand(argv: string[], io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; isTTY: boolean }): Promise<number> };
      try {
        pcap = require('@snaptel/pcap/dist/cli');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') fail('snaptel pcap needs @snaptel/pcap, which is not installed (or not built: npx tsc -b)');
        throw err;
      }
      process.exitCode = await pcap.pcapCommand(rest, { out: process.stdout, err: process.stderr, isTTY: Boolean(process.stderr.isTTY) });
      return;
    }
    case 'remote': {
      process.exitCode = await remoteCommand(rest, (t) => process.stdout.write(t));
      return;
    }
    case 'unit':
    case 'systemd-unit': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          user: { type: 'string' },
          'checkpoint-every': { type: 'string' },
          'watchdog-sec': { type: 'string' },
          'allow-eval': { type: 'boolean' },
          name: { type: 'string' },
        },
      });
      if (positionals.length !== 1) fail('usage: snaptel systemd-unit <image> [--user U] [--checkpoint-every 5m] [--watchdog-sec 30] [--allow-eval] [--name N]');
      const file = path.resolve(positionals[0]!);
      const img = openImage(file, { node: null });
      const every = values['checkpoint-every'] ?? '5m';
      if (every !== 'off') parseDuration(every);
      const watchdog = Number(values['watchdog-sec'] ?? 30);
      if (!(watchdog >= 0) || !Number.isInteger(watchdog)) fail(`--watchdog-sec wants whole seconds, got '${values['watchdog-sec']}'`);
      process.stdout.write(systemdUnit({ file, manifest: img.manifest, user: values.user, checkpointEvery: every, watchdogSec: watchdog, allowEval: Boolean(values['allow-eval']), name: values.name }));
      return;
    }
    default:
      fail(`unknown command '${cmd}' (try: snaptel help)`);
  }
}

export interface UnitOptions {
  file: string;
  manifest: Manifest;
  user?: string;
  /** A duration, or 'off'. */
  checkpointEvery: string;
  watchdogSec: number;
  allowEval: boolean;
  name?: string;
}

/**
 * A unit for a lab box: started at boot, restarted after any crash from the
 * newest complete image (checkpoints replace it atomically), a watchdog fed
 * from the event loop, a control socket in /run, logs to the journal.
 */
export function systemdUnit(o: UnitOptions): string {
  const launcher = path.resolve(__dirname, '..', 'bin', 'snaptel');
  const name = o.name ?? `snaptel-${o.manifest.name}`;
  const control = `/run/${name}/control.sock`;
  const runArgs = [
    '--control',
    control,
    ...(o.checkpointEvery === 'off' ? [] : ['--checkpoint-every', o.checkpointEvery]),
    ...(o.allowEval ? ['--allow-eval'] : []),
  ];
  return [
    '[Unit]',
    `Description=snaptel image ${o.manifest.name} (${o.manifest.packages.map((p) => p.name).join(', ')})`,
    'After=network-online.target',
    'Wants=network-online.target',
    // Keep restarting: a lab box must come back by itself, however often it falls.
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=notify',
    // READY=1 and WATCHDOG=1 come from systemd-notify, a child of the service.
    'NotifyAccess=all',
    `ExecStart=${launcher} run ${o.file} ${runArgs.join(' ')}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    `Environment=SNAPTEL_NODE=${process.execPath}`,
    ...(o.user ? [`User=${o.user}`] : []),
    `RuntimeDirectory=${name}`,
    'RuntimeDirectoryMode=0700',
    'Restart=always',
    'RestartSec=1',
    ...(o.watchdogSec > 0 ? [`WatchdogSec=${o.watchdogSec}`] : []),
    // Stop takes a checkpoint (a live snapshot) first: give it time.
    `TimeoutStopSec=${o.checkpointEvery === 'off' ? 15 : 120}`,
    'KillMode=mixed',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function describeImage(file: string, size: number, sum: string, m: Manifest, runnable: boolean): string {
  const rows: Array<[string, string]> = [
    ['image', `${file} (${mb(size)}, sha256 ${sum.slice(0, 16)}…, checksum ok)`],
    ['name', m.name],
    ['created', `${m.createdAt} (packages started ${m.startedAt})`],
    ['node', `${m.node.version}, V8 ${m.node.v8}, ${m.node.platform}-${m.node.arch}${m.node.execArgv.length ? ', ' + m.node.execArgv.join(' ') : ''}${runnable ? '' : `  (NOT runnable with this Node ${process.version})`}`],
    ['packages', m.packages.map((p) => `${p.name}@${p.version}`).join(', ')],
    ['recipe', `${m.recipe.path ?? '(none)'} (sha256 ${m.recipe.sha256.slice(0, 16)}…)`],
    ['log', `${m.log.file ?? 'stdout'}, level ${m.log.level}`],
    [
      'lineage',
      m.generation
        ? `generation ${m.generation}: live snapshot taken ${m.state?.takenAt ?? '?'}` +
          (m.state ? ` with state of ${Object.entries(m.state.packages).map(([k, v]) => `${k} (${v} bytes)`).join(', ') || 'no package'}` : '')
        : `generation 0 (deployed)${m.bundle ? '' : '; carries no bundle, so it cannot be snapshotted live'}`,
    ],
  ];
  const w = 10;
  let s = rows.map(([k, v]) => `${k.padEnd(w)}${v}`).join('\n') + '\n';
  s += `resources (${m.resources.length})\n`;
  const nameW = Math.max(8, ...m.resources.map((r) => `${r.owner}.${r.name}`.length)) + 2;
  for (const r of m.resources) {
    let what: string;
    switch (r.kind) {
      case 'tcp-server':
        what = `listen ${r.host}:${r.port}`;
        break;
      case 'udp':
        what = `bound ${r.host}:${r.port} (${r.type})`;
        break;
      case 'tcp-client':
        what = `connect to ${r.peer}`;
        break;
      case 'timer':
        what = r.periodic ? `every ${r.periodMs} ms, next due ${r.deadline}` : `once, due ${r.deadline}`;
        break;
      case 'sctp-server':
      case 'sctp-client': {
        const carrier = r.backend === 'sctp' ? `SCTP over ${r.transport === 'udp' ? `UDP (RFC 6951)` : 'raw IP'}` : `${String(r.backend)} backend`;
        what = `${r.kind === 'sctp-server' ? 'listen' : 'associate with'} ${r.host}:${r.port} (${carrier})`;
        break;
      }
      default: {
        // A package's own kind: what it describes itself as, without the runtime's bookkeeping.
        const { id: _id, kind: _kind, name: _name, owner: _owner, state: _state, ...rest } = r;
        what = JSON.stringify(rest);
      }
    }
    s += `  ${r.kind.padEnd(11)} ${`${r.owner}.${r.name}`.padEnd(nameW)}${what}\n`;
  }
  s += `${'rebuild'.padEnd(w)}${m.deployCommand.join(' ')}\n`;
  return s;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof ServiceError) fail(err.message, err.code === 'usage' ? 2 : 1);
    if (err instanceof SnaptelError) fail(err.message);
    if ((err as Error)?.name === 'DecodeError' || (err as Error)?.name === 'EncodeError') fail((err as Error).message);
    if (String((err as NodeJS.ErrnoException)?.code).startsWith('ERR_PARSE_ARGS')) fail(`${(err as Error).message} (try: snaptel help)`);
    fail((err as Error)?.stack ?? String(err), 1);
  });
}
