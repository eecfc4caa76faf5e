import { FsmError } from './errors';
import { formatDuration, TimerTable } from './timers';

/**
 * Finite state machines as tables, in the manner of libosmocore's osmo_fsm:
 * each state lists the events it accepts and the states it may change to;
 * a state change may start a named timer from a TimerTable (osmo_tdef);
 * instances form a parent/child tree and terminate children first; every
 * step is one log line (`MM(IMSI-001){LU_WAIT_AUTH}: Received Event AUTH_RESP`).
 */

// ---- what the machine runs on ----

export interface TimerHandle {
  cancel(): void;
  readonly deadline: number;
}

export interface TimerHost {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once at the wall-clock `deadline` (at once, soon, when it has passed). */
  at(name: string, deadline: number, fn: () => void): TimerHandle;
}

export interface FsmLog {
  info(fields: Record<string, unknown>, msg: string): void;
  debug?(fields: Record<string, unknown>, msg: string): void;
  warn?(fields: Record<string, unknown>, msg: string): void;
  /** Used for refused events and transitions when present (else warn, else info). */
  error?(fields: Record<string, unknown>, msg: string): void;
}

// ---- definition ----

export interface StateDef<S extends string, E extends string> {
  /** Events permitted in this state. */
  in?: readonly E[];
  /** States it may change to (a state changing to itself lists itself). */
  out?: readonly S[];
  onEnter?(fi: FsmInstance<S, E>, prev: S): void;
  onLeave?(fi: FsmInstance<S, E>, next: S): void;
  action?(fi: FsmInstance<S, E>, event: E, data: unknown): void;
  /** Called when the state's timer expires. Return true to keep the instance; default: terminate with cause 'timeout'. */
  onTimeout?(fi: FsmInstance<S, E>, timer: string): boolean | void;
  /**
   * The timer this state runs (osmo_tdef_state_timeout): stateChg() into this
   * state without timer options starts it from the TimerTable. Shown by describe().
   */
  timer?: string;
  /**
   * Entering this state keeps a running timer (osmo keep_timer); when none
   * runs, `timer` (if any) is started. Applies when stateChg() gets no timer options.
   */
  keepTimer?: boolean;
  /** Free text, shown by describe(). */
  desc?: string;
}

export interface FsmDef<S extends string, E extends string> {
  /** 'MM', 'CC' */
  name: string;
  states: Record<S, StateDef<S, E>>;
  initial: S;
  /** Every event name (for checks and logs). */
  events: readonly E[];
  /** Events accepted in every state; they go to allStateAction, never to a state's action. */
  allStateEvents?: readonly E[];
  allStateAction?(fi: FsmInstance<S, E>, event: E, data: unknown): void;
  onTerminate?(fi: FsmInstance<S, E>, cause: TermCause): void;
  /** Called when a child terminates and no parentTermEvent was given. */
  onChildTerminated?(fi: FsmInstance<S, E>, child: FsmInstance<any, any>, cause: TermCause): void;
  /** Machine-wide timeout handler (osmo timer_cb), for states without their own onTimeout. Same contract. */
  onTimeout?(fi: FsmInstance<S, E>, timer: string): boolean | void;
  /** Free text, shown by describe(). */
  desc?: string;
}

export type TermCause = 'normal' | 'parent' | 'error' | 'timeout' | 'regular' | string;

export interface StateChgOptions {
  /** Start this timer with its value from the TimerTable (osmo_fsm_inst_state_chg with T). */
  timer?: string;
  /** Start a timer of this many ms instead (named `timer`, or 'T0'); 0 means no timer. */
  timerMs?: number;
  /** Keep a running timer (its name and deadline); start `timer`/`timerMs` only when none runs. */
  keepTimer?: boolean;
}

export interface CreateOptions {
  /** 'IMSI-001010000000001'; '' for none (the name is then the machine's name). */
  id: string;
  host: TimerHost;
  timers: TimerTable;
  log?: FsmLog;
  parent?: FsmInstance<any, any>;
  /** Event dispatched to the parent, with `{ child, cause }`, when this instance terminates. */
  parentTermEvent?: string;
  data?: unknown;
}

