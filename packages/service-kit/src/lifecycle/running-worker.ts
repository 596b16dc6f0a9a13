/** A background worker (the outbox relay, the order.created consumer) as its entry point and the tests hold it. */
export interface RunningWorker {
  /** Ready only while it can do its job: connected to a broker node that answers, and its database reachable. */
  isReady(): Promise<boolean>;
  /** Stop taking work, finish what is in flight, then let go of channel, connection and pool. */
  stop(): Promise<void>;
}
