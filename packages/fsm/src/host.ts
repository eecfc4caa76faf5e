import type { TimerHandle, TimerHost } from './fsm';

/** setTimeout's largest delay; longer timers are re-armed in steps. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * A TimerHost on plain setTimeout and Date.now, for cold starts, tools and
 * benches. Inside an image use the runtime's timers instead (`ctx.timers.at`
 * with `now: () => Date.now()`): handles made here are not known to the
 * runtime, so they would not survive a snapshot and deploy refuses them.
 * A deadline in the past fires on the next turn of the event loop.
 */
export function setTimeoutHost(): TimerHost {
  return {
    now: () => Date.now(),
    at(_name: string, deadline: number, fn: () => void): TimerHandle {
      let handle: NodeJS.Timeout | undefined;
      let live = true;
      const arm = () => {
        const delay = deadline - Date.now();
        if (delay > MAX_DELAY) {
          handle = setTimeout(arm, MAX_DELAY);
          return;
        }
        handle = setTimeout(() => {
          handle = undefined;
          if (!live) return;
          // Fired early (the wall clock was set back): wait for the rest.
          if (deadline - Date.now() > 0) return arm();
          live = false;
          fn();
        }, Math.max(0, delay));
      };
      arm();
      return {
        deadline,
        cancel() {
          live = false;
          if (handle) clearTimeout(handle);
          handle = undefined;
        },
      };
    },
  };
}