/** What the parent receives with its parentTermEvent. */
export interface ChildTermData {
  child: FsmInstance<any, any>;
  cause: TermCause;
}

export interface FsmInstance<S extends string, E extends string> {
  readonly fsm: Fsm<S, E>;
  /** 'IMSI-001010000000001' */
  readonly id: string;
  /** 'MM(IMSI-001010000000001)' */
  readonly name: string;
  readonly state: S;
  /** Owner's data. */
  data: unknown;
  readonly parent: FsmInstance<any, any> | undefined;
  readonly parentTermEvent: string | undefined;
  readonly children: ReadonlySet<FsmInstance<any, any>>;
  readonly terminated: boolean;
  /** Current state timer: name and wall-clock deadline, if any. */
  readonly timer: { name: string; deadline: number } | undefined;
  readonly timers: TimerTable;
  readonly host: TimerHost;
  readonly log: FsmLog | undefined;
  /** Not permitted in this state: logs an error line and throws FsmError('event-not-permitted'); after terminate: FsmError('terminated'). */
  dispatch(event: E, data?: unknown): void;
  /**
   * Change state; with `timer` starts that timer from the table (osmo_fsm_inst_state_chg with T); without it,
   * any running state timer is stopped (unless the target state declares `timer`/`keepTimer`).
   * Not in `out`: FsmError('transition-not-permitted').
   */
  stateChg(next: S, opts?: StateChgOptions): void;
  /** Terminates children first (cause 'parent'), then runs onTerminate, stops the timer, then tells the parent. Idempotent. */
  terminate(cause?: TermCause): void;
  /** Restore an instance in a state (after a live snapshot): sets state without onEnter, re-arms a timer at an absolute deadline. */
  restore(state: S, timer?: { name: string; deadline: number }): void;
  /** A new id (osmo_fsm_inst_update_id), e.g. once the IMSI is known. */
  updateId(id: string): void;
  /** Whether dispatch(event) would be taken now (an event of the state, or an all-state event), rather than refused. */
  permits(event: string): boolean;
}

// ---- identifiers ----

/** Characters libosmocore refuses in identifiers (osmo_identifier_valid), plus anything not printable 7-bit ASCII. */
const ILLEGAL_ID_CHARS = new Set('., {}[]()<>|~\\^`\'"?=;/+*&%$#!');

/** True when `s` is a valid osmo-style identifier: non-empty, printable 7-bit ASCII, none of `., {}[]()<>|~\^`'"?=;/+*&%$#!`. */
export function isValidId(s: unknown): s is string {
  if (typeof s !== 'string' || s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || ILLEGAL_ID_CHARS.has(s[i]!)) return false;
  }
  return true;
}

/** `s` with every character isValidId() refuses replaced by `replaceWith` (osmo_identifier_sanitize_buf). */
export function sanitizeId(s: string, replaceWith = '-'): string {
  if (!isValidId(replaceWith) || replaceWith.length !== 1) throw new FsmError('bad-id', `sanitizeId: ${JSON.stringify(replaceWith)} is not a valid replacement`);
  let out = '';
  for (let i = 0; i < s.length; i++) out += isValidId(s[i]) ? s[i] : replaceWith;
  return out;
}

// ---- the machine ----

interface Compiled {
  readonly name: string;
  readonly def: StateDef<any, any>;
  readonly in: ReadonlySet<string>;
  readonly out: ReadonlySet<string>;
  /** Timers seen started on entering this state (for describe). */
  readonly used: Set<string>;
}

const STATE_KEYS = new Set(['in', 'out', 'onEnter', 'onLeave', 'action', 'onTimeout', 'timer', 'keepTimer', 'desc']);
const FSM_KEYS = new Set([
  'name', 'states', 'initial', 'events', 'allStateEvents', 'allStateAction',
  'onTerminate', 'onChildTerminated', 'onTimeout', 'desc',
]);
const HOOKS = ['onEnter', 'onLeave', 'action', 'onTimeout'] as const;

