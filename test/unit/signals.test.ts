import { describe, expect, it } from 'vitest';
import { createUnderstander } from '../../engine/understand/index.ts';
import type { FaqEntry } from '../../engine/packs/schema.ts';
import { pack } from '../helpers/harness.ts';

// One test per signal and language: what each part of understand() must get right on its own.
const understand = createUnderstander(pack());
const read = (text: string, locale: 'zh-CN' | 'zh-TW' | 'en' = 'zh-CN') => understand(text, { today: '2026-11-24', locale });

describe('sentiment: negation flips, in every language', () => {
  it.each([
    ['服务很满意', '服务不满意', 'zh-CN'],
    ['服務很滿意', '服務不滿意', 'zh-TW'],
    ['I am happy with the service', 'I am not happy with the service', 'en'],
    ['The engineer was helpful', "The engineer wasn't helpful at all", 'en'],
  ] as const)('"%s" is positive, "%s" is not', (plain, negated, locale) => {
    expect(read(plain, locale).sentiment.label).toBe('positive');
    expect(read(negated, locale).sentiment.label).toBe('negative');
    expect(read(negated, locale).sentiment.score).toBeLessThan(read(plain, locale).sentiment.score);
  });

  it('a negated complaint word is not negative ("not bad", "不差")', () => {
    expect(read('The new app is not bad at all', 'en').sentiment.score).toBeGreaterThan(read('The new app is bad', 'en').sentiment.score);
    expect(read('这家店质量不差', 'zh-CN').sentiment.score).toBeGreaterThan(read('这家店质量很差', 'zh-CN').sentiment.score);
  });

  it('a denied feeling is no feeling', () => {
    expect(read('我没有生气，就是问问').emotion.label).toBe('none');
    expect(read("I'm not angry, just asking how the bill is calculated", 'en').emotion.label).toBe('none');
  });

  it('after "但是" / "but" the second half decides', () => {
    expect(read('价格是便宜，但是质量太差了，用两天就坏').sentiment.label).toBe('negative');
    expect(read('Delivery was a bit slow but the product is excellent and works perfectly', 'en').sentiment.label).toBe('positive');
  });
});

describe('emotion: intensity follows degree words, punctuation, emoji, insults, demands', () => {
  it.each([
    ['有点不满意', '非常生气', '气死我了！！！你们这帮废物', 'zh-CN'],
    ['有點不滿意', '非常生氣', '氣死我了！！！你們這群廢物', 'zh-TW'],
    ['a bit annoyed about the bill', 'I am angry about the bill', 'I am FURIOUS, you useless idiots!!! 😡', 'en'],
  ] as const)('%s < %s < %s', (mild, clear, furious, locale) => {
    const [a, b, c] = [mild, clear, furious].map((t) => read(t, locale).emotion);
    expect(c!.label).toBe('anger');
    expect(a!.intensity).toBeLessThan(b!.intensity);
    expect(b!.intensity).toBeLessThan(c!.intensity);
    expect(c!.intensity).toBeGreaterThanOrEqual(0.8);
  });

  it('"必须", rhetorical questions and repeated punctuation raise anger', () => {
    const calm = read('电费算错了，很生气').emotion.intensity;
    expect(read('电费算错了，很生气，你们必须马上给我解决').emotion.intensity).toBeGreaterThan(calm);
    expect(read('电费算错了，很生气，凭什么让我多交钱？？？').emotion.intensity).toBeGreaterThan(calm);
  });

  it('tells anxiety and disappointment from anger', () => {
    expect(read('家里停电了，冰箱里都是孩子的药，我好着急，怎么办').emotion.label).toBe('anxiety');
    expect(read('The power is out and my father needs his oxygen machine, I am so worried', 'en').emotion.label).toBe('anxiety');
    expect(read('用了你们十年，真的很失望，心寒').emotion.label).toBe('sadness');
    expect(read("Honestly disappointed. I expected better after ten years as a customer", 'en').emotion.label).toBe('sadness');
  });

  it('very angry alone hands off; mildly annoyed does not', () => {
    expect(read('你们这帮废物！！气死我了，马上给我解决！！').handoff).toBe('anger');
    expect(read('有点不满意，电费好像多了').handoff).toBeNull();
  });
});

