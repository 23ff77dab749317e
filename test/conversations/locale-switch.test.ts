import { describe, expect, it } from 'vitest';
import { harness } from '../helpers/harness.ts';

const CJK = /[\u4e00-\u9fff]/;
const text = (r: { replies: Array<{ text: string }> }) => r.replies.map((x) => x.text).join('\n');

describe('a language picked by hand (the web page\'s switcher)', () => {
  it('a mere hint does not move a conversation that is already in English', async () => {
    const h = harness();
    await h.say('u', 'Hi', { locale: 'en' });
    const hinted = await h.say('u', 'File a complaint', { locale: 'zh-TW' });
    expect(text(hinted)).toMatch(/Which of these best describes the problem/);
    expect(text(hinted)).not.toMatch(CJK);
  });

  it('a chosen language wins over the words of that message, and is kept afterwards', async () => {
    const h = harness();
    await h.say('u', 'Hi', { locale: 'en' });
    const chosen = await h.engine.handle({
      channel: 'test',
      channelUserId: 'u',
      text: 'File a complaint',
      localeHint: 'zh-TW',
      localeChosen: true,
      messageId: 'chosen-1',
      timestamp: h.clock.now.toISOString(),
    });
    expect(text(chosen)).toMatch(/請問您遇到的問題最接近下面哪一類/);
    // Digits do not tell a language: the chosen one stays.
    expect(text(await h.say('u', '1'))).toMatch(CJK);
    expect((await h.store.findConversation('test', 'u'))!.dialog.locale).toBe('zh-TW');
  });
});
