// Traditional → simplified pairs for the characters customers use in service chats. Matching runs on the
// simplified form so one lexicon serves zh-CN and zh-TW; replies are still written in the customer's script.
const T2S_PAIRS =
  '電电費费號号話话時时說说還还沒没麼么請请錯错問问題题員员態态應应該该為为給给單单們们這这個个來来對对會会發发現现點点' +
  '從从後后過过經经開开關关與与讓让實实當当報报紙纸帳账賬账戶户碼码錢钱價价買买賣卖貨货訂订務务處处辦办換换聯联繫系係系' +
  '網网絡络線线樣样級级緊紧難难氣气憤愤滿满謝谢幫帮聽听見见覺觉讀读寫写記记認认識识計计劃划額额餘余轉转賠赔償偿歸归損损' +
  '壞坏維维護护燈灯熱热區区東东車车門门間间隊队陽阳飛飞機机構构體体總总統统場场種种類类將将專专業业動动勞劳園园圖图團团' +
  '圍围國国際际隨随險险驗验檢检測测標标準准則则規规條条約约議议論论談谈調调詢询訊讯資资歷历紀纪錄录醫医藥药療疗傷伤亂乱' +
  '爭争執执權权據据證证確确罰罚違违師师訴诉訟讼導导者者頭头臉脸惡恶罵骂兇凶嚇吓騙骗詐诈銀银鈔钞匯汇筆笔貸贷虧亏賺赚傭佣' +
  '櫃柜臺台檯台撥拨鍵键鐘钟鐵铁錶表鎖锁壓压廠厂廣广慶庆產产風风鬧闹聲声響响嗎吗幾几遲迟運运達达遞递郵邮倉仓庫库揀拣質质' +
  '減减紅红綠绿藍蓝黃黄樓楼層层裡里裏里邊边灣湾島岛陸陆備备齊齐顯显無无誤误責责負负決决結结願愿屬属歲岁兒儿媽妈爺爷闆板' +
  '鄰邻燒烧災灾觸触斷断續续頻频長长馬马週周禮礼兩两萬万億亿塊块韓韩圓圆幣币舊旧繳缴納纳階阶復复搶抢裝装設设變变雜杂擔担' +
  '憂忧慮虑煩烦絕绝須须趕赶爛烂廢废誰谁憑凭敢敢試试夠够極极嚴严簡简竟竟瘋疯潰溃顧顾訴诉專专貼贴鬱郁悶闷們们擾扰議议補补' +
  '讓让辭辞職职級级組组織织傳传遠远勁劲陣阵聞闻輛辆環环節节紀纪錯错訪访談谈註注冊册帶带戲戏歡欢樂乐鬆松緒绪態态獲获' +
  '優优惠惠購购啟启閉闭嗎吗喚唤噓嘘癢痒膽胆勢势貴贵賴赖贊赞趙赵輕轻較较輸输辦办農农連连進进遊游適适選选邏逻鄉乡鎮镇' +
  '鏈链閃闪閱阅陳陈雙双雞鸡離离靈灵頁页順顺頓顿預预領领頸颈顆颗題题顏颜願愿類类飯饭飲饮餐餐館馆驗验鬥斗魚鱼鳥鸟麵面' +
  '嘆叹噸吨團团壇坛夢梦奪夺姊姊婦妇寧宁尋寻導导屆届峽峡巖岩帥帅幣币廳厅彈弹徑径';

const T2S = new Map<string, string>();
for (const [trad, simp] of (T2S_PAIRS.match(/../gu) ?? []).map((p) => [...p] as [string, string])) {
  if (trad !== simp) T2S.set(trad, simp);
}

/** Characters that only occur in traditional script: their presence marks zh-TW text. */
export function traditionalCount(text: string): number {
  let n = 0;
  for (const ch of text) if (T2S.has(ch)) n++;
  return n;
}

const SIMPLIFIED_ONLY = new Set([...T2S.values()]);
export function simplifiedCount(text: string): number {
  let n = 0;
  for (const ch of text) if (SIMPLIFIED_ONLY.has(ch) && !T2S.has(ch)) n++;
  return n;
}

export function toSimplified(text: string): string {
  let out = '';
  for (const ch of text) out += T2S.get(ch) ?? ch;
  return out;
}

/** NFKC folds full-width digits and letters (１２３, ＡＢＣ) into ASCII; then lower case and simplified script. */
export function normalize(text: string): string {
  return toSimplified(text.normalize('NFKC').toLowerCase()).replace(/\s+/g, ' ').trim();
}

const CJK = /\p{Script=Han}/u;
export function isCjk(ch: string): boolean {
  return CJK.test(ch);
}

export function countCjk(text: string): number {
  let n = 0;
  for (const ch of text) if (CJK.test(ch)) n++;
  return n;
}

export function countLatinLetters(text: string): number {
  return (text.match(/[a-z]/gi) ?? []).length;
}

/** Length as a customer would feel it: Han characters count one each, other text counts words. */
export function contentSize(text: string): number {
  const han = countCjk(text);
  const words = (text.replace(/\p{Script=Han}/gu, ' ').match(/[a-z0-9']+/gi) ?? []).length;
  return han + words;
}

const WORD_CHAR = /[a-z0-9]/;

/**
 * A fixed list of terms, found in one pass over a message: terms are indexed by their first character,
 * so a 30-character message costs 30 lookups instead of one scan per term. Latin terms must stand as
 * whole words; Han terms match anywhere.
 */
export class TermSet {
  private readonly byFirst = new Map<string, string[]>();
  constructor(terms: Iterable<string>) {
    for (const term of new Set(terms)) {
      if (!term) continue;
      const list = this.byFirst.get(term[0]!) ?? [];
      list.push(term);
      this.byFirst.set(term[0]!, list);
    }
  }

  /** Every term that occurs in `norm` (normalised text), with the position of its first occurrence. */
  find(norm: string): Map<string, number> {
    const found = new Map<string, number>();
    for (let i = 0; i < norm.length; i++) {
      const list = this.byFirst.get(norm[i]!);
      if (!list) continue;
      for (const term of list) {
        if (found.has(term) || !norm.startsWith(term, i)) continue;
        if (/^[\x00-\x7f]/.test(term)) {
          const before = i > 0 ? norm[i - 1]! : ' ';
          const after = norm[i + term.length] ?? ' ';
          if ((WORD_CHAR.test(term[0]!) && WORD_CHAR.test(before)) || (WORD_CHAR.test(term.at(-1)!) && WORD_CHAR.test(after))) continue;
        }
        found.set(term, i);
      }
    }
    return found;
  }
}
