import { describe, expect, it } from 'vitest';
import { harness, pack } from '../helpers/harness.ts';

// The online-shop pack: its own categories, details (order number), FAQ and risk words, in three locales.
const shop = () => harness({ pack: pack('ecommerce') });
const EC_TICKET = /EC-\d{8}-[0-9A-Z]{6}/;

describe('ecommerce pack', () => {
  it('登记一起商品质量投诉：订单号、诉求、联系方式，复述后给出编号和时限', async () => {
    const h = shop();
    const done = await h.script('ec1', [
      ['我买的手机用了三天就黑屏了', /什么时候/],
      ['上周五', /怎么处理/],
      ['退货退款', /订单号/],
      ['订单号 240315123456789', /联系电话/],
      ['13912345678', /怎么通知/],
      ['短信', /商品质量[\s\S]*订单号：240315123456789[\s\S]*是否准确/],
      ['确认', EC_TICKET],
    ]);
    const ticket = (await h.store.getTicket(done.ticketId!))!;
    expect(ticket.category).toBe('product_quality');
    expect(ticket.details.order_number).toBe('240315123456789');
  });

  it('answers a shopper FAQ in English and asks whether it helped', async () => {
    const h = shop();
    const r = await h.say('ec2', 'How long does a refund take?');
    expect(r.replies[0]!.text).toMatch(/refund[\s\S]*working days[\s\S]*did that answer your question/i);
  });

  it('a swelling, smoking power bank is a safety case: a ticket, then a person (zh-TW)', async () => {
    const h = shop();
    const r = await h.say('ec3', '充電寶鼓包了還在冒煙，好可怕');
    expect(r.status).toBe('waiting_for_agent');
    const text = r.replies.map((x) => x.text).join('\n');
    expect(text).toMatch(EC_TICKET);
    expect(text).toMatch(/轉接/);
    expect((await h.store.getTicket(r.ticketId!))!.grade).toBe('major');
  });
});
