import type { ArgsSpec, ParsedArgs } from './args.ts';

/** Where a command writes; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Set when stdout is a terminal (live views redraw in place). */
  isTTY: boolean;
  /** The command's own terminal control sequences (a live view's clear and cursor), written to
   *  stdout as they are: `out` escapes control characters, since answers quote tree and source text. */
  control?(sequence: string): void;
}

/** `flags` (what each value flag holds) and `positionals` (how many) are checked by runCli before
 *  `run` is called: declare them and `run` reads values that are already valid. */
export interface CliCommand extends ArgsSpec {
  name: string;
  /** One line for `netstack-atlas help`. */
  usage: string;
  /** Flags that take a value; all other `--x` are booleans. */
  valueFlags: string[];
  /** Boolean flags this command accepts (besides --json and --help). */
  booleanFlags?: string[];
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}
