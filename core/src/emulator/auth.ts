// Bearer-token authentication against a static token table (like --token-auth-file), with
// `system:authenticated` added to every authenticated user as the real authenticator chain does.
import type { UserInfo } from './types.js';

/** A token-table entry. `audiences` binds the token; without it the token is audience-agnostic. */
export interface TokenUser extends UserInfo {
  audiences?: string[];
}

export const AUTHENTICATED_GROUP = 'system:authenticated';

export interface TokenResult {
  user?: UserInfo;
  audiences?: string[];
  error?: string;
}

function withAuthenticatedGroup(u: TokenUser): UserInfo {
  const groups = [...(u.groups ?? [])];
  if (!groups.includes(AUTHENTICATED_GROUP)) groups.push(AUTHENTICATED_GROUP);
  const out: UserInfo = { username: u.username, groups };
  if (u.uid !== undefined) out.uid = u.uid;
  if (u.extra !== undefined) out.extra = u.extra;
  return out;
}

export class Authenticator {
  private readonly tokens = new Map<string, TokenUser>();

  /** @param apiAudiences the audiences the server itself accepts (--api-audiences). */
  constructor(readonly apiAudiences: readonly string[]) {}

  addToken(token: string, user: TokenUser): void {
    if (token === '') throw new Error('token must not be empty');
    this.tokens.set(token, { ...user, groups: [...(user.groups ?? [])] });
  }

  removeToken(token: string): boolean {
    return this.tokens.delete(token);
  }

  /** The user behind an Authorization header, or undefined (→ 401). */
  authenticateHeader(header: string | undefined): UserInfo | undefined {
    if (!header) return undefined;
    const parts = header.split(' ');
    if (parts.length < 2 || parts[0]?.toLowerCase() !== 'bearer') return undefined;
    const token = parts[1] ?? '';
    if (token === '') return undefined;
    return this.authenticateToken(token, []).user;
  }

  /**
   * TokenReview semantics: audience-agnostic tokens are valid for the server's own audiences;
   * requested audiences must intersect the token's.
   */
  authenticateToken(token: string, requestedAudiences: readonly string[]): TokenResult {
    const entry = this.tokens.get(token);
    if (!entry) return { error: 'invalid bearer token' };
    const tokenAudiences = entry.audiences ?? [...this.apiAudiences];
    if (requestedAudiences.length === 0) return { user: withAuthenticatedGroup(entry), audiences: tokenAudiences };
    const matched = requestedAudiences.filter((a) => tokenAudiences.includes(a));
    if (matched.length === 0) {
      return { error: `token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${JSON.stringify(requestedAudiences)}` };
    }
    return { user: withAuthenticatedGroup(entry), audiences: matched };
  }
}
