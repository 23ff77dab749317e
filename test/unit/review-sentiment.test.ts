import { describe, expect, it } from 'vitest';
import { createUnderstander } from '../../engine/understand/index.ts';
import { pack } from '../helpers/harness.ts';

// Review sentiment mechanisms, in both Chinese scripts. Each case is read twice: by the word lists and rules
// alone (no labelled examples, so the mechanism itself is under test) and by the full reader the bot uses.
const full = createUnderstander(pack());
const listsOnly = createUnderstander(pack(), { labelled: [] });
type Locale = 'zh-CN' | 'zh-TW';
type Polarity = 'positive' | 'negative';
const cases = (rows: Array<[string, Locale]>) => rows;
const expected = (rows: Array<[string, Locale, Polarity]>) => rows;

function expectPolarity(text: string, locale: Locale, want: Polarity) {
  for (const read of [listsOnly, full]) {
    const s = read(text, { locale }).sentiment;
    if (want === 'positive') expect(s.score, `${text}: ${JSON.stringify(s)}`).toBeGreaterThan(0);
    else expect(s.score, `${text}: ${JSON.stringify(s)}`).toBeLessThan(0);
  }
}

describe('review sentiment: a negation that insists turns a fault into praise', () => {
  it.each(cases([
    ['这家烤鸭一点也不油腻', 'zh-CN'],
    ['這家烤鴨一點也不油膩', 'zh-TW'],
    ['洗发水一点都不刺鼻', 'zh-CN'],
    ['洗髮精一點都不刺鼻', 'zh-TW'],
    ['买了这台空气炸锅一点也不后悔', 'zh-CN'],
    ['買了這台氣炸鍋一點也不後悔', 'zh-TW'],
  ]))('%s is positive', (text, locale) => expectPolarity(text, locale, 'positive'));
});

describe('review sentiment: a negation shared with the word it denies is said once', () => {
  // "一点也不" and "不好吃" share their 不: the phrase denies the praise once, it does not deny the denial.
  it.each(cases([
    ['这家的包子一点也不好吃', 'zh-CN'],
    ['這家的包子一點也不好吃', 'zh-TW'],
    ['双十一的价格一点都不划算', 'zh-CN'],
    ['雙十一的價格一點都不划算', 'zh-TW'],
    ['键盘刚到手就根本没法用', 'zh-CN'],
    ['鍵盤剛到手就根本沒法用', 'zh-TW'],
  ]))('%s is negative', (text, locale) => expectPolarity(text, locale, 'negative'));
});

describe('review sentiment: expectations and comparisons negate their whole clause', () => {
  it.each(expected([
    ['没有想象中那么难喝，奶茶味道还可以', 'zh-CN', 'positive'],
    ['沒有想像中那麼難喝，奶茶味道還可以', 'zh-TW', 'positive'],
    ['没有想象中的精彩，看到一半就想走', 'zh-CN', 'negative'],
    ['沒有想像中的精彩，看到一半就想走', 'zh-TW', 'negative'],
    ['不像某些民宿又脏又乱', 'zh-CN', 'positive'],
    ['不像某些民宿又髒又亂', 'zh-TW', 'positive'],
    ['所谓的贴心管家服务', 'zh-CN', 'negative'],
    ['所謂的貼心管家服務', 'zh-TW', 'negative'],
  ]))('%s is %s', (text, locale, want) => expectPolarity(text, locale, want));
});

describe('review sentiment: "never … this …" is a superlative, not a denial', () => {
  it.each(expected([
    ['从来没喝过这么难喝的咖啡', 'zh-CN', 'negative'],
    ['從來沒喝過這麼難喝的咖啡', 'zh-TW', 'negative'],
    ['从来没住过如此干净的青旅', 'zh-CN', 'positive'],
    ['從來沒住過如此乾淨的青旅', 'zh-TW', 'positive'],
  ]))('%s is %s', (text, locale, want) => expectPolarity(text, locale, want));

  it('while "not as … as that" still denies', () => {
    expectPolarity('那家店没那么难吃', 'zh-CN', 'positive');
    expectPolarity('那家店沒那麼難吃', 'zh-TW', 'positive');
  });
});

