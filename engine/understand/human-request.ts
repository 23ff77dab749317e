// Does the customer ask for a person? Customers ask in endless ways ("rep pls", "have someone from billing
// ring me", "can a colleague take over", "找你们值班经理", "让理赔部门的专员联系我"), but the asking has
// a shape: someone who is not the bot (a person, a role, a team), and a frame that asks for them (put me
// through to…, …call me back, I need…, 跟…谈, 让…联系我). So people and frames are listed separately and
// combined, instead of listing whole phrases, which only ever covered the phrasings someone thought of.
// Mentions are not requests: "your agent was rude", "I spoke to someone last week", "上次那个客服说…".

/** Misspellings people type for the words that matter, folded before matching ("represenative", "conect"). */
const TYPO_TARGETS = ['representative', 'representatives', 'human', 'someone', 'somebody', 'supervisor', 'operator', 'person', 'agent',
  'connect', 'customer', 'service', 'transfer', 'manager'];
/** Text-speak and short forms for the same: "sum1", "some one", "w/", "tlk". */
const SHORTHAND: Array<[RegExp, string]> = [
  [/\bw\/ ?/g, 'with '], [/\btlk\b/g, 'talk'], [/\bspe?k\b/g, 'speak'], [/\bbeeing\b/g, 'being'],
  [/\b(?:sum1|some1|som1|some one|sum one)\b/g, 'someone'], [/\bany1\b/g, 'anyone'], [/\bppl\b/g, 'people'],
];

/** Edits (insert, delete, change, or swap of neighbours: "huamn") from `a` to `b`, at most `max`. */
function editDistanceAtMost(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = d;
    }
    if (Math.min(...row) > max) return false;
    before = prev;
    prev = row;
  }
  return prev[b.length]! <= max;
}

/** Typo targets by their first two letters: a slip rarely hits the first two, and most words are ruled out at once. */
const TARGETS_BY_START = new Map<string, string[]>();
for (const t of TYPO_TARGETS) TARGETS_BY_START.set(t.slice(0, 2), [...(TARGETS_BY_START.get(t.slice(0, 2)) ?? []), t]);

/** Words already mended: the same few thousand words come back in message after message. */
const mended = new Map<string, string>();
const MENDED_KEPT = 10_000;

/** A word as the patterns expect it: stretched letters squeezed ("humaaan"), near-misses of key nouns mended. */
function mend(word: string): string {
  let out = mended.get(word);
  if (out === undefined) {
    if (mended.size >= MENDED_KEPT) mended.clear();
    mended.set(word, (out = mendAfresh(word)));
  }
  return out;
}

function mendAfresh(word: string): string {
  const squeezed = /([a-z])\1\1/.test(word) ? word.replace(/([a-z])\1{2,}/g, '$1') : word;
  if (squeezed.length < 4) return squeezed;
  const targets = TARGETS_BY_START.get(squeezed.slice(0, 2));
  if (!targets) return squeezed;
  for (const target of targets) {
    if (squeezed === target) return squeezed;
    if (editDistanceAtMost(squeezed, target, target.length >= 9 ? 2 : 1)) return target;
  }
  return squeezed;
}

