import { Command, CommanderError } from 'commander';
import { describeError, LarrError } from '../../core/errors.ts';
import { createCliContext, type CliContext } from './context.ts';
import { registerBaselineCommands } from './commands/baselines.ts';
import { registerDbCommands } from './commands/db.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerEmbedCommands } from './commands/embed.ts';
import { registerEmbedderCommands } from './commands/embedder.ts';
import { registerAlignCommand, registerEvalCommands, registerEvalMergeCommand } from './commands/eval.ts';
import { registerEventCommands } from './commands/events.ts';
import { registerInfraCommands } from './commands/infra.ts';
import { registerModelCommands } from './commands/models.ts';
import { registerReplayCommand } from './commands/replay.ts';
import { registerReportCommand } from './commands/report.ts';
import { registerSchemaCommands } from './commands/schemas.ts';
import { registerScorerCommands } from './commands/scorer.ts';
import { registerServeCommands } from './commands/serve.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { registerTopicCommands } from './commands/topics.ts';
import { registerTrainCommands } from './commands/train.ts';

/** LarrError codes that mean the command line or configuration is wrong (exit 2), not that work failed. */
const USAGE_ERROR_CODES: ReadonlySet<string> = new Set(['CONFIG_INVALID', 'TOPIC_NOT_IN_CATALOG']);

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('larr')
    .description(
      'LLM-aided real-time scene features for CTR prediction, streaming on Kafka.\n' +
        'Configuration comes from the environment (see docs/configuration.md).',
    )
    // Help and usage errors go through the context like everything else a command prints (tests capture
    // them); set before the subcommands are added, which copy it.
    .configureOutput({
      writeOut: (text) => ctx.out(text.replace(/\n$/, '')),
      writeErr: (text) => ctx.err(text.replace(/\n$/, '')),
    })
    .showHelpAfterError()
    .exitOverride();
  registerInfraCommands(program, ctx);
  registerDbCommands(program, ctx);
  registerTopicCommands(program, ctx);
  registerSchemaCommands(program, ctx);
  registerEventCommands(program, ctx);
  registerEmbedderCommands(program, ctx);
  registerScorerCommands(program, ctx);
  registerReplayCommand(program, ctx);
  registerDemoCommand(program, ctx);
  registerSimulateCommand(program, ctx);
  registerBaselineCommands(program, ctx);
  registerEvalCommands(program, ctx);
  registerEvalMergeCommand(program, ctx);
  registerAlignCommand(registerTrainCommands(program, ctx), ctx);
  registerEmbedCommands(program, ctx);
  registerServeCommands(program, ctx);
  registerModelCommands(program, ctx);
  registerReportCommand(program, ctx);
  return program;
}

/**
 * Runs the CLI; returns the exit code (0 ok, 1 a check failed, 2 bad usage or configuration, 3+ see
 * commands). Commands report a non-zero outcome through `process.exitCode`, which is restored afterwards,
 * so the caller decides what to do with the code.
 */
export async function main(argv: readonly string[], ctx: CliContext = createCliContext()): Promise<number> {
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof LarrError) {
      ctx.err(`larr: ${describeError(err)}`);
      return USAGE_ERROR_CODES.has(err.code) ? 2 : 1;
    }
    ctx.err(`larr: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  } finally {
    process.exitCode = previousExitCode;
  }
}
