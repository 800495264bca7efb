package dev.offload.api.schedule;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;

import org.springframework.scheduling.support.CronExpression;

/**
 * When a schedule runs: a cron expression read on the wall clock of a time zone.
 * <p>
 * Each local time the expression names runs once, on the day it names, whatever the
 * daylight-saving changes do to it, as {@link ZonedDateTime#of} resolves it: a time that
 * does not exist (in the hour skipped when clocks go forward; 02:30 in Europe/Berlin on
 * 2026-03-29) runs at the same time after the change (03:30 summer time, one hour later
 * in real time), and a time that exists twice (in the hour repeated when clocks go back;
 * 02:30 on 2026-10-25) runs at its first, summer-time occurrence only. Two local times
 * that resolve to the same instant run once.
 */
final class Recurrence {

	/**
	 * How far before a local time its run may lie: the longest daylight-saving (or
	 * time-zone) jump forward any zone has made is a day.
	 */
	private static final long LOOKBACK_DAYS = 1;

	private final CronExpression cron;

	private final ZoneId zone;

	private Recurrence(CronExpression cron, ZoneId zone) {
		this.cron = cron;
		this.zone = zone;
	}

	/**
	 * A recurrence of a cron expression: Spring's six fields (second, minute, hour, day
	 * of month, month, day of week; {@code L}, {@code W}, {@code #} and macros such as
	 * {@code @daily} included), or Unix cron's five, which run at second 0.
	 * @param cron the expression
	 * @param zone whose wall clock it is read on
	 * @return the recurrence
	 * @throws IllegalArgumentException if the expression is malformed
	 */
	static Recurrence of(String cron, ZoneId zone) {
		return new Recurrence(CronExpression.parse(sixFields(cron)), zone);
	}

	/**
	 * A cron expression with a seconds field: five Unix fields get second 0.
	 * @param cron the expression as given
	 * @return the expression Spring parses
	 */
	static String sixFields(String cron) {
		String trimmed = cron.strip();
		return (!trimmed.startsWith("@") && trimmed.split("\\s+").length == 5) ? "0 " + trimmed : trimmed;
	}

	/**
	 * The first run strictly after an instant.
	 * @param after the instant
	 * @return the run, or {@code null} if the expression never matches again
	 */
	Instant next(Instant after) {
		return runsAfter(after).next();
	}

	/**
	 * The runs after an instant, one after another.
	 * @param after the instant
	 * @return a cursor over the runs
	 */
	Runs runsAfter(Instant after) {
		return new Runs(after);
	}

	ZoneId zone() {
		return this.zone;
	}

	/** The runs of a recurrence after an instant, in order. */
	final class Runs {

		private LocalDateTime local;

		private Instant last;

		private Runs(Instant after) {
			// A local time skipped by a jump forward runs after its nominal time: start
			// early enough to see it.
			this.local = LocalDateTime.ofInstant(after, Recurrence.this.zone).minusDays(LOOKBACK_DAYS);
			this.last = after;
		}

		/**
		 * The next run.
		 * @return the run, or {@code null} if there is none
		 */
		Instant next() {
			while (true) {
				this.local = Recurrence.this.cron.next(this.local);
				if (this.local == null) {
					return null;
				}
				Instant run = ZonedDateTime.of(this.local, Recurrence.this.zone).toInstant();
				if (run.isAfter(this.last)) {
					this.last = run;
					return run;
				}
			}
		}

	}

}
