// The server's password rule (proctor-api auth/password.rs), checked before the round trip.
export const PASSWORD_MIN_CHARS = 10

export function isStrongPassword(p: string): boolean {
  const chars = [...p].length
  return chars >= PASSWORD_MIN_CHARS && p.length <= 256 && /\p{L}/u.test(p) && /\d/.test(p)
}