// Someone who is not the bot: a role, perhaps with a word before it ("complaints manager", "live chat agent"),
// or a named team. "someone"/"anyone" count only in a frame that asks for them.
const HEAD = String.raw`(?:human beings?|humans?|persons?|people|agents?|operators?|representatives?|reps?|supervisors?|managers?|boss|advis[eo]rs?|specialists?|technicians?|consultants?|officers?|clerks?|tellers?|workers?|caseworkers?|case workers?|executives?|attendants?|underwriters?|bankers?|brokers?|pharmacists?|realtors?|counsell?ors?|adjusters?|assessors?|live (?:support|help)|staff members?|members? of staff|staff|colleagues?|employees?|concierge|front desk|receptionists?|reception|team|department|dept|desk|customer (?:service|support|care)|tech(?:nical)? support)`;
// A word before the role that is part of its name, not of the sentence around it.
const MODIFIER = String.raw`(?:(?!(?:me|us|you|to|with|the|a|an|your|my|this|that|for|of|and|or|is|are|was|be|i|it|please|pls|need|want|get|put|from|in|on|at|by|any|some|one|speak|talk|chat|call|connect|transfer|human|real|live|what|who|how|no|not|more|most|few|many|much|extra|additional|only|just|little|small|big|old|young|other|two|three|four|five|six|seven|eight|nine|ten|several)\b)[a-z]+ )`;
const ROLE = String.raw`(?:someone|somebody|anyone|anybody|(?:${MODIFIER}{0,2}${HEAD})(?: (?:reps?|agents?|team|person|staff|representatives?|officers?|department))?)`;
const DET = String.raw`(?:(?:a|an|the|your|some|one of your|one of the|another|other|any|a member of|member of|someone from|somebody from|anyone from|someone in|someone at|someone on) )*`;
const QUALITY = String.raw`(?:(?:real|actual|live|proper|human|senior|qualified|knowledgeable|competent|next available|available) )*`;

// Parts of a business one is put through to ("transfer me to room service"): only after a verb of talking or
// being put through, since "I want room service" orders a service.
const UNIT = String.raw`(?:the |your )?(?:restaurant|room service|spa|pool|housekeeping|kitchen|bar|billing|accounts|collections|sales|lost and found|lost luggage|baggage|claims|complaints|fraud|disputes|returns|live chat)\b`;
const PERSON = `${DET}${QUALITY}${ROLE}\\b`;
// "one of your assessors": whatever they are called, one of the company's people.
const PERSON_RE = new RegExp(`\\bone of (?:your|the) [a-z]+s\\b|\\b${PERSON}`, 'g');

