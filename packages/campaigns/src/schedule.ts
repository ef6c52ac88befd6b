import { sqlLiteral, weekdays } from '@strata/core';
import { ScheduleKind, type CampaignSchedule } from './campaign-definition.js';

/*
 * When each recipient's message falls due, as one SQL expression evaluated for the whole audience
 * at once (the campaign's start and the customer's time zone are inputs). Local times are turned
 * into instants with DuckDB's timezone(): timezone(zone, TIMESTAMPTZ) is the wall-clock time there,
 * timezone(zone, TIMESTAMP) the instant that wall-clock time is.
 */

export interface ScheduleSqlInputs {
  /** SQL of the start time (a TIMESTAMPTZ parameter). */
  readonly start: string;
  /** SQL of the customer's IANA time zone. */
  readonly zone: string;
  /** SQL of the profile's favourite weekday (`monday` …). */
  readonly favouriteWeekday: string;
  /** SQL of the profile's next replenishment date (TIMESTAMPTZ). */
  readonly replenishmentDue: string;
  /** SQL of the fixed time of an `at` schedule (a TIMESTAMPTZ parameter). */
  readonly at?: string;
}

/** Whether the schedule reads profile traits (the profiles must then exist). */
export const readsProfile = (s: CampaignSchedule) =>
  s.kind === ScheduleKind.before_weekday || s.kind === ScheduleKind.before_replenishment;

/** The instant of `hour` o'clock on local date `day` (a DATE expression) in `zone`. */
const localInstant = (zone: string, day: string, hour: number) =>
  `timezone(${zone}, (${day})::DATE + INTERVAL ${hour} HOUR)`;

/** The customer's local date at the start. */
const localToday = (i: ScheduleSqlInputs) => `timezone(${i.zone}, ${i.start}::TIMESTAMPTZ)::DATE`;

/**
 * The due time of one recipient as an SQL expression (TIMESTAMPTZ), or NULL when the schedule
 * needs a trait the customer lacks. Never earlier than the start.
 */
export function dueAtSql(schedule: CampaignSchedule, i: ScheduleSqlInputs): string {
  const start = `${i.start}::TIMESTAMPTZ`;
  switch (schedule.kind) {
    case ScheduleKind.now:
      return start;
    case ScheduleKind.at:
      return `greatest(${i.at ?? start}::TIMESTAMPTZ, ${start})`;
    case ScheduleKind.local_hour: {
      const today = localInstant(i.zone, localToday(i), schedule.hour);
      const tomorrow = localInstant(i.zone, `${localToday(i)} + 1`, schedule.hour);
      return `CASE WHEN ${today} >= ${start} THEN ${today} ELSE ${tomorrow} END`;
    }
    case ScheduleKind.before_weekday: {
      // ISO day number of the day before the favourite weekday (Monday = 1): the eve of Monday is Sunday.
      const favourite = `CASE ${i.favouriteWeekday} ${weekdays.map((w, n) => `WHEN ${sqlLiteral(w)} THEN ${n + 1}`).join(' ')} END`;
      const eve = `((${favourite} + 5) % 7 + 1)`;
      const ahead = `((${eve} - isodow(${localToday(i)}) + 7) % 7)`;
      const day = `${localToday(i)} + ${ahead}::INTEGER`;
      const first = localInstant(i.zone, day, schedule.hour);
      const week = localInstant(i.zone, `${day} + 7`, schedule.hour);
      return `CASE WHEN ${favourite} IS NULL THEN NULL WHEN ${first} >= ${start} THEN ${first} ELSE ${week} END`;
    }
    case ScheduleKind.before_replenishment: {
      const day = `timezone(${i.zone}, ${i.replenishmentDue}::TIMESTAMPTZ)::DATE - ${schedule.days}`;
      return `CASE WHEN ${i.replenishmentDue} IS NULL THEN NULL ELSE greatest(${localInstant(i.zone, day, schedule.hour)}, ${start}) END`;
    }
  }
}
