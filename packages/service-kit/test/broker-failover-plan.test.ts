import { describe, expect, it } from 'vitest';
import { describeNode, nextFailoverStep, topologyMismatch, withHeartbeat } from '../src/broker/index.js';
import { ConfigError, readRabbitUrls } from '../src/index.js';

const policy = { initialDelayMs: 200, maxDelayMs: 5_000 };

describe('the broker node list', () => {
  it('reads one node from RABBITMQ_URL, or several separated by commas', () => {
    expect(readRabbitUrls({ RABBITMQ_URL: 'amqp://u:p@one:5672' })).toEqual(['amqp://u:p@one:5672']);
    expect(readRabbitUrls({ RABBITMQ_URL: 'amqp://u:p@one:5672, amqp://u:p@two:5673 ,amqps://u:p@three' })).toEqual([
      'amqp://u:p@one:5672',
      'amqp://u:p@two:5673',
      'amqps://u:p@three',
    ]);
  });

  it('names the node that is malformed in a list, and refuses an empty entry', () => {
    expect(() => readRabbitUrls({ RABBITMQ_URL: 'amqp://one,http://two' })).toThrow(/RABBITMQ_URL \(node 2\) must use amqp: or amqps:/);
    expect(() => readRabbitUrls({ RABBITMQ_URL: 'amqp://one,,amqp://two' })).toThrow(ConfigError);
  });

  it('keeps the seed’s RABBITMQ_HOST/PORT/USER/PASSWORD as one node when RABBITMQ_URL is unset', () => {
    expect(readRabbitUrls({ RABBITMQ_HOST: 'rabbitmq', RABBITMQ_PORT: '5673', RABBITMQ_USER: 'u', RABBITMQ_PASSWORD: 'p' })).toEqual([
      'amqp://u:p@rabbitmq:5673',
    ]);
  });

  it('names a node by host and port, never by its credentials', () => {
    expect(describeNode('amqp://user:secret@rabbit-2:5673/vhost')).toBe('rabbit-2:5673');
    expect(describeNode('amqp://user:secret@rabbit-1')).toBe('rabbit-1:5672');
    expect(describeNode('amqps://rabbit-3')).toBe('rabbit-3:5671');
  });

  it('sets a short heartbeat unless the URL chose one', () => {
    expect(new URL(withHeartbeat('amqp://h:5672', 5)).searchParams.get('heartbeat')).toBe('5');
    expect(new URL(withHeartbeat('amqp://h:5672?heartbeat=30', 5)).searchParams.get('heartbeat')).toBe('30');
  });
});

describe('the failover plan', () => {
  it('moves to the next node in the list after the one lost, wrapping around', () => {
    expect(nextFailoverStep(3, 0, 0, policy).node).toBe(1);
    expect(nextFailoverStep(3, 1, 1, policy).node).toBe(2);
    expect(nextFailoverStep(3, 2, 2, policy).node).toBe(0);
  });

  it('stays on the one node when the list has one, as with a single URL', () => {
    expect(nextFailoverStep(1, 0, 0, policy).node).toBe(0);
    expect(nextFailoverStep(1, 0, 7, policy).node).toBe(0);
  });

  it('waits a jittered, growing delay, capped', () => {
    expect(nextFailoverStep(3, 0, 0, policy, () => 0).delayMs).toBe(100);
    expect(nextFailoverStep(3, 0, 0, policy, () => 1).delayMs).toBe(200);
    expect(nextFailoverStep(3, 0, 3, policy, () => 0.5).delayMs).toBe(1_200);
    expect(nextFailoverStep(3, 0, 30, policy, () => 1).delayMs).toBe(5_000);
    const draws = [0.1, 0.9].map((draw) => nextFailoverStep(3, 0, 2, policy, () => draw).delayMs);
    expect(draws[0]).not.toBe(draws[1]);
  });
});

describe('a declaration the broker refuses', () => {
  it('becomes one line naming the queue, the argument and where the migration is described', () => {
    const refused = Object.assign(
      new Error(
        `Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'customer_service.order.created' in vhost '/': received the value 'quorum' of type 'longstr' but current is none"`,
      ),
      { code: 406 },
    );
    const line = topologyMismatch(refused)?.message ?? '';
    expect(line).toMatch(/^queue customer_service\.order\.created already exists with a different x-queue-type/);
    expect(line).toMatch(/README/);
    expect(line).not.toMatch(/\n/);
  });

  it('leaves any other failure alone', () => {
    expect(topologyMismatch(Object.assign(new Error('NOT_FOUND - no exchange'), { code: 404 }))).toBeUndefined();
    expect(topologyMismatch(new Error('ECONNREFUSED'))).toBeUndefined();
  });
});
