import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import pino from 'pino';

export interface LogConfig {
  /** pino level name; SNAPTEL_LOG_LEVEL overrides it at run time. */
  level?: string;
  /** Absolute path of the log file; stdout (the journal under systemd) when absent. */
  file?: string;
}

type Dest = ReturnType<typeof pino.destination>;

/**
 * Owns the root pino logger and its destination. Neither may cross a snapshot
 * as they are: pino's default `pid`/`hostname` bindings are read when pino is
 * loaded (the builder's), and the destination holds a file descriptor. The hub
 * closes both before the snapshot and rebuilds them after resume; loggers
 * handed to packages (`Log`) notice the new generation and rebind.
 */
export class LogHub {
  generation = 0;
  private root: pino.Logger | undefined;
  private dest: Dest | undefined;
  private toFile = false;

  /** Level set at run time (`snaptel remote log-level`); wins over env and recipe. */
  levelOverride: string | undefined;

  constructor(readonly config: LogConfig) {}

  /** The level in force (or that will be, once opened). */
  get level(): string {
    return this.root?.level ?? this.levelOverride ?? process.env.SNAPTEL_LOG_LEVEL ?? this.config.level ?? 'info';
  }

  /** Changes the level of every logger, including those packages already hold. */
  setLevel(level: string): void {
    if (!(level in pino.levels.values) && level !== 'silent') throw new Error(`'${level}' is not a log level (trace, debug, info, warn, error, fatal, silent)`);
    this.levelOverride = level;
    if (!this.root || !this.dest) return;
    this.root = pino(this.options(level), this.dest);
    this.generation++;
  }

  private options(level: string): pino.LoggerOptions {
    return {
      level,
      base: { pid: process.pid, hostname: os.hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    };
  }

  /** `build`: synchronous stdout, so deploy shows it. `run`: the configured destination. */
  /** The mode the destination was last opened in (undefined when closed). */
  openedFor: 'build' | 'run' | undefined;

  open(mode: 'build' | 'run'): void {
    this.close();
    this.openedFor = mode;
    const file = mode === 'run' ? this.config.file : undefined;
    if (file) fs.mkdirSync(path.dirname(file), { recursive: true });
    this.toFile = Boolean(file);
    this.dest = pino.destination({ dest: file ?? 1, sync: mode === 'build', mkdir: false, append: true });
    const level = (mode === 'run' && (this.levelOverride ?? process.env.SNAPTEL_LOG_LEVEL)) || this.config.level || 'info';
    this.root = pino(this.options(level), this.dest);
    this.generation++;
  }

  get logger(): pino.Logger {
    if (!this.root) this.open('build');
    return this.root!;
  }

  get file(): string | undefined {
    return this.toFile ? this.config.file : undefined;
  }

  /** Re-opens the log file (SIGHUP, after logrotate moved it). */
  reopen(): void {
    if (this.toFile) this.dest?.reopen();
  }

  /** Waits (bounded) until every line written so far has reached its destination, in order. */
  async drain(timeoutMs = 1000): Promise<void> {
    const dest = this.dest as (Dest & { fd: number; flush(cb?: (err?: Error) => void): void; once(ev: string, f: () => void): void }) | undefined;
    if (!dest) return;
    const bounded = (start: (done: () => void) => void) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        try {
          start(() => {
            clearTimeout(t);
            resolve();
          });
        } catch {
          clearTimeout(t);
          resolve();
        }
      });
    // A file destination opens asynchronously: lines written before are buffered until then.
    if (dest.fd < 0) await bounded((done) => dest.once('ready', done));
    await bounded((done) => dest.flush(() => done()));
  }

  flush(): void {
    try {
      this.dest?.flushSync();
    } catch {
      /* not ready or already closed: nothing buffered to lose */
    }
  }

  close(): void {
    const dest = this.dest;
    if (!dest) return;
    this.flush();
    if (this.toFile) dest.destroy();
    this.dest = undefined;
    this.root = undefined;
    this.openedFor = undefined;
    // Loggers handed out must not keep writing through the closed root (with the
    // builder's pid, after a resume): they rebind on their next line.
    this.generation++;
  }
}

type LogMethod = pino.LogFn;

/** The logger a package holds. Stable across resume; delegates to the live root. */
export class Log {
  private current: pino.Logger | undefined;
  private gen = -1;

  constructor(
    private readonly hub: LogHub,
    readonly bindings: Readonly<Record<string, unknown>>,
  ) {}

  private get live(): pino.Logger {
    if (this.gen !== this.hub.generation || !this.current) {
      this.current = this.hub.logger.child(this.bindings);
      this.gen = this.hub.generation;
    }
    return this.current;
  }

  get level(): string {
    return this.live.level;
  }

  isLevelEnabled(level: string): boolean {
    return this.live.isLevelEnabled(level);
  }

  trace: LogMethod = (...a: unknown[]) => (this.live.trace as (...x: unknown[]) => void)(...a);
  debug: LogMethod = (...a: unknown[]) => (this.live.debug as (...x: unknown[]) => void)(...a);
  info: LogMethod = (...a: unknown[]) => (this.live.info as (...x: unknown[]) => void)(...a);
  warn: LogMethod = (...a: unknown[]) => (this.live.warn as (...x: unknown[]) => void)(...a);
  error: LogMethod = (...a: unknown[]) => (this.live.error as (...x: unknown[]) => void)(...a);
  fatal: LogMethod = (...a: unknown[]) => (this.live.fatal as (...x: unknown[]) => void)(...a);

  child(bindings: Record<string, unknown>): Log {
    return new Log(this.hub, { ...this.bindings, ...bindings });
  }
}