export class Fsm<S extends string, E extends string> {
  readonly def: FsmDef<S, E>;
  /** @internal per-state sets, keyed by state name */
  readonly compiled: Readonly<Record<string, Compiled>>;
  /** @internal */
  readonly eventSet: ReadonlySet<string>;
  /** @internal */
  readonly allState: ReadonlySet<string>;
  /** @internal live instances */
  readonly live = new Set<FsmInstance<S, E>>();

  /** Validates the table; FsmError('bad-definition') names the state or event at fault. */
  constructor(def: FsmDef<S, E>) {
    const fsmName = def && typeof def === 'object' && typeof def.name === 'string' ? def.name : '?';
    const bad = (why: string, where: { state?: string; event?: string } = {}): never => {
      throw new FsmError('bad-definition', `FSM ${fsmName}: ${why}`, { fsm: fsmName, ...where });
    };
    if (!def || typeof def !== 'object') bad('definition is not an object');
    for (const k of Object.keys(def)) if (!FSM_KEYS.has(k)) bad(`unknown key '${k}' in the definition`);
    if (!isValidId(def.name)) bad(`name ${JSON.stringify(def.name)} is not a valid identifier`);
    if (!Array.isArray(def.events)) bad('events must be an array of event names');
    const events = new Set<string>();
    for (const e of def.events) {
      if (!isValidId(e)) bad(`event ${JSON.stringify(e)} is not a valid identifier`, { event: String(e) });
      if (events.has(e)) bad(`event ${e} is listed twice in events`, { event: e });
      events.add(e);
    }
    if (!def.states || typeof def.states !== 'object' || Array.isArray(def.states)) bad('states must be an object of state name: StateDef');
    const names = Object.keys(def.states);
    if (names.length === 0) bad('there are no states');
    for (const s of names) if (!isValidId(s)) bad(`state ${JSON.stringify(s)} is not a valid identifier`, { state: s });
    if (typeof def.initial !== 'string' || !names.includes(def.initial))
      bad(`initial state ${JSON.stringify(def.initial)} is not one of the states (${names.join(', ')})`, { state: String(def.initial) });

    const allState = new Set<string>();
    if (def.allStateEvents !== undefined) {
      if (!Array.isArray(def.allStateEvents)) bad('allStateEvents must be an array');
      for (const e of def.allStateEvents) {
        if (!events.has(e)) bad(`all-state event ${JSON.stringify(e)} is not listed in events`, { event: String(e) });
        allState.add(e);
      }
      if (allState.size > 0 && typeof def.allStateAction !== 'function') bad('allStateEvents are given but there is no allStateAction');
    }
    for (const k of ['allStateAction', 'onTerminate', 'onChildTerminated', 'onTimeout'] as const)
      if (def[k] !== undefined && typeof def[k] !== 'function') bad(`${k} must be a function`);

    const compiled: Record<string, Compiled> = Object.create(null);
    for (const s of names) {
      const st = (def.states as Record<string, StateDef<S, E>>)[s];
      if (!st || typeof st !== 'object') bad(`state ${s}: definition is not an object`, { state: s });
      for (const k of Object.keys(st)) if (!STATE_KEYS.has(k)) bad(`state ${s}: unknown key '${k}'`, { state: s });
      for (const h of HOOKS) if (st[h] !== undefined && typeof st[h] !== 'function') bad(`state ${s}: ${h} must be a function`, { state: s });
      const ins = new Set<string>();
      if (st.in !== undefined) {
        if (!Array.isArray(st.in)) bad(`state ${s}: in must be an array of events`, { state: s });
        for (const e of st.in) {
          if (!events.has(e)) bad(`state ${s}: in-event ${JSON.stringify(e)} is not listed in events`, { state: s, event: String(e) });
          if (allState.has(e)) bad(`state ${s}: event ${e} is an all-state event too (it would never reach the state's action)`, { state: s, event: e });
          ins.add(e);
        }
      }
      if (ins.size > 0 && typeof st.action !== 'function') bad(`state ${s}: permits events (${[...ins].join(', ')}) but has no action`, { state: s });
      const outs = new Set<string>();
      if (st.out !== undefined) {
        if (!Array.isArray(st.out)) bad(`state ${s}: out must be an array of states`, { state: s });
        for (const o of st.out) {
          if (!names.includes(o)) bad(`state ${s}: out-state ${JSON.stringify(o)} is not one of the states`, { state: s });
          outs.add(o);
        }
      }
      if (st.timer !== undefined && (typeof st.timer !== 'string' || st.timer === '')) bad(`state ${s}: timer must be a timer name`, { state: s });
      if (st.keepTimer !== undefined && typeof st.keepTimer !== 'boolean') bad(`state ${s}: keepTimer must be a boolean`, { state: s });
      compiled[s] = { name: s, def: st, in: ins, out: outs, used: new Set() };
    }
    this.def = def;
    this.compiled = compiled;
    this.eventSet = events;
    this.allState = allState;
  }

