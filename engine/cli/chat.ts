import { createInterface } from 'node:readline/promises';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { stdin, stdout } from 'node:process';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { createEngine } from '../engine.ts';
import { loadPack } from '../packs/load.ts';
import { Locale } from '../packs/schema.ts';
import { openStore } from '../open-store.ts';
import type { OutboundMessage } from '../domain.ts';
import { parseArgs } from './args.ts';
import { serviceModelCache } from '../understand/model-cache.ts';
import { encoderFor } from '../understand/index.ts';

export const TERMINAL_CHANNEL = 'terminal';

function show(message: OutboundMessage, who = 'bot'): void {
  stdout.write(`\n${who}> ${message.text.replace(/\n/g, '\n     ')}\n`);
  message.quickReplies?.forEach((q, i) => stdout.write(`     [${i + 1}] ${q.label}\n`));
}

/** An interactive chat in the terminal against the same engine and store as the server. */
export async function chat(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { bot: 'string', locale: 'string', user: 'string' });
  const config = loadConfig({ ...process.env, ...(args.bot ? { BOT: String(args.bot) } : {}) });
  const locale = args.locale ? Locale.parse(args.locale) : undefined;
  const user = String(args.user ?? `cli-${userInfo().username}`);
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const pack = loadPack(config.BOT);
  const engine = createEngine({
    pack,
    store: openStore(config),
    modelCache: serviceModelCache(config),
    encoder: await encoderFor(pack),
    log,
    channels: [
      {
        name: TERMINAL_CHANNEL,
        async send(_user, message, ctx) {
          // Replies to what was just typed are printed by the loop below; this prints later pushes.
          if (!(ctx.live && ctx.mode === 'reply')) show(message, ctx.mode === 'push' ? 'agent' : 'bot');
        },
      },
    ],
  });
  await engine.start();
  stdout.write(`Chatting with the "${engine.pack.name}" bot as ${user}. Type a message; a number picks a button; Ctrl+D quits.\n`);
  const rl = createInterface({ input: stdin, terminal: false });
  // Lines are read as a stream, not with question(), so piped input (scripts, tests) loses no line.
  try {
    stdout.write('\nyou> ');
    for await (const line of rl) {
      const text = line.trim();
      if (!text) {
        stdout.write('you> ');
        continue;
      }
      const result = await engine.handle({
        channel: TERMINAL_CHANNEL,
        channelUserId: user,
        text,
        ...(locale ? { localeHint: locale } : {}),
        messageId: randomUUID(),
        timestamp: new Date().toISOString(),
      });
      result.replies.forEach((r) => show(r));
      if (result.status !== 'bot') stdout.write(`     (${result.status.replace(/_/g, ' ')}${result.ticketId ? `, ticket ${result.ticketId}` : ''})\n`);
      stdout.write('\nyou> ');
    }
  } finally {
    rl.close();
    await engine.stop();
  }
}
