import { Command, CommanderError } from 'commander';
import { UsageError } from './args.js';

/**
 * A subcommand's parser (commander): options and arguments are checked there, and its errors become a
 * UsageError, so an unknown option or a missing file still ends with the usage line and exit code 2.
 */
export function subcommand(name: string): Command {
  return new Command(name)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, outputError: () => {} })
    .helpOption('-h, --help', 'show the options of this command');
}

/** Parses argv (after the command name); false when --help was asked (commander printed it). */
export function parseSubcommand(cmd: Command, argv: string[]): boolean {
  try {
    cmd.parse(argv, { from: 'user' });
    return true;
  } catch (err) {
    if (err instanceof CommanderError && err.code === 'commander.helpDisplayed') return false;
    if (err instanceof CommanderError) throw new UsageError(err.message.replace(/^error: /, ''));
    throw err;
  }
}

/** A whole number from a flag, else a usage error naming the flag. */
export function intFlag(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new UsageError(`${name} takes a whole number (got "${value}")`);
    return Number(value);
  };
}