  get name(): string {
    return this.def.name;
  }

  create(opts: CreateOptions): FsmInstance<S, E> {
    return new Instance<S, E>(this, opts);
  }

  /** Live (not terminated) instances, oldest first. */
  instances(): FsmInstance<S, E>[] {
    return [...this.live];
  }

  /** The first live instance with this id (osmo_fsm_inst_find_by_id). */
  find(id: string): FsmInstance<S, E> | undefined {
    for (const fi of this.live) if (fi.id === id) return fi;
    return undefined;
  }

  /** States reachable from the initial state through `out`. */
  reachable(): Set<S> {
    const seen = new Set<string>([this.def.initial]);
    const todo: string[] = [this.def.initial];
    while (todo.length) for (const o of this.compiled[todo.pop()!]!.out) if (!seen.has(o)) (seen.add(o), todo.push(o));
    return seen as Set<S>;
  }

  /**
   * A human-readable table: each state with its in-events, out-states and the
   * timers it runs (declared with `timer`, and any seen started on entering
   * it so far unless `seen: false`), then the all-state events. With a
   * TimerTable, timers show their values.
   */
  describe(timers?: TimerTable, opts: { seen?: boolean } = {}): string {
    const d = this.def;
    const reach = this.reachable();
    const list = (xs: Iterable<string>) => [...xs].join(' ') || '-';
    const timerText = (t: string) => {
      if (!timers || !timers.has(t)) return t;
      const def = timers.def(t);
      return `${t} = ${formatDuration(timers.ms(t))} (${def.desc})`;
    };
    const lines = [`FSM ${d.name}: ${Object.keys(this.compiled).length} states, ${this.eventSet.size} events, initial ${d.initial}${d.desc ? ` — ${d.desc}` : ''}`];
    for (const c of Object.values(this.compiled)) {
      const tags = [c.name === d.initial ? 'initial' : '', reach.has(c.name as S) ? '' : 'unreachable', c.out.size === 0 ? 'final' : '']
        .filter(Boolean)
        .join(', ');
      lines.push(`  ${c.name}${tags ? `  (${tags})` : ''}${c.def.desc ? `  ${c.def.desc}` : ''}`);
      lines.push(`    in:     ${list(c.in)}`);
      lines.push(`    out:    ${list(c.out)}`);
      const ts = new Set<string>();
      if (c.def.timer) ts.add(c.def.timer);
      if (opts.seen !== false) for (const t of c.used) ts.add(t);
      const keep = c.def.keepTimer ? 'keeps the running timer' : '';
      if (ts.size || keep) lines.push(`    timer:  ${[...[...ts].map(timerText), keep].filter(Boolean).join('; ')}`);
    }
    if (this.allState.size) lines.push(`  (all states)`, `    in:     ${list(this.allState)}`);
    return lines.join('\n') + '\n';
  }
}

// ---- instances ----

function remaining(ms: number): string {
  return (Math.floor(Math.max(ms, 0)) / 1000).toFixed(3);
}

class Instance<S extends string, E extends string> implements FsmInstance<S, E> {
  readonly fsm: Fsm<S, E>;
  readonly timers: TimerTable;
  readonly host: TimerHost;
  readonly log: FsmLog | undefined;
  readonly parent: FsmInstance<any, any> | undefined;
  readonly parentTermEvent: string | undefined;
  data: unknown;
  private _id: string;
  private _name: string;
  private _state: S;
  private _terminated = false;
  private readonly _children = new Set<FsmInstance<any, any>>();
  private tHandle: TimerHandle | undefined = undefined;
  private tName: string | undefined = undefined;
  private tDeadline = 0;
  /** Bumped whenever the timer is stopped or re-armed, so a stale callback does nothing. */
  private tToken = 0;

