// The CLI's command table. Each command lives in its own module under ./commands/.
import type { CliCommand } from './command.ts';
import { indexCommands } from './commands/index.ts';
import { graphCommands } from './commands/graph.ts';
import { counterSiteCommands } from './commands/counterSites.ts';
import { countersCommands } from './commands/counters.ts';
import { watchCommands } from './commands/watch.ts';
import { serveCommands } from './commands/serve.ts';
import { runtimeCommands } from './commands/runtime.ts';

export const commands: CliCommand[] = [...indexCommands, ...graphCommands, ...counterSiteCommands, ...countersCommands, ...watchCommands, ...serveCommands, ...runtimeCommands];
