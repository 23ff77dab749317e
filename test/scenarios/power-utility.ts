import type { Scenario } from './types.ts';

// Power utility (供电服务). Cases from seed 002 (电力投诉培训课件): the elderly customer refused cash at the
// counter (窗口不收现金), the typhoon outage with slow repair (延迟抢修), billing disputes and service
// attitude (常见类型), the 12398 regulator; and DOMAIN.md §3 (risk signals) and §5 (customer types).

const CASH = 'seed 002 案例分析：窗口不收现金 (elderly customer refused cash payment)';
const TYPHOON = 'seed 002 案例分析：延迟抢修 (typhoon damage, outage, repair crew late, group complaint)';
const BILL = 'seed 002 电力投诉常见类型：电费争议 (doubled bill) / DOMAIN.md §7 billing error';
const RUDE = 'seed 002 电力投诉常见类型：服务态度问题 (rude staff) / DOMAIN.md §7 service attitude';
const THREAT = 'seed 002 国家能源局12398 / DOMAIN.md §3 risk signals (regulator, media)';
const ANSWER = 'DOMAIN.md §5 rational customer who just wants an answer / seed 002 停电通知';

export const POWER_UTILITY: Scenario[] = [
  // ── zh-CN ────────────────────────────────────────────────────────────────────────────────────────
  {
    name: '老人去营业厅交电费被拒收现金，儿子来反映',
    source: CASH,
    pack: 'power-utility',
    locale: 'zh-CN',
    turns: [
      '我想反映个事。我父亲今年78岁，昨天上午去你们营业厅交电费，窗口说只能扫码支付，不收现金。老人不会用手机，最后没交成，白跑了一趟。',
      '希望营业厅能保留现金缴费，也给老人道个歉',
      '13805716622',
      '打我电话就行',
      '对，没错',
    ],
    expect: { ticket: { category: 'service_attitude', grade: 'ordinary' }, handoff: false, maxQuestions: 3 },
  },
  {
    name: '台风后停电十个小时，报修多次抢修没来，家里有老人很着急',
    source: TYPHOON,
    pack: 'power-utility',
    locale: 'zh-CN',
    turns: [
      '台风过后我们家就一直停电，到现在快十个小时了，打了好几次95598都说人员紧张，抢修的人到现在也没来。家里有老人，冰箱里的东西都快坏了，急死了！',
      '昨天夜里两点多停的',
      '户号3302118765',
      '13957112345',
      '发短信吧',
      '对的',
    ],
    expect: {
      ticket: { category: ['slow_restoration', 'repair_delay'], grade: 'urgent' },
      handoff: false,
      empathyFirst: true,
      maxQuestions: 4,
    },
  },
  {
    name: '台风把整个小区的配电房泡了，业主要联名打12398',
    source: TYPHOON,
    pack: 'power-utility',
    locale: 'zh-CN',
    turns: ['台风把我们小区的配电房泡了，整个小区几百户停电一整天了，抢修队影子都没见到，业主群里都炸了。今天再不来电，我们就联名打12398投诉！'],
    expect: {
      ticket: { category: ['slow_restoration', 'repair_delay', 'equipment_fault'], grade: 'major', signals: ['mass', 'regulator'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 0,
    },
  },
  {
    name: '这个月电费是上个月的两倍，怀疑抄错表',
    source: BILL,
    pack: 'power-utility',
    locale: 'zh-CN',
    turns: [
      '这个月电费怎么是上个月的两倍？家里就两个人住，也没添什么电器，是不是抄错表了？',
      '账单是前天收到的',
      '帮我重新核一下，多收的退给我',
      '户号是3302156789',
      '13712345678',
      '短信就行',
      '是的',
    ],
    expect: { ticket: { category: 'billing_error', grade: 'ordinary', details: { account_number: '3302156789' } }, handoff: false, maxQuestions: 5 },
  },
  {
    name: '抄表员不耐烦，一句“爱交不交”就走了',
    source: RUDE,
    pack: 'power-utility',
    locale: 'zh-CN',
    turns: [
      '我要投诉你们的抄表员。我问他这个月为什么是估抄，他很不耐烦，说“爱交不交”，然后就走了。',
      '上周四下午',
      '要他给我道歉，估抄的事也得说清楚',
      '13588990011',
      '在这里通知我就行',
      '确认',
    ],
    expect: { ticket: { category: 'service_attitude', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 4 },
  },
  {
    name: '只想知道计划停电提前多久通知',
    source: ANSWER,
    pack: 'power-utility',
    locale: 'zh-CN',
    turns: ['请问计划停电一般会提前多久通知？在哪能看到？', '好的，明白了，谢谢'],
    expect: { ticket: null, handoff: false, faqId: 'planned_outage_notice', maxQuestions: 0 },
  },
  {
    name: '电费多扣没人管，登记到一半说要打12398、找记者曝光',
    source: THREAT,
    pack: 'power-utility',
    locale: 'zh-CN',
    turns: ['我家电费又被多扣了两百多块钱', '上个月的账单', '把多扣的钱退给我', '你们到底退不退？再拖我就打12398，还要找记者曝光！'],
    expect: {
      ticket: { category: 'billing_error', grade: 'major', signals: ['regulator', 'media'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      upsetAt: 3,
      maxQuestions: 3,
    },
  },

  // ── zh-TW ────────────────────────────────────────────────────────────────────────────────────────
  {
    name: '颱風過後快一天沒電，報修好幾次都說人手不夠',
    source: TYPHOON,
    pack: 'power-utility',
    locale: 'zh-TW',
    turns: [
      '颱風過後我家到現在都沒電，已經快一天了，打去報修好幾次都說人手不夠，到底什麼時候才會來電？家裡還有長輩，真的很急。',
      '前天晚上十一點左右就停了',
      '戶號 3302187766',
      '0912345678',
      '傳簡訊給我',
      '對',
    ],
    expect: {
      ticket: { category: ['slow_restoration', 'repair_delay'], grade: 'urgent' },
      handoff: false,
      empathyFirst: true,
      maxQuestions: 4,
    },
  },
  {
    name: '這期電費帳單多了一倍，懷疑抄錯表',
    source: BILL,
    pack: 'power-utility',
    locale: 'zh-TW',
    turns: [
      '這期電費帳單比平常多了一倍，我家用電習慣都沒變，是不是抄錯表了？',
      '上禮拜收到帳單的',
      '請幫我重新核算，多收的退給我',
      '戶號是3302145678',
      '0987654321',
      '打電話給我',
      '沒錯',
    ],
    expect: { ticket: { category: 'billing_error', grade: 'ordinary' }, handoff: false, maxQuestions: 5 },
  },
  {
    name: '阿嬤去營業廳繳電費，櫃檯不收現金',
    source: CASH,
    pack: 'power-utility',
    locale: 'zh-TW',
    turns: [
      '我阿嬤上禮拜去營業廳繳電費，櫃檯說不收現金，只能用手機支付，她根本不會用，就這樣被請回家，我覺得很誇張。',
      '希望櫃檯保留現金繳費，也跟阿嬤道個歉',
      '0911222333',
      '打電話給我',
      '對，沒問題',
    ],
    expect: { ticket: { category: 'service_attitude', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 3 },
  },
  {
    name: '打去問停電，客服人員講沒兩句就掛電話',
    source: RUDE,
    pack: 'power-utility',
    locale: 'zh-TW',
    turns: ['你們的客服人員態度很差，我打去問停電的事，講沒兩句就被掛電話。', '昨天下午三點多', '希望那位客服跟我道歉', '0955666777', '在這裡通知就好', '正確'],
    expect: { ticket: { category: 'service_attitude', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 4 },
  },
  {
    name: '停電兩天沒人處理，要找記者爆料',
    source: THREAT,
    pack: 'power-utility',
    locale: 'zh-TW',
    turns: ['停電停了兩天都沒人處理，我要找記者爆料，讓大家看看你們的服務有多爛！'],
    expect: {
      ticket: { category: ['slow_restoration', 'repair_delay', 'outage_no_notice'], grade: 'major', signals: ['media'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 0,
    },
  },
  {
    name: '只想知道停電通知去哪裡看',
    source: ANSWER,
    pack: 'power-utility',
    locale: 'zh-TW',
    turns: ['請問停電通知要去哪裡看？'],
    expect: { ticket: null, handoff: false, faqId: 'planned_outage_notice', maxQuestions: 0 },
  },

  // ── en ───────────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'after the typhoon the entire street is still without power; an oxygen machine at home',
    source: TYPHOON,
    pack: 'power-utility',
    locale: 'en',
    turns: [
      'Since the typhoon on Sunday night the entire street has had no power. I have called 95598 three times and they keep saying the crews are busy. My mum relies on an oxygen machine, please hurry.',
    ],
    expect: {
      ticket: { category: ['slow_restoration', 'repair_delay'], grade: 'major', signals: ['mass'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 0,
    },
  },
  {
    name: 'the October bill is twice the usual amount; the meter was probably misread',
    source: BILL,
    pack: 'power-utility',
    locale: 'en',
    turns: [
      'My electricity bill for October is twice what it usually is. Nothing has changed at home, so I think the meter was misread.',
      'The bill came last Thursday',
      'Please recheck it and refund the difference',
      'It is 3302198765',
      '13698765432',
      'Text me',
      'Yes that is right',
    ],
    expect: { ticket: { category: 'billing_error', grade: 'ordinary', details: { account_number: '3302198765' } }, handoff: false, maxQuestions: 5 },
  },
  {
    name: 'the counter clerk rolled her eyes and sent the customer away',
    source: RUDE,
    pack: 'power-utility',
    locale: 'en',
    turns: [
      'I went to the service hall to change the account name and the woman at the counter rolled her eyes, said I was wasting her time and told me to come back another day.',
      'Yesterday around 4pm',
      'An apology, and I still need the name changed',
      '13611223344',
      'By phone please',
      'yes',
    ],
    expect: { ticket: { category: 'service_attitude', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 4 },
  },
  {
    name: 'an 80-year-old father was refused when paying his bill in cash',
    source: CASH,
    pack: 'power-utility',
    locale: 'en',
    turns: [
      'My 80-year-old father tried to pay his electricity bill in cash at your service hall yesterday and they refused, saying it is mobile payment only. He does not have a smartphone. That is not acceptable.',
      'Let older people pay in cash, and an apology to my dad',
      '+86 139 5711 2233',
      'call me',
      'correct',
    ],
    expect: { ticket: { category: 'service_attitude', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 3 },
  },
  {
    name: 'just wants to know how to get the meter tested',
    source: ANSWER,
    pack: 'power-utility',
    locale: 'en',
    turns: ['How do I get my meter tested?'],
    expect: { ticket: null, handoff: false, faqId: 'meter_check', maxQuestions: 0 },
  },
  {
    name: 'asks for a real person straight away',
    source: 'DOMAIN.md §4 first-contact ownership / README: asking for a person hands the chat to the human queue',
    pack: 'power-utility',
    locale: 'en',
    turns: ['I just want to speak to a real person please'],
    expect: { ticket: null, handoff: true, handoffReason: 'requested', maxQuestions: 0 },
  },
];