describe('severity: the signals of DOMAIN.md §3', () => {
  it.each([
    ['电线掉下来了还在冒火花，太危险了', 'safety', 'zh-CN'],
    ['There are sparks coming out of the meter box', 'safety', 'en'],
    ['再不处理我就找媒体曝光', 'media', 'zh-CN'],
    ["If this isn't fixed I'm going to the press", 'media', 'en'],
    ['我已经找了律师，准备起诉你们', 'legal', 'zh-CN'],
    ['My lawyer will be in touch, I will sue', 'legal', 'en'],
    ['我要打12398投诉你们', 'regulator', 'zh-CN'],
    ['I am reporting this to the ombudsman', 'regulator', 'en'],
    ['整个小区都停电了，几百户人家没电', 'mass', 'zh-CN'],
    ['The whole neighbourhood has been without power since noon', 'mass', 'en'],
  ] as const)('%s → %s, major', (text, signal, locale) => {
    const r = read(`${text}`, locale);
    expect(r.signals).toContain(signal);
    expect(r.severity).toBe('major');
  });

  it('a repeated complaint is urgent, not major, on its own', () => {
    const r = read('这是我第三次投诉电表的问题了');
    expect(r.signals).toContain('repeat');
    expect(r.severity).toBe('urgent');
  });

  it('a hotline typed alone is no threat; with words it is', () => {
    expect(read('12315').signals).toEqual([]);
    expect(read('我要打12315').signals).toContain('regulator');
  });
});

describe('entities: edge cases', () => {
  it('phones with full-width digits, spaces, dashes and country codes', () => {
    expect(read('电话１３９１２３４５６７８').entities.phones).toEqual(['13912345678']);
    expect(read('打 139 1234 5678 找我').entities.phones).toEqual(['13912345678']);
    expect(read('+86 139-1234-5678').entities.phones).toEqual(['13912345678']);
    expect(read('my number is +44 7700 900123', 'en').entities.phones).toEqual(['+447700900123']);
    expect(read('我的手機是 0912-345-678', 'zh-TW').entities.phones).toEqual(['+886912345678']);
    // Too short or not a mobile prefix: a number, not a phone.
    expect(read('订单号12345678').entities.phones).toEqual([]);
  });

  it('amounts in Chinese numerals, with and without currency words', () => {
    expect(read('多扣了三百五十元').entities.amounts[0]).toMatchObject({ value: 350, currency: 'CNY' });
    expect(read('多收了两千块钱').entities.amounts[0]).toMatchObject({ value: 2000 });
    expect(read('退我１２０元').entities.amounts[0]).toMatchObject({ value: 120 });
    expect(read('they charged me £30 twice', 'en').entities.amounts[0]).toMatchObject({ value: 30, currency: 'GBP' });
  });

  it('dates: relative, weekdays, Chinese numerals, month and day', () => {
    expect(read('三天前开始停电').entities.dates[0]!.date).toBe('2026-11-21');
    expect(read('上周三下午').entities.dates[0]!.date).toBe('2026-11-18');
    expect(read('11月5日那天').entities.dates[0]!.date).toBe('2026-11-05');
    expect(read('5号收到的账单').entities.dates[0]!.date).toBe('2026-11-05');
    expect(read('昨天晚上八点半').entities.dates[0]).toMatchObject({ date: '2026-11-23', time: '20:30' });
    expect(read('it started two days ago', 'en').entities.dates[0]!.date).toBe('2026-11-22');
    expect(read('on Nov 3rd the meter was replaced', 'en').entities.dates[0]!.date).toBe('2026-11-03');
  });

  it('pack details by cue word, in both scripts', () => {
    expect(read('户号3301234567').entities.details.account_number).toEqual(['3301234567']);
    expect(read('戶號3301234567', 'zh-TW').entities.details.account_number).toEqual(['3301234567']);
  });
});