  constructor(fsm: Fsm<S, E>, opts: CreateOptions) {
    const where = { fsm: fsm.def.name };
    if (!opts || typeof opts !== 'object') throw new FsmError('bad-definition', `${fsm.def.name}: create() needs options`, where);
    if (!opts.host || typeof opts.host.now !== 'function' || typeof opts.host.at !== 'function')
      throw new FsmError('bad-definition', `${fsm.def.name}: create() needs a host with now() and at()`, where);
    if (!(opts.timers instanceof TimerTable)) throw new FsmError('bad-definition', `${fsm.def.name}: create() needs a TimerTable`, where);
    if (opts.id !== '' && !isValidId(opts.id))
      throw new FsmError('bad-id', `${fsm.def.name}: id ${JSON.stringify(opts.id)} is not a valid identifier (printable ASCII without ., {}[]()<>|~\\^\`'"?=;/+*&%$#! or spaces; see sanitizeId)`, where);
    const parent = opts.parent;
    if (parent) {
      if (parent.terminated) throw new FsmError('terminated', `${parent.name}: terminated, cannot take a new child ${fsm.def.name}(${opts.id})`, { fsm: parent.fsm.def.name, instance: parent.name });
      if (opts.parentTermEvent !== undefined && !parent.fsm.eventSet.has(opts.parentTermEvent))
        throw new FsmError('unknown-event', `${parent.name}: parentTermEvent ${opts.parentTermEvent} is not an event of ${parent.fsm.def.name}`, { fsm: parent.fsm.def.name, instance: parent.name, event: opts.parentTermEvent });
    } else if (opts.parentTermEvent !== undefined) {
      throw new FsmError('bad-definition', `${fsm.def.name}(${opts.id}): parentTermEvent ${opts.parentTermEvent} given without a parent`, where);
    }
    this.fsm = fsm;
    this.host = opts.host;
    this.timers = opts.timers;
    this.log = opts.log;
    this.data = opts.data;
    this._id = opts.id;
    this._name = opts.id === '' ? fsm.def.name : `${fsm.def.name}(${opts.id})`;
    this._state = fsm.def.initial;
    this.parent = parent;
    this.parentTermEvent = parent ? opts.parentTermEvent : undefined;
    fsm.live.add(this);
    if (this.log) this.say('Allocated');
    if (parent) {
      (parent as Instance<any, any>)._children.add(this);
      if (this.log) this.say(`is child of ${parent.name}`, { parent: parent.name });
    }
  }

  get id(): string {
    return this._id;
  }
  get name(): string {
    return this._name;
  }
  get state(): S {
    return this._state;
  }
  get terminated(): boolean {
    return this._terminated;
  }
  get children(): ReadonlySet<FsmInstance<any, any>> {
    return this._children;
  }
  get timer(): { name: string; deadline: number } | undefined {
    return this.tHandle ? { name: this.tName!, deadline: this.tDeadline } : undefined;
  }

  toString(): string {
    return `${this._name}{${this._state}}`;
  }

  /** One log line, osmo style, with the machine-readable fields. */
  private say(msg: string, extra?: Record<string, unknown>, level: 'info' | 'error' = 'info'): void {
    const log = this.log;
    if (!log) return;
    const fields: Record<string, unknown> = { fsm: this.fsm.def.name, id: this._id, state: this._state, ...extra };
    const line = `${this._name}{${this._state}}: ${msg}`;
    if (level === 'error') {
      if (log.error) log.error(fields, line);
      else if (log.warn) log.warn(fields, line);
      else log.info(fields, line);
    } else log.info(fields, line);
  }

  private err(code: 'terminated' | 'unknown-event' | 'unknown-state' | 'event-not-permitted' | 'transition-not-permitted' | 'bad-timer-value', msg: string, extra: { event?: string; timer?: string } = {}): FsmError {
    return new FsmError(code, `${this._name}{${this._state}}: ${msg}`, { fsm: this.fsm.def.name, instance: this._name, state: this._state, ...extra });
  }

