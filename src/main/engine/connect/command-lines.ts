/** The exact commands hints tell the user to run. Pure (no keychain import), so every module can use it. */

/** Shell quoting for a word in a command shown to the user. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command that stores a password in the OS keychain. */
export function secretsSetCommand(host: string, user: string): string {
  return `npx mailferry secrets set ${shellWord(host)} ${shellWord(user)}`;
}