// Frames that ask, on text where every person is already marked "§" (see `marked`).
const ASKING = String.raw`(?:have|get|can|could|would|will you|please|pls|plz|kindly|need|needs|want|let|arrange|ask|make|i'd like|i would like)`;
const FRAMES_EN = new RegExp(
  [
    // talk to, speak with, go over it with, talk this through with …
    String.raw`\b(?:speak|talk|chat|discuss|go over|sort (?:it|this|that) out|deal|explain)(?:ing)?\b[^.?!§]{0,30}\b(?:to|with)\b[^.?!§]{0,8}§`,
    String.raw`\b(?:speak|talk|chat|put|transfer|connect|switch)\w*(?: (?:me|us))?(?: (?:through|over))? (?:to|with) ${UNIT}`,
    // put me through to, transfer this conversation to, pass me on to, escalate to …
    String.raw`\b(?:put|transfer|connect|pass|hand|switch|forward|route|patch|redirect)\w*(?: (?:me|us|him|her|them|this|it|my \w+|the \w+|this \w+))?(?: (?:through|over|on|back))?(?: (?:to|with|on to))? §`,
    String.raw`\b(?:put|transfer|connect|patch|switch) (?:me|us)\b(?! on hold)|\b(?:be|get|being|getting) (?:transferred|connected|put through)\b`,
    String.raw`(?:^|\b(?:please|pls|can you|could you|want to|like to|need to) )escalate\b|\bescalate (?:this|it|my|the|me)\b|\b(?:be|get|been|being) escalated\b|\bescalat\w* to §|\breach\b[^.?!§]{0,12}§`,
    // be contacted by the relations team; schedule a call with a consultant; complain to a supervisor; a real one
    String.raw`\b(?:contacted|called|phoned|rung|called back) by (?:§|${UNIT})`,
    String.raw`\b(?:schedule|book|arrange|set up|have) a (?:call|chat|phone call|video call) with §`,
    String.raw`\b(?:file|make|lodge|raise) (?:a |my )?complaint (?:to|with) §|\bcomplain to §`,
    String.raw`\b(?:a |an )?(?:real|live|human|actual) one\b|§ (?:needed|required|wanted)\b|§[^.?!§]{0,12}\b(?:working|on duty|on shift|in today)\b`,
    String.raw`\bget (?:me |us )?(?:through to |hold of |in touch with )?§`,
    String.raw`\b(?:in touch|touch base|contact) with §`,
    String.raw`\bwhere(?:'s|s| is| are)? (?:the |a |your |my )?§`,
    // "Agent please, the app keeps crashing": the person, then please, at the start of a clause.
    String.raw`^§ ?(?:please|pls|plz|now|asap|if)\b`,
    // have someone call me; could a staff member phone me back; can somebody ring him
    String.raw`(?:\b${ASKING}\b[^.?!§]{0,20}(?:§|${UNIT})[^.?!]{0,30}|§[^.?!§]{0,20}\b(?:can|could|should|needs? to|must|has to|please)\b[^.?!§]{0,12})\b(?:(?:call|ring|phone|contact|email|text|get back to|reach out to|follow up with|reach)(?: to)? (?:me|us|him|her|them|my \w+)|give (?:me|us|him|her) a (?:call|ring|bell)|get in touch|take over|step in|go over|talk (?:it|this) through|discuss|explain|(?:look (?:at|into)|review) (?:this|it|my)|handle (?:this|it)|help me personally)\b`,
    String.raw`^§[^.?!§]{0,8}\b(?:call|ring|phone|contact) (?:me|us)\b`,
    String.raw`\b(?:want|need|like|request|arrange|get me|have|can i (?:have|get)|could i (?:have|get)) (?:a |an )?(?:call|callback|call back|phone call|ring) from §`,
    // I need / want / would like / prefer a person (to talk to, not to fix the boiler)
    String.raw`\b(?:want|need|like|prefer|rather|request|requesting|ask(?:ing)? for|give me|let me have|looking for|find me|wait(?:ing)? for|hold(?:ing)? for)\b[^.?!§]{0,15}§(?! (?:visit|appointment|to (?:fix|repair|come|visit|install|replace|clean|bring|deliver|send|pick|collect|move|carry|read|inspect|check|service|test|measure)\b))`,
    // Can I call someone? Who do I talk to? Is there a person I can …? Anyone from support online?
    String.raw`\b(?:can|could|may|let) (?:i|we|me) (?:please )?(?:call|ring|phone|speak|talk|chat)\b[^.?!]{0,20}§`,
    String.raw`\bwho (?:can|could|do|should|would) (?:i|we) (?:actually )?(?:speak|talk|chat|call|contact|get in touch with)\b`,
    String.raw`\bwho(?:'s| is) in charge\b|\bput (?:them|him|her) on\b|\bwhoever (?:handles|deals|is in charge)\b|\bhave a word with §`,
    String.raw`\bis (?:there )?§[^.?!]{0,20}\b(?:i|we) can (?:speak|talk|chat|call)\b|\bis there §[^.?!]{0,20}\bwho\b`,
    String.raw`(?:^|\b(?:is|are) (?:there )?)§[^.?!§]{0,25}\b(?:there|around|available|real|online|on the line)\b`,
    String.raw`§ real\b`,
    // A callback asked for in so many words.
    String.raw`\b${ASKING}\b[^.?!]{0,20}\b(?:call ?back|callback|ring ?back)\b|\bcall (?:me|us) back\b`,
    // (but not a bare "call me please": that is how a customer answers "how shall we reach you?")
    // Done with the bot.
    String.raw`\b(?:not|stop|sick of|tired of|fed up with|done (?:[a-z]+ing )?(?:to|with)|don't want|do not want|dont want|don't wanna|dont wanna|rather not|instead of|not comfortable|enough of)\b[^.?!]{0,30}\b(?:bot|bots|robot|machine|automated|virtual agent|ai|chatbot|algorithm|computer)s?\b`,
    String.raw`\bwith a machine\b|\bsomeone else on the line\b|\bnot an? (?:bot|robot|machine|algorithm|ai)\b`,
  ].join('|'),
);
// Declining a person, asking whether one is needed, or telling of one: "no need for an agent", "do I have to
// speak to anyone", "I had a chat with one of your advisers on Tuesday", "clicked 'talk to agent' by mistake".
const DECLINE_EN = new RegExp(
  [
    String.raw`\b(?:don't|do not|dont|no need|not necessary|doesn't need|does not need|never mind|no longer|without|rather not|no thanks|stop asking|not interested in)\b[^.?!]{0,25}(?:§|transfer|human|call ?back|callback|call me|a call)`,
    String.raw`\bno §`,
    // Booking to see someone, or a visit, is not a chat with them: "see a specialist", "can a technician come".
    String.raw`\b(?:see|visit|book|appointment with) (?:a |an |the )?§|§ (?:come|come out|visit|pop round|drop by)\b`,
    String.raw`\b(?:available|open) (?:on|at|during|in|over) (?:the )?(?:weekend|weekends|sundays?|saturdays?|holidays?|evenings?|nights?)\b`,
    String.raw`\b(?:do|does|will|would) (?:i|we) (?:have|need) to (?:speak|talk|call|go through)\b`,
    String.raw`\b(?:fine|happy|ok|okay) (?:with|using) (?:the |you|this )?(?:bot|chat|you)\b`,
    String.raw`\b(?:i'm|i am|im|prove i'm|prove i am|prove that i'm) (?:not )?(?:a )?(?:robot|bot|§)`,
    String.raw`\b(?:by mistake|accidentally|by accident|misclicked|clicked|pressed|tapped)\b`,
    String.raw`\b(?:had|have had) a\b[^.?!]{0,12}\b(?:chat|talk|call|conversation)\b`,
    String.raw`\b(?:yesterday|last (?:week|month|time|night|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|earlier today|ago)\b`,
    String.raw`\bif (?:i|we) need\b|\b(?:ask for|get|talk to|speak to|speak with) §\s*later\b`,
    // Asking about the line, its hours, or whether this is a bot: "what number do I call", "is this a human?"
    String.raw`\bwhat (?:number|phone number|hours|time)\b|\bwhen (?:are|is) [^.?!]{0,30}\bavailable\b|\b(?:am i (?:talking|chatting|speaking) (?:to|with) |is this (?:a |an )?(?:chat with )?|are you (?:a |an )?)(?:§|bot\b|robot\b|automated\b|real\b|human\b|machine\b)`,
  ].join('|'),
);
// Little else around the person: "agent pls", "customer service rep please", "operator!!".
const FILLER = /\b(?:please|pls|plz|now|asap|thanks|thank you|hi|hello|hey|ok|just|i want|i need|can i get|can i have|give me|get me|talk to|speak to|to|u|rn)\b/g;