describe('FAQ: learned from the examples, out of scope admitted', () => {
  const faq: FaqEntry[] = [
    { id: 'opening_hours', questions: ['When are you open?', 'What are your opening hours?', 'Are you open on Sunday?', 'What time do you close?', '你们几点开门', '营业时间是什么时候'], answer: '9-17' },
    { id: 'refund_time', questions: ['How long does a refund take?', 'When will I get my money back?', 'refund still not here', '退款多久到账', '钱什么时候退回来'], answer: '5 days' },
    { id: 'change_address', questions: ['How do I change my address?', 'I moved house, update my address', 'update billing address', '怎么改地址', '搬家了地址怎么改'], answer: 'In the app' },
  ];
  const shop = createUnderstander({ ...pack(), faq: { 'zh-CN': faq, 'zh-TW': faq, en: faq } });

  it('matches paraphrases it was not given', () => {
    expect(shop('what time do you shut on saturdays?').faq?.id).toBe('opening_hours');
    expect(shop('my refund has not arrived yet').faq?.id).toBe('refund_time');
    expect(shop('我搬家了，要改一下地址').faq?.id).toBe('change_address');
    expect(shop('退款什麼時候到帳', { locale: 'zh-TW' }).faq?.id).toBe('refund_time');
  });

  it('answers null for questions outside the FAQ, with a lower score than any match', () => {
    expect(shop('what is the capital of France').faq).toBeNull();
    expect(shop('今天天气怎么样').faq).toBeNull();
  });
});

describe('social acts ride along with the request', () => {
  it('greeting, thanks and goodbye beside the main intent', () => {
    const r = read('你好，我想查一下电费，谢谢，再见');
    expect(r.social).toEqual({ greeting: true, thanks: true, goodbye: true });
    expect(read('Hi there, my meter is broken').social.greeting).toBe(true);
    expect(read('the meter says hi').social.greeting).toBe(false);
  });
});

describe('demands: what the customer wants done', () => {
  it.each([
    ['麻烦把多扣的那笔退给我', 'zh-CN'],
    ['請把多扣的錢退給我', 'zh-TW'],
    ['多收了三十块，赶紧退我钱', 'zh-CN'],
    ['You charged me twice, pay me back', 'en'],
  ] as const)('%s asks for a refund', (text, locale) => {
    expect(read(text, locale).demands).toContain('refund');
  });
});

