import { DEAD_LETTER_REASON_HEADER } from '@orders/contracts';

/** The parts of a message taken from the dead-letter queue that operations read. */
export interface QueuedMessage {
  content: Buffer;
  fields: { deliveryTag: number };
  properties: {
    headers?: Record<string, unknown> | undefined;
    messageId?: unknown;
    contentType?: unknown;
    type?: unknown;
    timestamp?: unknown;
  };
}

export interface DeadLetter {
  /** The message_id (= event_id), or the body's event_id when a producer left it out; null for junk. */
  eventId: string | null;
  reason: string;
  deadLetteredAt: string | null;
  /** The body parsed as JSON, or the raw text when it is not JSON. */
  payload: unknown;
  headers: Record<string, unknown>;
}

/** Which dead letters an operator means. */
export type DeadLetterSelector = { eventIds: string[] } | { reason: string } | { all: true };

function bodyEventId(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || !('event_id' in payload)) return null;
  return typeof payload.event_id === 'string' ? payload.event_id : null;
}

function parsePayload(content: Buffer): unknown {
  const text = content.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Header values as a person can read them (the broker sends some as bytes). */
function readableHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(headers, (_key, value: unknown) =>
      typeof value === 'object' && value !== null && 'type' in value && value.type === 'Buffer' && 'data' in value && Array.isArray(value.data)
        ? Buffer.from(value.data as number[]).toString('utf8')
        : value,
    ),
  ) as Record<string, unknown>;
}

export function describeDeadLetter(message: QueuedMessage): DeadLetter {
  const headers = message.properties.headers ?? {};
  // Without our header the broker dead-lettered it itself (delivery limit); x-death says why.
  const death = headers['x-death'] as Array<{ reason?: unknown }> | undefined;
  const brokerReason = death?.[0]?.reason;
  const ownReason = headers[DEAD_LETTER_REASON_HEADER];
  const payload = parsePayload(message.content);
  const messageId = message.properties.messageId;
  const deadLetteredAt = headers['x-dead-lettered-at'];
  return {
    eventId: typeof messageId === 'string' && messageId !== '' ? messageId : bodyEventId(payload),
    reason: typeof ownReason === 'string' ? ownReason : typeof brokerReason === 'string' ? `broker: ${brokerReason}` : 'unknown',
    deadLetteredAt: typeof deadLetteredAt === 'string' ? deadLetteredAt : null,
    payload,
    // The broker's count of this very delivery says nothing about the letter.
    headers: readableHeaders(headersForRequeue(headers)),
  };
}

export function isSelected(selector: DeadLetterSelector, letter: DeadLetter): boolean {
  if ('all' in selector) return true;
  if ('reason' in selector) return letter.reason === selector.reason;
  return letter.eventId !== null && selector.eventIds.includes(letter.eventId);
}

/**
 * The headers a replayed copy carries: the dead-lettering ones are removed so
 * the message goes back as it was before it failed.
 */
export function headersForReplay(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) =>
        !name.startsWith('x-dead-letter') &&
        !name.startsWith('x-original-') &&
        !name.startsWith('x-first-death') &&
        !name.startsWith('x-last-death') &&
        name !== 'x-death' &&
        name !== 'x-delivery-count',
    ),
  );
}

/** The headers a copy put back on the dead-letter queue carries: all but the broker's delivery count. */
export function headersForRequeue(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'x-delivery-count'));
}
