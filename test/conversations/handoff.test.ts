import { describe, expect, it } from 'vitest';
import { harness, TICKET_RE } from '../helpers/harness.ts';

describe('handoff to a human', () => {
  it('on an explicit request, in English and in Chinese, says honestly when someone will reply', async () => {
    const h = harness();
    const en = await h.say('h1', 'I want to talk to a human');
    expect(en.status).toBe('waiting_for_agent');
    expect(en.replies.map((r) => r.text).join('\n')).toMatch(/passing this conversation to one of my colleagues[\s\S]*about 15 minutes/);
    const zh = await h.say('h2', '转人工');
    expect(zh.status).toBe('waiting_for_agent');
    expect(zh.replies.map((r) => r.text).join('\n')).toMatch(/转接人工客服[\s\S]*15 分钟/);
    const queue = await h.store.listConversations({ status: 'waiting_for_agent' });
    expect(queue.map((c) => c.dialog.handoffReason)).toEqual(['requested', 'requested']);
  });

  it('outside working hours, tells the customer when the team is back', async () => {
    const h = harness({ at: '2026-11-24T15:00:00.000Z' }); // 23:00 in Shanghai
    const r = await h.say('h3', '人工客服');
    expect(r.replies.map((x) => x.text).join('\n')).toMatch(/非工作时间[\s\S]*2026年11月25日 08:00/);
  });

  it('on strong anger: empathy first, a ticket with the reason, then the human queue', async () => {
    const h = harness();
    const r = await h.say('h4', '你们这帮废物！停电三天了还不来修，简直气死我了！！');
    expect(r.status).toBe('waiting_for_agent');
    const text = r.replies.map((x) => x.text);
    expect(text[0]).toMatch(/抱歉/);
    expect(text.join('\n')).toMatch(TICKET_RE);
    const ticket = (await h.store.getTicket(r.ticketId!))!;
    expect(ticket.handoffReason).toBe('anger');
    expect(ticket.grade).not.toBe('ordinary');
    expect(ticket.timeline.map((e) => e.type)).toEqual(['created', 'handoff']);
  });

  it('on a safety hazard (major): files a major ticket at once and hands off', async () => {
    const h = harness();
    const r = await h.say('h5', 'There is a downed power line sparking in front of our school, kids walk past it!');
    expect(r.status).toBe('waiting_for_agent');
    const ticket = (await h.store.getTicket(r.ticketId!))!;
    expect(ticket).toMatchObject({ grade: 'major', handoffReason: 'major' });
    expect(ticket.signals).toContain('safety');
    expect(ticket.respondBy).toBe('2026-11-24T03:00:00.000Z');
  });

  it('on a threat to go to the regulator or the media, mid-intake: keeps what was collected', async () => {
    const h = harness();
    await h.script('h6', [
      ['电费多扣了两百元', /什么时候/],
      ['上个月', /怎么处理/],
    ]);
    const r = await h.say('h6', '再不退钱我就打12398投诉，还要找记者曝光');
    expect(r.status).toBe('waiting_for_agent');
    const ticket = (await h.store.getTicket(r.ticketId!))!;
    expect(ticket).toMatchObject({ grade: 'major', category: 'billing_error', description: '电费多扣了两百元', occurredText: '上个月' });
    expect(ticket.signals).toEqual(expect.arrayContaining(['regulator', 'media']));
  });

  it('after the pack\'s number of misunderstood turns in a row', async () => {
    const h = harness();
    await h.say('h7', 'asdf qwer');
    await h.say('h7', 'zzzz xxxx');
    const third = await h.say('h7', 'blorp blorp');
    expect(third.status).toBe('waiting_for_agent');
    expect(third.replies.map((x) => x.text).join('\n')).toMatch(/haven't understood you well/);
  });

  it('for a customer with 3 complaints in 30 days (risk rule), and for a VIP', async () => {
    const h = harness();
    const file = async (user: string, text: string) =>
      h.script(user, [
        [text, null],
        ['yesterday', null],
        ['fix it', null],
        ['3301234567', null],
        ['13912345678', null],
        ['Here in this chat', /correct\?/],
        ['yes', TICKET_RE],
      ]);
    expect((await file('r1', 'My bill is wrong again, I was charged twice this month')).status).toBe('bot');
    await h.engine.ticketEvent((await h.store.listTickets({}))[0]!.id, { type: 'resolved', message: 'Refunded.' });
    expect((await file('r1', 'My electricity bill charged me twice for the same month')).status).toBe('bot');
    const third = await file('r1', 'I was overcharged on my electricity bill yet again this month');
    expect(third.status).toBe('waiting_for_agent');
    expect(third.replies.map((x) => x.text).join('\n')).toMatch(/supervisor will take this over/);
    expect((await h.store.getTicket(third.ticketId!))!.handoffReason).toBe('risk_customer');

    await h.say('v1', 'hello');
    const conv = (await h.store.findConversation('test', 'v1'))!;
    const customer = (await h.store.getCustomer(conv.customerId))!;
    await h.store.commit({ customers: [{ value: { ...customer, tags: ['vip'] }, expectedVersion: customer.version }] });
    const vip = await file('v1', 'The staff at the service hall were very rude to me today');
    expect(vip.status).toBe('waiting_for_agent');
    const vipTicket = (await h.store.getTicket(vip.ticketId!))!;
    expect(vipTicket).toMatchObject({ handoffReason: 'vip', grade: 'urgent' });
  });

  it('while waiting or with an agent the bot is silent and keeps messages; release gives the chat back', async () => {
    const h = harness();
    const first = await h.say('h8', '转人工');
    const silent = await h.say('h8', '我家停电了，户号3301234567');
    expect(silent.replies).toEqual([]);
    expect(silent.status).toBe('waiting_for_agent');
    await h.engine.agentMessage(first.conversationId, '您好，我是客服小李，马上帮您查');
    expect(h.sent.at(-1)).toMatchObject({ to: 'h8', message: { text: '您好，我是客服小李，马上帮您查' }, ctx: { mode: 'push', live: false } });
    expect((await h.say('h8', '好的谢谢')).status).toBe('with_agent');
    const transcript = await h.store.listMessages(first.conversationId);
    expect(transcript.map((m) => m.author)).toEqual(['customer', 'bot', 'bot', 'customer', 'agent', 'customer']);
    expect(transcript[3]!.text).toContain('3301234567');
    await h.engine.release(first.conversationId);
    expect(h.sent.at(-1)!.message.text).toMatch(/随时找我/);
    const back = await h.say('h8', '你好');
    expect(back.status).toBe('bot');
    expect(back.replies[0]!.text).toMatch(/智能助手/);
  });
});