describe('review sentiment: after a contrast or a concession, the second clause decides', () => {
  it.each(expected([
    ['虽然包装很精致，但是耳机音质很差', 'zh-CN', 'negative'],
    ['雖然包裝很精緻，但是耳機音質很差', 'zh-TW', 'negative'],
    ['虽然价格有点贵，这件大衣穿着很舒服', 'zh-CN', 'positive'],
    ['雖然價格有點貴，這件大衣穿起來很舒服', 'zh-TW', 'positive'],
    ['本来有点担心，结果用着很舒服', 'zh-CN', 'positive'],
    ['本來有點擔心，結果用起來很舒服', 'zh-TW', 'positive'],
  ]))('%s is %s', (text, locale, want) => expectPolarity(text, locale, want));
});

describe('review sentiment: praise in quotation marks is sarcasm', () => {
  it.each(cases([
    ['客服真是"专业"，问三遍都答不上来', 'zh-CN'],
    ['客服真是「專業」，問三遍都答不上來', 'zh-TW'],
    ['好一个“完美”的假期，航班取消了两次', 'zh-CN'],
    ['好一個『完美』的假期，航班取消了兩次', 'zh-TW'],
  ]))('%s is negative', (text, locale) => expectPolarity(text, locale, 'negative'));

  it('but praise someone is quoted as saying stands', () => {
    expectPolarity('我妈说"很好用"，还让我再买一个', 'zh-CN', 'positive');
    expectPolarity('我媽說「很好用」，還叫我再買一個', 'zh-TW', 'positive');
  });
});

describe('review sentiment: tears, hyperbole and slang in praise', () => {
  it.each(cases([
    ['这本小说把我读哭了，强烈推荐', 'zh-CN'],
    ['這本小說把我讀哭了，強烈推薦', 'zh-TW'],
    ['纪录片看得热泪盈眶', 'zh-CN'],
    ['紀錄片看得熱淚盈眶', 'zh-TW'],
    ['这款面霜滋润到飞起', 'zh-CN'],
    ['這款面霜滋潤到飛起', 'zh-TW'],
    ['路由器信号好到离谱', 'zh-CN'],
    ['路由器訊號好到離譜', 'zh-TW'],
    ['男主颜值在线，剧情也不拖沓', 'zh-CN'],
    ['男主顏值在線，劇情也不拖沓', 'zh-TW'],
    ['不得不说这家火锅店的服务很周到', 'zh-CN'],
    ['不得不說這家火鍋店的服務很周到', 'zh-TW'],
    ['终于找到一家宝藏面包店😭', 'zh-CN'],
    ['終於找到一家寶藏麵包店😭', 'zh-TW'],
  ]))('%s is positive', (text, locale) => expectPolarity(text, locale, 'positive'));

  it('while anger that only borrows a slang word stays anger', () => {
    expect(full('气死了，等了三个小时外卖还没到', { locale: 'zh-CN' }).emotion.label).toBe('anger');
    expect(full('氣死了，等了三個小時外送還沒到', { locale: 'zh-TW' }).emotion.label).toBe('anger');
  });
});

describe('review sentiment: one reading for both scripts', () => {
  it.each([
    ['一点都不咸，汤头很鲜', '一點都不鹹，湯頭很鮮'],
    ['没有想象中好看，剧情拖沓', '沒有想像中好看，劇情拖沓'],
    ['真是"惊喜"，快递盒压扁了', '真是「驚喜」，快遞盒壓扁了'],
  ])('%s and %s agree', (cn, tw) => {
    for (const read of [listsOnly, full]) {
      expect(Math.sign(read(cn, { locale: 'zh-CN' }).sentiment.score)).toBe(Math.sign(read(tw, { locale: 'zh-TW' }).sentiment.score));
    }
  });
});
