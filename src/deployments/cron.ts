/**
 * The schedule format deployments accept: a 5-field POSIX cron expression
 * (minute hour day-of-month month day-of-week) matched against wall-clock time in an
 * IANA timezone. Lists, ranges, steps (`*\/15`, `1-5/2`) and month/day names are
 * accepted; the extended syntax the API rejects (seconds or year fields, `L`, `W`,
 * `#`, `?`, `@daily`-style shortcuts) is refused with a message saying why.
 *
 * No cron library ships with the project, and the subset is small enough to own: this
 * file parses it and walks local calendar days to find the next matches.
 */

export interface CronSpec {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday (a 7 in the expression is folded into 0). */
  daysOfWeek: ReadonlySet<number>;
  /** POSIX: when both day fields are restricted, a day matches if EITHER does. */
  domRestricted: boolean;
  dowRestricted: boolean;
}

export class CronSyntaxError extends Error {}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Where names[0] sits in the numeric range (months start at 1). */
  nameBase?: number;
}

const FIELDS: FieldDef[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: "day-of-week", min: 0, max: 7, names: DAYS, nameBase: 0 },
];

export function parseCron(expression: string): CronSpec {
  const text = expression.trim();
  if (text.startsWith("@")) throw new CronSyntaxError(`predefined shortcuts such as "${text}" are not supported`);
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    throw new CronSyntaxError(
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  const [minutes, hours, daysOfMonth, months, rawDow] = parts.map((part, i) => parseField(part, FIELDS[i]));
  const daysOfWeek = new Set([...rawDow].map((d) => d % 7));
  return {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    // Vixie cron's rule: a field counts as unrestricted when it starts with `*` (so `*/2` does too).
    domRestricted: !parts[2].startsWith("*"),
    dowRestricted: !parts[4].startsWith("*"),
  };
}

function parseField(text: string, field: FieldDef): Set<number> {
  if (/[LW#?]/i.test(text.replace(/[a-z]{3}/gi, (m) => (field.names?.includes(m.toLowerCase()) ? "" : m)))) {
    throw new CronSyntaxError(`${field.name}: the special characters L, W, # and ? are not supported`);
  }
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const match = /^(\*|[^-/]+(?:-[^-/]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw new CronSyntaxError(`${field.name}: cannot parse "${item}"`);
    const [, range, stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronSyntaxError(`${field.name}: step must be at least 1 in "${item}"`);
    let start: number;
    let end: number;
    if (range === "*") {
      [start, end] = [field.min, field.max];
    } else if (range.includes("-")) {
      const [a, b] = range.split("-");
      [start, end] = [atom(a, field), atom(b, field)];
      if (start > end) throw new CronSyntaxError(`${field.name}: range "${range}" runs backwards`);
    } else {
      start = atom(range, field);
      // `5/15` means "from 5, every 15" (a common extension); a bare value is just itself.
      end = stepText === undefined ? start : field.max;
    }
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return values;
}

function atom(text: string, field: FieldDef): number {
  const byName = field.names?.indexOf(text.toLowerCase()) ?? -1;
  const value = byName >= 0 ? byName + (field.nameBase ?? 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value)) throw new CronSyntaxError(`${field.name}: "${text}" is not a number`);
  if (value < field.min || value > field.max) {
    throw new CronSyntaxError(`${field.name}: ${value} is outside ${field.min}-${field.max}`);
  }
  return value;
}

/** Whether `timeZone` names an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time at instant `ms` in `timeZone`, expressed as if it were UTC milliseconds. */
function wallClock(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Far enough for the sparsest valid schedule (29 February skips 2100: up to 8 years apart). */
const SEARCH_DAYS = 366 * 9;

function dayMatches(spec: CronSpec, day: number): boolean {
  const date = new Date(day);
  if (!spec.months.has(date.getUTCMonth() + 1)) return false;
  const dom = spec.daysOfMonth.has(date.getUTCDate());
  const dow = spec.daysOfWeek.has(date.getUTCDay());
  if (spec.domRestricted && spec.dowRestricted) return dom || dow;
  if (spec.domRestricted) return dom;
  if (spec.dowRestricted) return dow;
  return true;
}

/**
 * Every instant on local calendar day `day` (UTC-encoded midnight) whose wall-clock time in
 * `timeZone` matches the hour and minute fields, in order. "Literal wall-clock matching":
 * a local time skipped by a spring-forward gap does not fire, and one repeated by a
 * fall-back overlap fires at each of its instants.
 */
function dayInstants(spec: CronSpec, day: number, timeZone: string): number[] {
  // The local day spans instants within [day - 14h, day + 38h] whatever the zone's offset.
  const before = day - 14 * HOUR;
  const after = day + 38 * HOUR;
  const offsets = [...new Set([wallClock(before, timeZone) - before, wallClock(after, timeZone) - after])];
  const out: number[] = [];
  for (const hour of spec.hours) {
    for (const minute of spec.minutes) {
      const local = day + hour * HOUR + minute * MINUTE;
      if (offsets.length === 1) {
        // No offset change around this day (the usual case): one instant, no lookup needed.
        out.push(local - offsets[0]);
        continue;
      }
      for (const offset of offsets) {
        if (wallClock(local - offset, timeZone) === local) out.push(local - offset);
      }
    }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/**
 * Up to `count` instants strictly after `after` (epoch ms) at which the schedule fires,
 * in order. Fewer (possibly none) when the expression never matches a real date within
 * the search horizon, e.g. `0 0 31 2 *`.
 */
export function nextRuns(spec: CronSpec, timeZone: string, after: number, count = 1): number[] {
  const out: number[] = [];
  // Start a day early: the local date at `after` may be behind its UTC date.
  const firstDay = Math.floor(wallClock(after, timeZone) / DAY) * DAY - DAY;
  for (let i = 0; i <= SEARCH_DAYS && out.length < count; i++) {
    const day = firstDay + i * DAY;
    if (!dayMatches(spec, day)) continue;
    for (const instant of dayInstants(spec, day, timeZone)) {
      if (instant > after && out.length < count) out.push(instant);
    }
  }
  return out;
}
