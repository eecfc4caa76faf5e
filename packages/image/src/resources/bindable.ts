import { Backoff, describeError, Resource } from './resource';

/**
 * Shared by listeners (TCP server, UDP socket): binding that does not give up.
 * A port in use or an address not yet configured is logged once, clearly, and
 * retried with bounded backoff while the rest of the image serves. This is
 * what keeps systemd from a crash loop when an old instance still holds a port.
 */
export abstract class Bindable extends Resource {
  protected readonly backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
  private retryTimer: NodeJS.Timeout | undefined;
  lastError: string | undefined;
  nextAttemptAt: number | undefined;

  protected abstract bindOnce(): Promise<void>;
  protected abstract unbind(): Promise<void>;
  protected abstract where(): string;

  async activate(): Promise<void> {
    this.state = 'opening';
    try {
      await this.bindOnce();
      if (this.state !== 'opening') return void (await this.unbind()); // closed meanwhile
      if (this.backoff.attempts > 0)
        this.host.log.info({ resource: this.qualifiedName, address: this.where() }, 'bound after retrying');
      this.state = 'open';
      this.lastError = undefined;
      this.nextAttemptAt = undefined;
      this.backoff.reset();
    } catch (err) {
      if (this.state !== 'opening') return;
      const first = this.backoff.attempts === 0;
      const delay = this.backoff.next();
      this.lastError = describeError(err);
      this.nextAttemptAt = Date.now() + delay;
      this.state = 'retrying';
      const fields = { resource: this.qualifiedName, address: this.where(), error: this.lastError, retryInMs: delay };
      if (first) this.host.log.error(fields, `cannot bind ${this.kind} ${this.qualifiedName} on ${this.where()}: ${this.lastError}; retrying`);
      else this.host.log.warn(fields, 'bind failed again; retrying');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (this.state === 'retrying') void this.activate();
      }, delay);
    }
  }

  protected async deactivate(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.nextAttemptAt = undefined;
    this.backoff.reset();
    await this.unbind();
  }

  protected retryStatus(): Record<string, unknown> {
    return this.state === 'retrying'
      ? { lastError: this.lastError, nextAttemptAt: this.nextAttemptAt && new Date(this.nextAttemptAt).toISOString() }
      : {};
  }
}
