import type { ChannelAdapter } from '../../engine/channels.ts';
import type { Hub } from './hub.ts';

export const WEB_CHANNEL = 'web';

/**
 * Live replies travel back in the HTTP response of the message that caused them; everything else
 * (agent messages, progress, replies recovered after a crash) goes to the customer's open streams.
 * A customer with no open stream still gets it: the page replays the transcript when it reconnects.
 */
export function createWebChannel(hub: Hub): ChannelAdapter {
  return {
    name: WEB_CHANNEL,
    // The page shows every button the bot offers; it never splits (the transcript is the record).
    capabilities: { choices: 'buttons', maxButtons: 12, maxButtonLabel: 60, maxLength: 4000, markup: 'plain' },
    async send(channelUserId, message, ctx) {
      if (ctx.live && ctx.mode === 'reply') return;
      hub.publish(channelUserId, {
        n: ctx.n,
        author: ctx.mode === 'reply' ? 'bot' : 'agent',
        text: message.text,
        ...(message.quickReplies ? { quickReplies: message.quickReplies.map((q) => q.label) } : {}),
      });
    },
  };
}
