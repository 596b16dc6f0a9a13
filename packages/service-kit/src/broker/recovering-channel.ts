import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from '../observability/logger.js';
import { jitteredBackoff } from '../lifecycle/retry-delay.js';
import { sleep } from '../lifecycle/sleep.js';

export interface RecoveringChannelOptions<C extends Channel> {
  /** For logs: what the channel is for ("publish", "consume", "dead-letter"). */
  purpose: string;
  logger: Logger;
  /** Opens the channel on a connection: `(model) => model.createConfirmChannel()`, say. */
  open: (model: ChannelModel) => Promise<C>;
  /** Runs on every channel opened, before it is handed out: assert an exchange, set prefetch, start consuming. */
  prepare?: (channel: C) => Promise<void>;
}

/** A channel that is there again after every reconnect, and after a close of its own. */
export interface RecoveringChannel<C extends Channel> {
  /** Call from the connection's setup, after every (re)connect. */
  attach(model: ChannelModel): Promise<void>;
  /** The open channel, or undefined between a close and the next open. */
  current(): C | undefined;
  /** Whether this very channel is still the open one (a delivery's channel may have closed since). */
  isCurrent(channel: C): boolean;
  /** Resolves true when a channel is open, false after `timeoutMs` without one. */
  waitUntilOpen(timeoutMs: number): Promise<boolean>;
  /** Close for good: no reopening after this. */
  close(): Promise<void>;
}

/**
 * Channel recovery, written once. A channel can close on its own while its
 * connection lives on (a channel-level error: a publish to a missing exchange,
 * an ack of an unknown tag); then it is opened again on the same connection,
 * with backoff. When the whole connection goes, nothing is done here: the
 * connection's reconnect calls attach() on the new one.
 */
export function createRecoveringChannel<C extends Channel>(options: RecoveringChannelOptions<C>): RecoveringChannel<C> {
  const { logger, purpose } = options;
  let channel: C | undefined;
  const closing = new AbortController();
  const isClosed = () => closing.signal.aborted;
  let waiters: Array<(open: boolean) => void> = [];

  function hand(next: C): void {
    channel = next;
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake(true);
  }

  async function openOn(model: ChannelModel, connectionAlive: () => boolean): Promise<void> {
    const opened = await options.open(model);
    opened.on('error', (error: Error) => logger.warn({ err: error, channel: purpose }, 'RabbitMQ channel error'));
    opened.on('close', () => {
      if (channel !== opened) return;
      channel = undefined;
      if (!isClosed() && connectionAlive()) void reopen(model, connectionAlive);
    });
    try {
      await options.prepare?.(opened);
    } catch (error) {
      await opened.close().catch(() => undefined);
      throw error;
    }
    if (isClosed()) {
      await opened.close().catch(() => undefined);
      return;
    }
    hand(opened);
  }

  async function reopen(model: ChannelModel, connectionAlive: () => boolean): Promise<void> {
    for (let attempt = 1; !isClosed() && connectionAlive() && channel === undefined; attempt += 1) {
      await sleep(jitteredBackoff(attempt, 250, 5_000), closing.signal);
      if (isClosed() || !connectionAlive()) return;
      try {
        await openOn(model, connectionAlive);
        logger.info({ channel: purpose }, 'RabbitMQ channel reopened');
      } catch (error) {
        logger.warn({ err: error, channel: purpose, attempt }, 'cannot reopen the RabbitMQ channel; retrying');
      }
    }
  }

  return {
    async attach(model) {
      let alive = true;
      model.once('close', () => {
        alive = false;
      });
      const previous = channel;
      channel = undefined;
      // After a channel-only failure the previous channel may still be open on an older connection.
      if (previous !== undefined) previous.close().catch(() => undefined);
      await openOn(model, () => alive);
    },
    current: () => channel,
    isCurrent: (candidate) => candidate === channel,
    waitUntilOpen(timeoutMs) {
      if (channel !== undefined) return Promise.resolve(true);
      return waitForWake(timeoutMs, (wake) => waiters.push(wake), (wake) => (waiters = waiters.filter((waiter) => waiter !== wake)));
    },
    async close() {
      closing.abort();
      const open = channel;
      channel = undefined;
      for (const wake of waiters.splice(0)) wake(false);
      await open?.close().catch(() => undefined);
    },
  };
}

/** Resolves with what `wake` is called with, or false after `timeoutMs`. */
function waitForWake(timeoutMs: number, enlist: (wake: (open: boolean) => void) => void, withdraw: (wake: (open: boolean) => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      withdraw(wake);
      resolve(false);
    }, timeoutMs);
    const wake = (open: boolean) => {
      clearTimeout(timer);
      resolve(open);
    };
    enlist(wake);
  });
}