describe('asking for a person', () => {
  it.each([
    ['Can I speak to a real person please', true],
    ['put me through to someone who can help', true],
    ['I want to talk to your manager', true],
    ['我要转人工', true],
    ['不想跟机器人说了，叫你们负责人来', true],
    ['how long does it take to get a replacement card?', false],
    ['I spoke to your agent yesterday and nothing happened', false],
    ["No, you don't need to transfer me to a person", false],
    // Staff named as the ones complained about are not asked for; asked for after a verb, they are.
    ['你们的工作人员态度很差', false],
    ['你們的客服人員講沒兩句就掛電話', false],
    ['负责人根本不管事', false],
    ['Your customer service rep hung up on me', false],
    ['帮我转接一位工作人员', true],
    ['请你们负责人出来说话', true],
    ['负责人呢？', true],
    ['I need a customer service rep', true],
    // Misspelt, stretched, text-speak, or the person alone.
    ['can i talk to a represntative', true],
    ['huuuman please', true],
    ['get some1 to phone me', true],
    ['Operator!', true],
    ['Supervisor. Now.', true],
    // A named team or role, and being put through to it.
    ['Please pass me to your billing team', true],
    ['I would like to be transferred to the mortgages department', true],
    ['could one of your surveyors go over the report with me', true],
    ['Can a member of the claims team ring me back tomorrow?', true],
    ['I think someone senior needs to look at this', true],
    ['Who do I talk to about a wrong meter reading?', true],
    ['Is anybody from support around?', true],
    ['I am done talking to a bot', true],
    // Mentions, declines, repairs and guests are not requests.
    ['The agent I spoke with last week was very helpful', false],
    ['I was told someone would call me within a day, nobody did', false],
    ['No need for a person, you answered it', false],
    ['Do I have to call someone to close the account?', false],
    ['I need someone to fix the leaking meter', false],
    ['A table for just one person please', false],
    ['call me please', false],
    ['转接人工', true],
    ['人工人工', true],
    ['麻烦让售后部门的同事联系我一下', true],
    ['這件事要找誰處理？', true],
    ['請幫我轉給專人', true],
    ['我要跟你们的客户经理谈', true],
    ['不需要转人工，我自己看说明', false],
    ['上次跟客服说过了，没人处理', false],
    ['人工客服几点下班？', false],
    ['请派师傅上门维修', false],
    ['要求那个柜员道歉', false],
    // Found on review: a request with a time in it, AI spelt out, how-do-I-get-one questions.
    ['Can someone call me back later today?', true],
    ['Could a manager ring me on Friday?', true],
    ['不想跟人工智能聊了', true],
    ['怎么才能转人工？', true],
    ['需要找人工才能办吗？', false],
    ['warren gong here, my bill is wrong', false],
    // Second Chinese round: someone fetched or handed the phone, Cantonese, emoji, a decision-maker; and
    // questions whether one is needed, declines with 麻烦, past transfers, thinking the bot was a person.
    ['把你们值班经理叫来', true],
    ['你处理不了就把电话交给你们上级', true],
    ['有冇人工呀？', true],
    ['😡😡人工！！', true],
    ['有没有能做主的', true],
    ['能不能让人给我回个电话', true],
    ['让负责我们片区的工程师联系我', true],
    ['我要求主管介入', true],
    ['转仁工', true],
    ['开户需要找客户经理吗', false],
    ['我想要转人工可以吗', true],
    ['這個要找真人客服才能辦嗎？', false],
    ['不用麻烦专员回电了，已经好了', false],
    ['上次转人工等了半小时', false],
    ['我还以为你是真人呢', false],
    ['管家电话多少', false],
    // Third Chinese round: more titles (话务员, 坐席, 行长, 话事人, 小二), 与 beside 跟/和, someone arranged to ring
    // back, a department put through to, zhuyin and half-pinyin slips; and staff arranged, met or declined.
    ['帮我接一下话务员', true],
    ['坐席！', true],
    ['能不能安排个人给我回个电话', true],
    ['我要同話事嘅人講', true],
    ['轉人啦唔該', true],
    ['帮我转接售后', true],
    ['我想跟你们行长反映一下', true],
    ['这笔是银行长期贷款吗', false],
    ['有木有人工', true],
    ['人工ㄉ客服在哪', true],
    ['转接ren工', true],
    ['可以安排客服与我电话沟通吗', true],
    ['我要跟人工核对一下账单', true],
    ['不用让经理联系我了', false],
    ['我不想跟人说话，直接告诉我步骤', false],
    ['刚刚跟人工聊完了，再问一句', false],
    ['已经有专员在跟进了', false],
    ['这是你们客服打给我的吗', false],
    ['短信让我加客服微信，是真的吗', false],
    ['变压器冒烟了，快派抢修的人来', false],
    ['请派工程师来看看', false],
  ] as const)('%s → %s', (text, asks) => {
    expect(read(text, /[a-z]/i.test(text) ? 'en' : 'zh-CN').intent.name === 'request_human').toBe(asks);
  });
});