  permits(event: string): boolean {
    return !this._terminated && (this.fsm.allState.has(event) || this.fsm.compiled[this._state]!.in.has(event));
  }

  dispatch(event: E, data?: unknown): void {
    if (this._terminated) {
      if (this.log) this.say(`already terminated, not dispatching event ${event}`, { event }, 'error');
      throw this.err('terminated', `terminated, cannot dispatch event ${event}`, { event });
    }
    const fsm = this.fsm;
    if (!fsm.eventSet.has(event)) {
      if (this.log) this.say(`Event ${String(event)} not permitted (not an event of ${fsm.def.name})`, { event }, 'error');
      throw this.err('unknown-event', `${String(event)} is not an event of ${fsm.def.name} (events: ${[...fsm.eventSet].join(', ')})`, { event: String(event) });
    }
    if (this.log) this.say(`Received Event ${event}`, { event });
    if (fsm.allState.has(event)) {
      fsm.def.allStateAction!(this, event, data);
      return;
    }
    const c = fsm.compiled[this._state]!;
    if (!c.in.has(event)) {
      if (this.log) this.say(`Event ${event} not permitted`, { event }, 'error');
      throw this.err('event-not-permitted', `event ${event} not permitted in state ${this._state} (permitted: ${[...c.in, ...fsm.allState].join(', ') || 'none'})`, { event });
    }
    c.def.action!(this, event, data);
  }

  stateChg(next: S, opts?: StateChgOptions): void {
    if (this._terminated) {
      if (this.log) this.say(`already terminated, not changing state to ${next}`, { next }, 'error');
      throw this.err('terminated', `terminated, cannot change state to ${next}`);
    }
    const fsm = this.fsm;
    const prev = this._state;
    const c = fsm.compiled[prev]!;
    const nc = fsm.compiled[next];
    if (!nc) throw this.err('unknown-state', `${String(next)} is not a state of ${fsm.def.name}`);
    if (!c.out.has(next)) {
      if (this.log) this.say(`transition to state ${next} not permitted!`, { next }, 'error');
      throw this.err('transition-not-permitted', `transition to state ${next} not permitted (out-states: ${[...c.out].join(', ') || 'none'})`);
    }
    // Work out the timer before anything changes, so that a bad name throws with the instance untouched.
    let timer: string | undefined;
    let timerMs: number | undefined;
    let keep: boolean;
    if (opts && (opts.timer !== undefined || opts.timerMs !== undefined || opts.keepTimer !== undefined)) {
      timer = opts.timer;
      timerMs = opts.timerMs;
      keep = opts.keepTimer === true;
    } else {
      timer = nc.def.timer;
      keep = nc.def.keepTimer === true;
    }
    let ms = 0;
    if (timerMs !== undefined) {
      if (typeof timerMs !== 'number' || !Number.isFinite(timerMs) || timerMs < 0)
        throw this.err('bad-timer-value', `timerMs must be a finite number >= 0 (got ${String(timerMs)})`, { timer });
      if (timer !== undefined && (typeof timer !== 'string' || timer === '')) throw this.err('bad-timer-value', `timer name must be a non-empty string`);
      ms = timerMs;
      timer ??= 'T0';
    } else if (timer !== undefined) {
      ms = this.timers.ms(timer);
    }
    const keepRunning = keep && this.tHandle !== undefined;
    if (!keepRunning) this.stopTimer();
    c.def.onLeave?.(this, next);
    if (this._terminated) return;
    if (this.log) {
      if (keepRunning) {
        this.say(`State change to ${next} (keeping ${this.tName}, ${remaining(this.tDeadline - this.host.now())}s remaining)`, { next, timer: this.tName });
      } else if (ms > 0) {
        this.say(`State change to ${next} (${timer}, ${formatDuration(ms)})`, { next, timer, ms });
      } else this.say(`State change to ${next} (no timeout)`, { next });
    }
    this._state = next;
    if (!keepRunning && ms > 0) {
      this.arm(timer!, this.host.now() + ms);
      nc.used.add(timer!);
    }
    nc.def.onEnter?.(this, prev);
  }

