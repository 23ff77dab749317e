import { describe, expect, it } from 'vitest';
import { createUnderstander } from '../../engine/understand/index.ts';
import { normalizePhone, parseChineseNumber } from '../../engine/understand/entities.ts';
import { normalize, scriptCounts, simplifiedCount } from '../../engine/understand/text.ts';
import { pack } from '../helpers/harness.ts';

const understand = createUnderstander(pack());
const read = (text: string) => understand(text, { today: '2026-11-24', locale: 'zh-CN' });

describe('understanding, first version', () => {
  it.each([
    ['转人工', 'request_human'],
    ['I want to speak to a real person', 'request_human'],
    ['我的投诉处理得怎么样了', 'progress'],
    ['any update on my complaint?', 'progress'],
    ['你好', 'greeting'],
    ['谢谢', 'thanks'],
    ['是的', 'affirm'],
    ['yes', 'affirm'],
    ['Yes that is right', 'affirm'],
    ["yes, that's correct", 'affirm'],
    ['That’s right', 'affirm'],
    ['是的，没错', 'affirm'],
    ['對，沒錯', 'affirm'],
    ["that's wrong", 'deny'],
    ['no problem', 'affirm'],
    ['No worries, go ahead', 'affirm'],
    ['no, the phone number is wrong', 'deny'],
    ['不对', 'deny'],
    ['取消', 'cancel'],
    ['start over', 'restart'],
    ['我要投诉', 'complaint'],
    ['这个月电费怎么这么高，肯定算错了，太离谱了', 'complaint'],
    ['怎么在网上交电费？', 'question'],
  ])('intent of %s is %s', (text, intent) => {
    expect(read(text).intent.name).toBe(intent);
  });

  it('tells languages and scripts apart', () => {
    expect(read('我们这里停电了').locale).toBe('zh-CN');
    expect(read('我們這裡停電了').locale).toBe('zh-TW');
    expect(read('our power is out').locale).toBe('en');
    expect(read('12345678').locale).toBe('zh-CN');
  });

  it('counts as simplified only characters that are not ordinary traditional ones too', () => {
    // 面 出 只 系 are left alone by s2t; 台 后 里 干 准 are kept in many traditional words; 吃 群 are Taiwan's forms.
    expect(simplifiedCount('面出只系才台后里干准吃群')).toBe(0);
    expect(simplifiedCount('这们发户么')).toBe(5);
    const tw = (text: string) => understand(text, { today: '2026-11-24', locale: 'zh-TW' }).locale;
    expect(tw('希望主管出面道歉')).toBe('zh-TW');
    expect(tw('台北的里長後來有出面')).toBe('zh-TW');
    expect(tw('皇后区的客户')).toBe('zh-CN');
    expect(read('后面的电表坏了').locale).toBe('zh-CN');
  });

  it('folds traditional characters to simplified wherever they are, and leaves everything else as typed', () => {
    expect(normalize('我們這裡停電了')).toBe('我们这里停电了');
    expect(normalize('電')).toBe('电');
    // Already simplified, or not Chinese: the text comes back unchanged (but for case, width and spaces).
    expect(normalize('我们这里停电了')).toBe('我们这里停电了');
    expect(normalize('  Ｐｏｗｅｒ   OUT ')).toBe('power out');
    // Characters outside the basic plane, before, between and after changed ones, are kept whole.
    expect(normalize('𠮷這𠮷電費😡')).toBe('𠮷这𠮷电费😡');
    expect(scriptCounts('我們 ok 这')).toEqual({ han: 3, latin: 2, traditional: 1, simplified: 1 });
  });

  it('finds the category from keywords and examples, in both scripts', () => {
    expect(read('电表走得太快了').category?.id).toBe('meter_fault');
    expect(read('電表走得太快了').category?.id).toBe('meter_fault');
    expect(read('The guy at the counter was so rude to me').category?.id).toBe('service_attitude');
  });

  it('breaks a tie between keyword categories by the learned model, not by word order', () => {
    // 估抄 (billing) and 不耐烦 (attitude) tie one keyword each; the message is about the meter reader's manners.
    expect(read('我问抄表员为什么估抄，他很不耐烦').category?.id).toBe('service_attitude');
    // meter, bill and rude: one keyword each for three categories.
    expect(read('The meter reader estimated my bill and was rude to me').category?.id).toBe('service_attitude');
  });

  it('reads anger and its intensity; negation cancels it', () => {
    const furious = read('你们这帮废物！！气死我了');
    expect(furious.emotion.label).toBe('anger');
    expect(furious.emotion.intensity).toBeGreaterThanOrEqual(0.8);
    const mild = read('有点不满，电费好像不太对');
    expect(mild.emotion.intensity).toBeLessThan(0.6);
    expect(read('我没有生气，就是问问').emotion.label).toBe('none');
    expect(read('This is absolutely unacceptable!!! Fix it NOW or I SUE').emotion.label).toBe('anger');
    expect(read('谢谢，问题解决了，很满意').sentiment.label).toBe('positive');
  });

  it('raises severity to major on risk signals and names them', () => {
    const r = read('再不处理我就找律师起诉你们，还要打12345');
    expect(r.severity).toBe('major');
    expect(r.signals).toEqual(expect.arrayContaining(['legal', 'regulator']));
    expect(read('电线掉下来了在冒火花').signals).toContain('safety');
    expect(read('12345').signals).toEqual([]);
  });

  it('extracts phones, pack details, relative dates and amounts', () => {
    const r = read('户号3301234567，电话 139-1234-5678，昨天晚上8点停的电，多扣了两百五十元');
    expect(r.entities.phones).toEqual(['13912345678']);
    expect(r.entities.details.account_number).toEqual(['3301234567']);
    expect(r.entities.dates[0]).toMatchObject({ date: '2026-11-23', time: '20:00' });
    expect(r.entities.amounts[0]).toMatchObject({ value: 250, currency: 'CNY' });
    const en = read('Call me on +1 415 555 0100, it happened 3 days ago, they took $45.50');
    expect(en.entities.phones).toEqual(['+14155550100']);
    expect(en.entities.dates[0]!.date).toBe('2026-11-21');
    expect(en.entities.amounts[0]).toMatchObject({ value: 45.5, currency: 'USD' });
    expect(read('编号 PU-20261124-ABC123 怎么样了').entities.ticketIds).toEqual(['PU-20261124-ABC123']);
  });

  it('validates phone numbers: mainland mobile and E.164', () => {
    expect(normalizePhone('+86 139 1234 5678')).toBe('13912345678');
    expect(normalizePhone('13912345678')).toBe('13912345678');
    expect(normalizePhone('+447700900123')).toBe('+447700900123');
    expect(normalizePhone('12912345678')).toBeNull();
    expect(normalizePhone('139123')).toBeNull();
    expect(parseChineseNumber('两千零五')).toBe(2005);
    expect(parseChineseNumber('十二')).toBe(12);
  });
});
