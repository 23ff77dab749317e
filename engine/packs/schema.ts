import { z } from 'zod';

// Locales every customer-facing string may be written in. A pack lists the subset it serves.
export const LOCALES = ['zh-CN', 'zh-TW', 'en'] as const;
export const Locale = z.enum(LOCALES);
export type Locale = z.infer<typeof Locale>;

export const GRADES = ['ordinary', 'urgent', 'major'] as const;
export const Grade = z.enum(GRADES);
export type Grade = z.infer<typeof Grade>;

const nonEmpty = z.string().trim().min(1);

/** Text per locale. Packs must give every locale they list; checked after parsing. */
export const Localized = z.partialRecord(Locale, nonEmpty);
export type Localized = z.infer<typeof Localized>;
export const LocalizedList = z.partialRecord(Locale, z.array(nonEmpty));

/** Calendar time (`hours`, `minutes`) or business time (`workingDays`) measured on the pack's calendar. */
export const Duration = z
  .object({
    minutes: z.number().int().positive().optional(),
    hours: z.number().positive().optional(),
    workingDays: z.number().int().positive().optional(),
  })
  .strict()
  .refine((d) => [d.minutes, d.hours, d.workingDays].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of minutes, hours, workingDays',
  });
export type Duration = z.infer<typeof Duration>;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

export const GradeRule = z
  .object({
    label: Localized,
    respondWithin: Duration,
    resolveWithin: Duration,
    /** What "resolve" means for this grade, e.g. for major: an initial plan, not the final fix. */
    resolveMeans: Localized.optional(),
    owner: nonEmpty,
  })
  .strict();

export const DetailKind = z
  .object({
    label: Localized,
    /** JavaScript regular expression (source, no slashes) that a valid value matches in full. */
    pattern: nonEmpty,
    /** Words that, just before a number, say the number is this detail (户号, meter number). */
    cues: LocalizedList,
    ask: Localized,
  })
  .strict();

export const Category = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower_snake_case id'),
    group: z.string().regex(/^[a-z][a-z0-9_]*$/).optional(),
    label: Localized,
    grade: Grade,
    /** Details (keys of `details`) the intake must collect for this category. */
    asks: z.array(nonEmpty).default([]),
    keywords: LocalizedList,
    examples: LocalizedList,
    compensation: Localized.optional(),
  })
  .strict();
export type Category = z.infer<typeof Category>;

export const RiskSignal = z.enum(['media', 'legal', 'regulator', 'safety', 'mass', 'repeat', 'other']);
export type RiskSignal = z.infer<typeof RiskSignal>;

export const FaqEntry = z
  .object({
    id: nonEmpty,
    questions: z.array(nonEmpty).min(1),
    answer: nonEmpty,
  })
  .strict();
export type FaqEntry = z.infer<typeof FaqEntry>;
export const FaqFile = z.array(FaqEntry);

export const PackFile = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-kebab-case name'),
    displayName: Localized,
    locales: z.array(Locale).min(1),
    defaultLocale: Locale,
    timeZone: nonEmpty,
    ticketPrefix: z.string().regex(/^[A-Z]{1,4}$/, '1-4 capital letters'),
    calendar: z
      .object({
        /** ISO weekdays, 1 = Monday. */
        workingDays: z.array(z.number().int().min(1).max(7)).min(1),
        holidays: z.array(isoDate).default([]),
        /** Weekend days that are worked (调休). */
        extraWorkingDays: z.array(isoDate).default([]),
      })
      .strict(),
    grades: z.object({ ordinary: GradeRule, urgent: GradeRule, major: GradeRule }).strict(),
    escalation: z
      .array(
        z
          .object({
            level: z.number().int().min(1),
            role: nonEmpty,
            label: Localized,
            /** How long past a deadline before the ticket reaches this level. Level 1 has none. */
            afterOverdue: Duration.optional(),
          })
          .strict(),
      )
      .min(1),
    thresholds: z
      .object({
        /** Anger intensity (0-1) at or above which the chat goes to a human. */
        angerHandoff: z.number().min(0).max(1),
        /** Misunderstood turns in a row before the chat goes to a human. */
        misunderstoodTurns: z.number().int().min(1),
        /** FAQ match score needed to answer directly. */
        faqAnswer: z.number().min(0).max(1).default(0.55),
      })
      .strict(),
    handoff: z
      .object({
        /** Rough wait the customer is told about, inside working hours. */
        expectedWait: Duration,
        workingHours: z.object({ start: z.string().regex(/^\d{2}:\d{2}$/), end: z.string().regex(/^\d{2}:\d{2}$/) }).strict(),
      })
      .strict(),
    tiers: z
      .object({
        vip: z.object({ tag: nonEmpty, handoff: z.boolean(), minGrade: Grade }).strict(),
        risk: z
          .object({ complaints: z.number().int().min(1), windowDays: z.number().int().min(1), handoff: z.boolean() })
          .strict(),
      })
      .strict(),
    riskKeywords: z.partialRecord(Locale, z.array(z.object({ signal: RiskSignal, terms: z.array(nonEmpty).min(1) }).strict())),
    details: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), DetailKind),
    categories: z.array(Category).min(1),
    /** FAQ files per locale, relative to the pack folder. */
    faq: z.partialRecord(Locale, nonEmpty),
  })
  .strict();
export type PackFile = z.infer<typeof PackFile>;

export type Pack = Omit<PackFile, 'faq'> & {
  dir: string;
  faq: Partial<Record<Locale, FaqEntry[]>>;
};
