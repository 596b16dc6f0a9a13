import { createHash, timingSafeEqual } from 'node:crypto';

const CONSOLE_USER = 'admin';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks an Authorization header against admin and the password. Both sides
 * are hashed first so the comparison takes the same time whatever was sent
 * (timingSafeEqual needs equal lengths, and a length check would leak one).
 */
export function createCredentialCheck(password: string): (authorization: string | undefined) => boolean {
  const expected = digest(`${CONSOLE_USER}:${password}`);
  return (authorization) => {
    const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    const offered = match?.[1] === undefined ? '' : Buffer.from(match[1], 'base64').toString('utf8');
    return timingSafeEqual(digest(offered), expected);
  };
}