/** What every person PERSON_RE finds contains: a cheap test that most messages fail, so they skip the costly one. */
const PERSON_HINT = new RegExp(`\\bone of (?:your|the) |\\b(?:someone|somebody|anyone|anybody|${HEAD})`);

function marked(words: string): string {
  return PERSON_HINT.test(words) ? words.replace(PERSON_RE, '§') : words;
}

/** Words that can start a mended word (see TARGETS_BY_START): only these are looked at. */
const MENDABLE = new RegExp(String.raw`\b(?:${[...TARGETS_BY_START.keys()].join('|')})[a-z]{2,}`, 'g');
/** Frames that need no person: a callback, an escalation, the bot, who to talk to, a part of the business. */
const NO_PERSON_HINT = new RegExp(String.raw`\b(?:real|live|human|actual) one\b|whoever|in charge|call|ring|bot|robot|machine|\bai\b|algorithm|computer|automated|escalat|transfer|connect|\bput\b|patch|switch|\bwho\b|${UNIT}`);

function englishAsks(norm: string): boolean {
  if (!/[a-z]/.test(norm)) return false;
  let mended = norm.replace(MENDABLE, mend);
  if (/sum1|some1|som1|some one|sum one|any1|ppl|w\/|tlk|spe?k|beeing/.test(mended)) for (const [pattern, word] of SHORTHAND) mended = mended.replace(pattern, word);
  const m = marked(mended);
  const person = m.includes('§');
  if (!person && !NO_PERSON_HINT.test(m)) return false;
  // Without a person, some frame must be there somewhere before clauses are looked at one by one.
  if (!person && !FRAMES_EN.test(m)) return false;
  // "live agent? nah, just tell me …": asked, then taken back at once.
  if (/§[^.?!]{0,10}\?\s*(?:nah|nope|no|never ?mind)\b/.test(m)) return false;
  // Each clause on its own: a decline in one ("no, I don't want to make a transfer") does not cancel a request
  // in another ("… please let me speak with someone else").
  for (const sentence of m.split(/(?<=[.?!;,])\s*|\n|\s(?=but |please let me )/)) {
    const clause = sentence.trim();
    const bare = clause.replace(FILLER, ' ').replace(/[^a-z§]+/g, ' ').trim();
    // Not "just one person" or "two little humans": that counts guests.
    const alone = /^(?:§ ?)+$/.test(bare) && !/\b(?:someone|anyone|anybody|somebody|team|department|one|two|three|four|five|\d+)\b/.test(clause);
    if ((alone || FRAMES_EN.test(clause)) && !DECLINE_EN.test(clause)) return true;
  }
  return false;
}

