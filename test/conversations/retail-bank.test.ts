import { describe, expect, it } from 'vitest';
import { harness, pack } from '../helpers/harness.ts';

// The retail-bank pack: its own categories, details (account number, transaction reference), FAQ and risk words.
const bank = () => harness({ pack: pack('retail-bank') });
const RB_TICKET = /RB-\d{8}-[0-9A-Z]{6}/;

describe('retail-bank pack', () => {
  it('files a delayed-transfer complaint with the account number and transaction reference', async () => {
    const h = bank();
    const done = await h.script('rb1', [
      ['My transfer to another bank has not arrived after 2 days', /when did this happen/i],
      ['last Friday', /what would you like/i],
      ['I want the money to arrive', /account number/i],
      ['account number 6222020202020202', /transaction reference/i],
      ['reference TX20261120001', /phone number/i],
      ['13912345678', /keep you updated/i],
      ['here in the chat', /Transfers[\s\S]*TX20261120001[\s\S]*correct\?/],
      ['yes', RB_TICKET],
    ]);
    const ticket = (await h.store.getTicket(done.ticketId!))!;
    expect(ticket.category).toBe('transfers');
    expect(ticket.grade).toBe('urgent');
    expect(ticket.details).toMatchObject({ account_number: '6222020202020202', transaction_reference: 'TX20261120001' });
    expect(done.replies[0]!.text).not.toMatch(/supply|repair/i);
  });

  it('盗刷是重大事项：先共情，再登记', async () => {
    const h = bank();
    const r = await h.say('rb2', '我的信用卡被盗刷了三笔，一共5000块');
    const text = r.replies.map((x) => x.text).join('\n');
    expect(text).toMatch(/着急[\s\S]*非本人交易[\s\S]*什么时候/);
    const conv = (await h.store.getConversation(r.conversationId))!;
    expect((conv.dialog.active!.data as { fields: { category: string } }).fields.category).toBe('fraud_unauthorised');
  });

  it('答覆繁體常見問題，並問是否解決', async () => {
    const h = bank();
    const r = await h.say('rb3', '怎麼掛失信用卡');
    expect(r.replies[0]!.text).toMatch(/掛失[\s\S]*這個回答有解決您的問題嗎/);
  });

  it('a question about a replacement card is a question, not a request for a person', async () => {
    const h = bank();
    const r = await h.say('rb4', 'how long does it take to get a replacement card?');
    expect(r.status).toBe('bot');
    expect(r.replies[0]!.text).toMatch(/replacement/i);
  });
});