  terminate(cause: TermCause = 'regular'): void {
    if (this._terminated) return;
    this._terminated = true;
    if (this.log) this.say(`Terminating (cause = ${cause})`, { cause });
    let failure: { error: unknown } | undefined;
    const guard = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        failure ??= { error };
      }
    };
    // Children first, oldest first, each starting from the front again
    // (a child's termination may take others with it).
    while (this._children.size > 0) {
      const child = this._children.values().next().value as FsmInstance<any, any>;
      guard(() => child.terminate('parent'));
      this._children.delete(child);
    }
    const parent = this.parent as Instance<any, any> | undefined;
    if (parent) {
      if (this.log) this.say(`Removing from parent ${parent.name}`, { parent: parent.name });
      parent._children.delete(this);
    }
    const onTerminate = this.fsm.def.onTerminate;
    if (onTerminate) guard(() => onTerminate(this, cause));
    this.stopTimer();
    if (this.log) this.say('Freeing instance', { cause });
    this.fsm.live.delete(this);
    // A parent that is itself terminating is not told (osmo: no parent_term_event for cause PARENT).
    if (parent && !parent._terminated) {
      if (this.parentTermEvent !== undefined) {
        const data: ChildTermData = { child: this, cause };
        guard(() => parent.dispatch(this.parentTermEvent!, data));
      } else {
        const cb = parent.fsm.def.onChildTerminated;
        if (cb) guard(() => cb(parent, this, cause));
      }
    }
    if (failure) throw failure.error;
  }

  restore(state: S, timer?: { name: string; deadline: number }): void {
    if (this._terminated) throw this.err('terminated', `terminated, cannot restore state ${state}`);
    if (!this.fsm.compiled[state]) throw this.err('unknown-state', `${String(state)} is not a state of ${this.fsm.def.name}`);
    if (timer !== undefined) {
      if (!timer || typeof timer.name !== 'string' || timer.name === '' || typeof timer.deadline !== 'number' || !Number.isFinite(timer.deadline))
        throw this.err('bad-timer-value', `restore: timer must be { name, deadline } with a finite wall-clock deadline`);
    }
    this.stopTimer();
    if (this.log) {
      let trailer = '(no timeout)';
      if (timer) {
        const left = timer.deadline - this.host.now();
        trailer = left >= 0 ? `(${timer.name}, ${remaining(left)}s remaining)` : `(${timer.name}, overdue by ${remaining(-left)}s)`;
      }
      this.say(`Restored to ${state} ${trailer}`, { next: state, timer: timer?.name, deadline: timer?.deadline });
    }
    this._state = state;
    if (timer) this.arm(timer.name, timer.deadline);
  }

  updateId(id: string): void {
    if (id !== '' && !isValidId(id))
      throw new FsmError('bad-id', `${this._name}: id ${JSON.stringify(id)} is not a valid identifier (see sanitizeId)`, { fsm: this.fsm.def.name, instance: this._name });
    if (this.log) this.say(`Updated id to ${id === '' ? '(none)' : id}`, { newId: id });
    this._id = id;
    this._name = id === '' ? this.fsm.def.name : `${this.fsm.def.name}(${id})`;
  }

  private arm(name: string, deadline: number): void {
    const token = ++this.tToken;
    this.tName = name;
    this.tDeadline = deadline;
    this.tHandle = this.host.at(`${this._name}.${name}`, deadline, () => this.expire(token));
  }

  private stopTimer(): void {
    const h = this.tHandle;
    if (!h) return;
    this.tHandle = undefined;
    this.tName = undefined;
    this.tToken++;
    h.cancel();
  }

  private expire(token: number): void {
    if (token !== this.tToken || this._terminated || !this.tHandle) return;
    const name = this.tName!;
    this.tHandle = undefined;
    this.tName = undefined;
    this.tToken++;
    if (this.log) this.say(`Timeout of ${name}`, { timer: name });
    const cb = this.fsm.compiled[this._state]!.def.onTimeout ?? this.fsm.def.onTimeout;
    const keep = cb ? cb(this, name) === true : false;
    if (!keep) this.terminate('timeout');
  }
}
