// Entry of the `netstack-atlas` command: parse argv, find the command, run it.
import { commands } from './commands.ts';
import { parseArgs, validateArgs, UsageError } from './args.ts';
import { terminalSafe } from './terminalText.ts';
import type { CliIo } from './command.ts';

export async function runCli(argv: string[], rawIo: CliIo): Promise<number> {
  // Answers and messages quote tree text, metrics sources and network input: never let them drive
  // the terminal. A command's own control sequences go through `control`.
  const io: CliIo = { ...rawIo, out: (t) => rawIo.out(terminalSafe(t)), err: (t) => rawIo.err(terminalSafe(t)), control: rawIo.control ?? rawIo.out };
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out('usage: netstack-atlas <command> <args> [--json]\n\n' + commands.map((c) => '  ' + c.usage).join('\n') + '\n');
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`netstack-atlas: unknown command '${name}' (try: ${commands.map((c) => c.name).join(', ')})\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, new Set(cmd.valueFlags));
    const allowed = new Set(['json', 'help', ...(cmd.booleanFlags ?? [])]);
    for (const b of args.booleans) {
      if (!allowed.has(b)) throw new UsageError(`unknown flag --${b}`);
    }
    if (args.booleans.has('help')) {
      io.out('usage: netstack-atlas ' + cmd.usage + '\n');
      return 0;
    }
    validateArgs(args, cmd);
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`netstack-atlas ${name}: ${e.message}\nusage: netstack-atlas ${cmd.usage}\n`);
      return 2;
    }
    io.err(`netstack-atlas ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  const io: CliIo = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: !!process.stdout.isTTY,
  };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`netstack-atlas: ${e?.stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