// Chinese: the person (人工, 客服, 专员, 经理, 某某部门的同事, 负责的人 …) and a frame around it.
// Heads of an office (所长, 行长), not "长期" or "长度".
const CHIEF_ZH = String.raw`(?:所|站|行|科|处|局|厂|院|队|班|值班|网点|分行|支行)长(?![期久度远达大])`;
const ROLE_ZH = String.raw`(?:人工客服|人工服务|人工|真人客服|真人|活人|客服人员|客服代表|客服小姐姐|客服小哥|客服小二|小二|客服|工作人员|负责人|接线员|话务员|坐席|座席|同志|${CHIEF_ZH}|[\u4e00-\u9fff]{2}人员|[\u4e00-\u9fff]{0,3}专员|专人|[\u4e00-\u9fff]{0,3}经理|领导|[\u4e00-\u9fff]{0,2}主管|店长|老板|上级|上司|同事|前台|[\u4e00-\u9fff]{0,3}工程师|技术员|[\u4e00-\u9fff]{0,2}干事|管家|柜台人员|柜员|行员|门市人员|门店人员|业务员|营业员|技术人员|技术支持(?:的人)?|(?:懂行|负责|管事|能做主|说了算|专业|话事)(?:的|嘅)(?:人|业务)|话事人|(?:理赔|承办|业务|营业|办事|服务|职|行|柜|接线|调度|销售|售后)(?:人)?员|[\u4e00-\u9fff]{0,2}顾问|经纪人?|房仲|药剂师|药师|护士|医生|理专|人类|[\u4e00-\u9fff]{0,4}(?:专席|组|主任|助理)|[\u4e00-\u9fff]{1,6}(?:部门|部|专线)的?(?:人|同事|工作人员|专员|人员)?|[\u4e00-\u9fff]{1,6}中心的?(?:人|同事|工作人员|专员|人员)|[\u4e00-\u9fff]{1,4}(?:那边)?的(?:那个|那位)?(?:人|工作人员|同事))`;
const FRAMES_ZH = new RegExp(
  [
    String.raw`要求(?:转)?(?:人工|真人)|转人工|接人工|找人工|要人工|等人工|等真人|等客服|有人工了|有没有人工|有没有真人|人工(?:客服)?(?:呢|有吗|在吗)|在线人工|真人|活人|换人(?!了)|换个人(?!了)|来个人|叫人来|让人来|叫个人|找个人|跟人说|和人说|跟人谈|(?:得|要|需要|让)(?:真)?人来(?:看|处理|跟)`,
    // 找/叫/转接/接通/请/让 … someone (not 叫我/让我: "they told me to …"); 要 only right before the person
    // ("要你们经理", "想跟客服核对"), as "短信说要加客服微信" wants no one
    String.raw`要(?!求)(?:你们|您们|贵司)?(?:一个|个|一位|位)?(?:的)?${ROLE_ZH}|(?:要|想|需要|希望)(?:直接)?(?:跟|和|同|与)(?:你们|贵司)?(?:的)?${ROLE_ZH}|(?:找|对接|搵|揾|转(?!运|账|发|交|移|卖|让)|转介|转驳|约(?:一下)?|预约|转接|接通|接一下|叫(?!我)|联系|联络|帮我联系|换|安排|帮我转|帮我接|转给|转到|给我接|给我转|投诉到|投诉给|让(?!我)|请(?!问|假|客)|派)[^，。！？,.!?]{0,8}?${ROLE_ZH}`,
    // someone … 联系我 / 打给我 / 跟我说 / 接手
    String.raw`${ROLE_ZH}[^，。！？,.!?]{0,10}?(?:联系我|联络我|打给我|打俾我|打畀我|打电话给我|给我打(?:个)?电话|给我打过来|给我回|回电|回个电话|来电话|(?:电话|联系方式|手机号)给我|接手|打给我|(?:跟|同|与)我(?:电话)?(?:说|谈|聊|倾|讲|联系|联络|通话|解释|沟通|说明)|和我(?:电话)?(?:说|谈|聊|联系|联络|沟通|说明)|来(?:处理|跟我|和我)|出来|来吧|介入|出面|跟进)`,
    // 负责人呢？ 经理在哪？
    String.raw`^(?:你们|你哋)?[\u4e00-\u9fff]{0,4}?(?:的|嘅)?${ROLE_ZH}(?:呢|在哪|在不在|在吗|出来|喺边|喺边度)`,
    // 还是人工吧; 我要找人; 把我转过去; 转业务
    String.raw`还是(?:转)?(?:人工|真人)|(?:我要|我想|要|想|我)找(?:个)?人(?!工作|家|修|帮)|把我转(?:过去|接)|转(?:给|到)?业务|[搵揾]人`,
    // 跟/和 someone 谈 (not 谈过/说了: that is an account of the past)
    String.raw`(?:跟|和|同|与)(?:你们|你哋|贵司)?[\u4e00-\u9fff]{0,4}?的?${ROLE_ZH}(?:直接|电话|当面)?(?:谈|说|聊|倾|通话|通电话|沟通|讲|反映|反应|商量|协商|理论|对话)(?!过|了|完)`,
    // 跟专管我们这片的客户经理约个时间谈一下
    String.raw`(?:跟|和|同|与)[^，。！？,.!?]{5,10}?${ROLE_ZH}[^，。！？,.!?]{0,6}?(?:谈|聊|沟通|面谈|反映|反应|商量|协商)(?!过|了|完)`,
    // 请找一个人跟我说话; 给我一个人类
    String.raw`(?:一个|个)(?:真)?人(?:来)?(?:跟|和)我(?:说|聊|谈|讲)|给我(?:一个|个)(?:人|真人|人类)`,
    // 找谁说? 跟谁讲?
    String.raw`(?:找|跟|和|问)谁(?:说|讲|谈|联系|反映|处理)?`,
    // 有没有人能打电话, 希望有人能联系我
    String.raw`有(?:没有|冇)?(?:个)?人(?:能|可以|来)(?:打电话|联系|回电|给我打|接电话|接听|听我说|跟我说|和我说|处理|打返俾我|打俾我|打畀我)`,
    // 有冇人工; 有没有负责停车位的人; 有没有能做主的
    String.raw`有(?:没有|冇)[^，。！？,.!?]{0,8}?${ROLE_ZH}|有(?:没有|冇)?(?:个)?(?:能|可以)(?:做主|做决定|拍板|说了算|管事)的`,
    // 把你们店长叫来; 把电话给你们上级 (but not "管家电话多少": a number to note down)
    String.raw`把[^，。！？,.!?]{0,8}?${ROLE_ZH}(?:叫|喊|找|请)(?:过)?来|(?:电话|手机)(?:交)?给(?:你们)?[^，。！？,.!?]{0,4}?${ROLE_ZH}`,
    // 让人给我回个电话; 叫个懂的来; 搵个识嘢嘅人; 给我接人
    String.raw`让(?:个)?人(?:给我)?(?:回(?:个)?电话|打(?:个)?电话|联系我|来处理)|(?:叫|找|来)个(?:懂的|懂行的|明白人|能做主的|管事的|识嘢嘅)|[搵揾](?:个)?[^，。！？,.!?]{0,4}?(?:嘅|的)人|(?:给我|帮我)接(?:个)?(?:人|真人)(?!家|员)`,
    String.raw`打电话给我[^。！？!?]{0,8}(?:人|说|谈)`,
    String.raw`转(?:个)?(?:真)?人(?:啦|吧|呀|啊|喇|la|先|$)|(?:安排|派|找)(?:个|一个|一位|专)?人(?:给我)?(?:回(?:个)?电话|打(?:个)?电话|联系我|来接|接电话|跟我说|和我说)|让(?:个)?人来接`,
    String.raw`(?:转接|转到|转给|接通|转去|接去)(?:一下)?(?:你们|贵司)?(?:的)?(?:销售|售后|理赔|财务|技术|投诉|客服|营业厅|柜台|业务|总台|总机)|(?:帮我|把我|给我)转(?:过去|接过去)(?![^，。！？]{0,6}(?:钱|款|账))`,
    String.raw`(?:不想|不要|别|不跟|不和)(?:再)?(?:跟|和)?(?:机器人|机器|ai|智能客服|机器客服|自动回复)`,
    String.raw`机器人(?:听不懂|没用)`,
  ].join('|'),
);
// Every frame above holds one of these (a character of each title in ROLE_ZH, 人, 客, 谁, 转, 打, 做主 and the
// like, or the bot):
// most clauses have none and skip FRAMES_ZH, the costliest pattern here. A frame added above needs its character here.
const FRAME_ZH_HINT = /[人客员理导管长板事台支务问纪仲师士医专席组任部线心谁转打机智自级司主决拍算懂识志二]|ai/;
// The person alone, perhaps repeated or with a particle: "人工客服", "人工人工人工", "客服！".
const ALONE_ZH = /^(?:人工客服|人工服务|人工|真人客服|真人|客服|客服代表|接线员|话务员|坐席|座席|经理|领导|主管|负责人|转人工)+(?:啊|吧|呢|呀|谢谢|麻烦了|快点|在吗|有吗)*$/;
// Declining, asking about it, recalling one, or asking for a repair visit: "不用转人工了", "客服电话是几号",
// "上周跟客服说过", "点错了点到转人工", "让工程部的人来修一下".
const DECLINE_ZH = new RegExp(
  [
    String.raw`(?:不用|不需要|不要|别|无需|没必要|没打算|不打算|不是要|唔使|唔驶|唔洗)(?:麻烦)?(?:帮我|给我|再)?(?:转|找|接|搵|揾)?(?:人工|真人|转接|人|客服|专人|专员)`,
    // Is one needed? Am I talking to one? "需要找人工才能注销吗", "你是机器人还是真人"
    String.raw`(?:需要|要|必须|得)(?:找|转|通过)?(?:人工|真人)?(?:客服)?才能|是(?:机器人|机器|真人)还是|(?:是不是|是否)(?:机器人|真人)|以为(?:你|您)?(?:是)?(?:真人|人工|机器人)`,
    // 过户需要找客户经理吗; 是不是得去柜台找工作人员; 呢个要唔要搵人工先搞到; 打给客服还是app上就行
    // (需要/得/必须, not 要: "我想要转人工可以吗" asks for one)
    String.raw`(?:需要|得|必须)(?:去)?(?:找|联系|打给|转)[^，。]{0,10}(?:吗|么|嘛)$|(?:要唔要|使唔使|需唔需要|需不需要|是不是得|是不是要|是不是需要|是否需要|是否要)[^，。]{0,12}(?:人工|真人|客服|工作人员|经理|专员|柜台)|还是[^，。]{0,10}就(?:行|可以)`,
    String.raw`(?:人工|真人)?客服(?:的)?(?:服务)?(?:几点|什么时候|时间|上班|下班|电话|号码|热线|专线)`,
    String.raw`(?:上次|之前|那个|刚才|刚刚)(?:那个|的)?[\u4e00-\u9fff]{0,4}(?:客服|专员|经理|工作人员)`,
    String.raw`(?:上周|上次|昨天|之前|前几天|刚才|刚刚|上礼拜|上个月|前天)[^，。]{0,10}(?:跟|和|找|转|打)`,
    String.raw`不想等|(?:别|不要|别再|不要再)让`,
    String.raw`点错|按错|点到|按到|不小心|误点|误按|转过(?!去)|找过|打过`,
    String.raw`维修|修理|抢修|检修|到府|上门|来修|修一下|安装|打扫|清洁|师傅|派[^，。]{0,6}(?:工程师|技术员|技术人员)`,
    // 不用让经理联系我了; 我不想跟人说话; 刚跟真人客服聊完; 已经有专员在跟进了; 是你们客服打给我的吗; 加客服微信
    String.raw`(?:不用|不需要|不必|没必要|无需|不要)[^，。]{0,4}?(?:让|叫|请|安排)|(?:不想|不要|不用|不需要|不愿意|不必)(?:再)?(?:跟|和|同|与)(?:真)?人`,
    String.raw`(?:聊|说|谈|沟通|讲|通话)完|已经(?:有)?[^，。]{0,6}在(?:跟进|处理|联系|跟)|是[^，。]{0,8}(?:打给我|联系我|给我打(?:的)?电话)的|加[^，。]{0,6}微信`,
    String.raw`道歉|赔礼`,
  ].join('|'),
);
// Slips of the pinyin keyboard: 人公 for 人工, 砖人工 for 转人工.
const ZH_SLIPS: Array<[RegExp, string]> = [
  [/人[公宫攻]/g, '人工'], [/[砖专赚装]人工/g, '转人工'], [/领到/g, '领导'], [/负则人/g, '负责人'], [/\b(?:zhuan ?)?ren ?gong\b/g, '转人工'],
  [/仁工/g, '人工'], [/转 ?rg\b/g, '转人工'], [/ren ?工|人 ?gong/g, '人工'], [/ㄉ/g, '的'], [/木有/g, '没有'],
  // Words that contain a person without asking for one: 真人秀 is a show, 人工费 a labour charge.
  [/真人秀/g, '节目'], [/人工(?:费|成本)/g, '费用'], [/人工智能/g, '机器人'],
];
/** Any slip at all: one pass that most messages fail, instead of one per slip. */
const ANY_ZH_SLIP = new RegExp(ZH_SLIPS.map(([pattern]) => pattern.source).join('|'));
const mendZh = (text: string) => (ANY_ZH_SLIP.test(text) ? ZH_SLIPS.reduce((t, [pattern, word]) => t.replace(pattern, word), text) : text);

function chineseAsks(norm: string): boolean {
  const text = mendZh(norm);
  // "转人工？不用了": asked, then taken back at once.
  if (/(?:人工|真人)[？?]\s*(?:不用|不需要|算了|唔使)/.test(text)) return false;
  for (const clause of text.split(/[。！？!?；;，,\n]/)) {
    // Emoji, punctuation and spaces aside: "😡😡😡人工！！！" is the person alone.
    const bare = clause.replace(/[^\p{L}\p{N}]+/gu, '');
    if ((ALONE_ZH.test(bare) || (FRAME_ZH_HINT.test(clause) && FRAMES_ZH.test(clause))) && !DECLINE_ZH.test(clause)) return true;
  }
  return false;
}

/** True when the message (normalised) asks to be put through to a person. */
export function asksForHuman(norm: string): boolean {
  return englishAsks(norm) || ((/[\u4e00-\u9fff]/.test(norm) || /\b(?:zhuan ?)?ren ?gong\b/.test(norm)) && chineseAsks(norm));
}
