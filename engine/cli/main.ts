import { AppError } from '../errors.ts';

const HELP = `intake: customer-complaint chatbot service

  intake serve                     start the HTTP service (web chat at /, API under /api)
  intake chat [--bot NAME] [--locale zh-CN|zh-TW|en] [--user ID]
                                   chat with the bot in this terminal (same engine and store)
  intake bench [--customers N] [--concurrency N] [--store sqlite|memory|redis] [--sync FULL|NORMAL] [--bot NAME] [--understand]
                                   drive simulated customers through the intake and print figures
  intake analyze [--bot NAME] [--faq FILE] [--locale zh-CN|zh-TW|en]
                                   one message per stdin line (text or JSON {"text"}) in, one JSON analysis per line
                                   out; --faq: YAML or JSON list of {id, questions, answer} (answer defaults to the id)

Configuration comes from the environment (see README.md): PORT, HOST, DATA_DIR, BOT, API_TOKEN, LOG_LEVEL,
WEB_IDENTITY_SECRET, STORE, SQLITE_SYNCHRONOUS, MAX_BODY_BYTES, REDIS_URL, REDIS_CLUSTER_NODES, REDIS_PREFIX,
LEASE_TTL_MS, LEASE_WAIT_MS, JOB_EVERY_MS.`;

const [command = 'serve', ...rest] = process.argv.slice(2);
try {
  switch (command) {
    case 'serve':
      await (await import('./serve.ts')).serve();
      break;
    case 'chat':
      await (await import('./chat.ts')).chat(rest);
      break;
    case 'bench':
      await (await import('./bench.ts')).bench(rest);
      break;
    case 'analyze':
      await (await import('./analyze.ts')).analyze(rest);
      break;
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      break;
    default:
      console.error(`unknown command "${command}"\n\n${HELP}`);
      process.exitCode = 2;
  }
} catch (err) {
  // Configuration and pack errors are the operator's to fix: say what is wrong, no stack trace.
  if (err instanceof AppError || (err instanceof Error && /^(unknown option|option --)/.test(err.message))) {
    console.error(`intake: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
