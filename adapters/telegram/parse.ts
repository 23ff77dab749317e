import type { ChannelEvent, InboundMessage } from '../../engine/channels.ts';
import type { Locale } from '../../engine/packs/schema.ts';

export const TELEGRAM_CHANNEL = 'telegram';

/** What one Telegram Update means for the engine. */
export interface ParsedUpdate {
  messages: InboundMessage[];
  events: ChannelEvent[];
  /** A tapped inline button: answer it (webhook reply or answerCallbackQuery) so the client stops its spinner. */
  callbackQueryId?: string;
}

/** Telegram's `language_code` is an IETF tag chosen by the user's client; only the three we serve map. */
export function localeFromLanguageCode(code: unknown): Locale | undefined {
  if (typeof code !== 'string') return undefined;
  const c = code.toLowerCase().replace(/_/g, '-');
  if (c === 'zh-hans' || c.startsWith('zh-hans-') || c === 'zh-cn' || c === 'zh-sg') return 'zh-CN';
  if (c === 'zh-hant' || c.startsWith('zh-hant-') || c === 'zh-tw' || c === 'zh-hk' || c === 'zh-mo') return 'zh-TW';
  if (c === 'en' || c.startsWith('en-')) return 'en';
  return undefined;
}

const GREETING: Record<Locale, string> = { 'zh-CN': '你好', 'zh-TW': '您好', en: 'Hello' };

// Minimal shapes of the Bot API objects we read; everything else in an Update is ignored.
interface TgUser { id: number; is_bot?: boolean; language_code?: string }
interface TgChat { id: number; type: string }
interface TgButton { text: string; callback_data?: string }
interface TgMessage {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  reply_markup?: { inline_keyboard?: TgButton[][] };
}
interface TgCallbackQuery { id: string; from: TgUser; message?: TgMessage; data?: string }
interface TgChatMemberUpdated { chat: TgChat; from: TgUser; date: number; new_chat_member: { status: string } }
export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  callback_query?: TgCallbackQuery;
  my_chat_member?: TgChatMemberUpdated;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Checks the envelope of an Update (the parts we rely on); false means a malformed body. */
export function isUpdate(v: unknown): v is TgUpdate {
  if (!isObj(v) || !isInt(v.update_id)) return false;
  const m = v.message;
  if (m !== undefined && !(isObj(m) && isInt(m.date) && isObj(m.chat) && isInt(m.chat.id))) return false;
  const q = v.callback_query;
  if (q !== undefined && !(isObj(q) && typeof q.id === 'string' && isObj(q.from) && isInt(q.from.id))) return false;
  const c = v.my_chat_member;
  if (c !== undefined && !(isObj(c) && isObj(c.chat) && isInt(c.chat.id) && isInt(c.date) && isObj(c.new_chat_member))) return false;
  return true;
}

/**
 * Callback data for a quick reply (Telegram allows 1–64 bytes): the payload when it fits, else `#<n>`,
 * the option's number. Either way the tap comes back as the button's label, read from the keyboard.
 */
export function callbackData(payload: string, index: number): string {
  const bytes = Buffer.byteLength(payload, 'utf8');
  return bytes >= 1 && bytes <= 64 && !/^#\d+$/.test(payload) ? payload : `#${index + 1}`;
}

/** The text a tapped button stands for: its label from the keyboard it was on, else the payload or number. */
function tappedText(q: TgCallbackQuery): string | undefined {
  const data = q.data;
  if (typeof data !== 'string' || !data) return undefined;
  const rows = q.message?.reply_markup?.inline_keyboard;
  if (Array.isArray(rows)) {
    for (const row of rows) {
      if (!Array.isArray(row)) continue;
      const hit = row.find((b) => isObj(b) && b.callback_data === data && typeof b.text === 'string' && b.text.trim());
      if (hit) return hit.text;
    }
  }
  const n = /^#(\d+)$/.exec(data);
  return n ? n[1] : data;
}

/**
 * One Update → messages and events. Only private chats count (a complaint is not discussed in a group);
 * text messages and tapped buttons become messages, stickers/photos/edits are ignored, and the bot being
 * blocked or restarted (my_chat_member) becomes a blocked / opted_in event.
 */
export function parseUpdate(u: TgUpdate, now: Date): ParsedUpdate {
  const out: ParsedUpdate = { messages: [], events: [] };
  const messageId = String(u.update_id);
  const m = u.message;
  if (m && m.chat.type === 'private' && typeof m.text === 'string' && m.text.trim() && !m.from?.is_bot) {
    const localeHint = localeFromLanguageCode(m.from?.language_code);
    // Every Telegram conversation opens with "/start" (plus a deep-link payload, maybe): the bot would
    // not understand it, so it arrives as a greeting in the user's language.
    const text = /^\/start(?:@\w+)?(?:\s|$)/.test(m.text) ? GREETING[localeHint ?? 'zh-CN'] : m.text;
    out.messages.push({
      channel: TELEGRAM_CHANNEL,
      channelUserId: String(m.chat.id),
      text,
      messageId,
      timestamp: new Date(m.date * 1000).toISOString(),
      ...(localeHint ? { localeHint } : {}),
    });
  }
  const q = u.callback_query;
  if (q) {
    out.callbackQueryId = q.id;
    const chat = q.message?.chat;
    const text = tappedText(q);
    if (text && (!chat || chat.type === 'private')) {
      const localeHint = localeFromLanguageCode(q.from.language_code);
      out.messages.push({
        channel: TELEGRAM_CHANNEL,
        channelUserId: String(chat?.id ?? q.from.id),
        text,
        messageId,
        timestamp: now.toISOString(),
        ...(localeHint ? { localeHint } : {}),
      });
    }
  }
  const c = u.my_chat_member;
  if (c && c.chat.type === 'private') {
    const status = c.new_chat_member.status;
    const type = status === 'kicked' ? 'blocked' : status === 'member' ? 'opted_in' : undefined;
    if (type) out.events.push({ channelUserId: String(c.chat.id), type, at: new Date(c.date * 1000).toISOString() });
  }
  return out;
}
