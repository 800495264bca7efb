package dev.offload.api.schedule;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.offload.api.error.InvalidField;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * When schedules run, on the wall clock of their zone, and which dates each run covers.
 */
class RecurrenceTests {

	private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

	@Test
	void aTimeSkippedWhenClocksGoForwardRunsOnceAtTheSameTimeAfterTheChange() {
		Recurrence daily = Recurrence.of("0 30 2 * * *", BERLIN);

		assertThat(runs(daily, "2026-03-27T12:00:00Z", 4)).containsExactly(Instant.parse("2026-03-28T01:30:00Z"),
				// 02:30 does not exist on 2026-03-29: 03:30 summer time
				Instant.parse("2026-03-29T01:30:00Z"), Instant.parse("2026-03-30T00:30:00Z"),
				Instant.parse("2026-03-31T00:30:00Z"));
	}

	@Test
	void aTimeRepeatedWhenClocksGoBackRunsOnceAtItsFirstOccurrence() {
		Recurrence daily = Recurrence.of("0 30 2 * * *", BERLIN);

		assertThat(runs(daily, "2026-10-24T12:00:00Z", 3)).containsExactly(
				// 02:30 summer time, not 02:30 winter time an hour later
				Instant.parse("2026-10-25T00:30:00Z"), Instant.parse("2026-10-26T01:30:00Z"),
				Instant.parse("2026-10-27T01:30:00Z"));
		// Asked during the second 02:30, the day's run is behind it.
		assertThat(daily.next(Instant.parse("2026-10-25T01:15:00Z"))).isEqualTo("2026-10-26T01:30:00Z");
	}

	@Test
	void hourlyRunsMergeTheHourSkippedAndRunEachLocalHourOnceWhenClocksGoBack() {
		Recurrence hourly = Recurrence.of("0 * * * *", BERLIN);

		assertThat(runs(hourly, "2026-03-28T23:30:00Z", 4)).containsExactly(Instant.parse("2026-03-29T00:00:00Z"),
				// 02:00 (skipped) and 03:00 are the same instant
				Instant.parse("2026-03-29T01:00:00Z"), Instant.parse("2026-03-29T02:00:00Z"),
				Instant.parse("2026-03-29T03:00:00Z"));
		assertThat(runs(hourly, "2026-10-24T23:30:00Z", 3)).containsExactly(Instant.parse("2026-10-25T00:00:00Z"),
				Instant.parse("2026-10-25T02:00:00Z"), Instant.parse("2026-10-25T03:00:00Z"));
	}

	@Test
	void rulesBecomeCronExpressions() {
		List<InvalidField> errors = new ArrayList<>();
		ScheduleRule last = new ScheduleRule("month", null, "last", "6:00").validated(errors);
		ScheduleRule monday = new ScheduleRule("WEEK", "monday", null, "06:30").validated(errors);
		ScheduleRule daily = new ScheduleRule("DAY", null, null, "23:59:30").validated(errors);

		assertThat(errors).isEmpty();
		assertThat(last).isEqualTo(new ScheduleRule("MONTH", null, "LAST", "06:00"));
		assertThat(Recurrence.of(last.cron(), BERLIN).next(Instant.parse("2026-02-01T00:00:00Z")))
			.isEqualTo("2026-02-28T05:00:00Z");
		assertThat(Recurrence.of(monday.cron(), BERLIN).next(Instant.parse("2026-12-03T00:00:00Z")))
			.isEqualTo("2026-12-07T05:30:00Z");
		assertThat(daily.cron()).isEqualTo("30 59 23 * * *");
	}

	@Test
	void invalidRulesNameTheirFields() {
		List<InvalidField> errors = new ArrayList<>();

		assertThat(new ScheduleRule("MONTH", "MONDAY", "31", "25:00").validated(errors)).isNull();
		assertThat(errors).extracting(InvalidField::field)
			.containsExactlyInAnyOrder("rule.at", "rule.day", "rule.dayOfMonth");
	}

	@Test
	void fiveFieldsRunAtSecondZeroAndMalformedExpressionsAreRefused() {
		assertThat(Recurrence.sixFields("30 6 * * 1")).isEqualTo("0 30 6 * * 1");
		assertThat(Recurrence.sixFields("@daily")).isEqualTo("@daily");
		assertThatIllegalArgumentException().isThrownBy(() -> Recurrence.of("0 0 25 * * *", BERLIN));
	}

	@Test
	void periodsAreRelativeToTheRunsDay() {
		LocalDate first = LocalDate.parse("2026-12-01");
		LocalDate thursday = LocalDate.parse("2026-12-03");

		assertThat(RunPeriod.PREVIOUS_MONTH.parameters(first, Map.of("region", "Asia Pacific")))
			.containsExactlyInAnyOrderEntriesOf(
					Map.of("from", "2026-11-01", "to", "2026-11-30", "region", "Asia Pacific"));
		assertThat(RunPeriod.PREVIOUS_MONTH.parameters(LocalDate.parse("2026-03-01"), Map.of()))
			.containsEntry("from", "2026-02-01")
			.containsEntry("to", "2026-02-28");
		assertThat(RunPeriod.PREVIOUS_DAY.parameters(first, Map.of())).containsEntry("from", "2026-11-30")
			.containsEntry("to", "2026-11-30");
		assertThat(RunPeriod.PREVIOUS_7_DAYS.parameters(thursday, Map.of())).containsEntry("from", "2026-11-26")
			.containsEntry("to", "2026-12-02");
		assertThat(RunPeriod.PREVIOUS_WEEK.parameters(thursday, Map.of())).containsEntry("from", "2026-11-23")
			.containsEntry("to", "2026-11-29");
		assertThat(RunPeriod.MONTH_TO_DATE.parameters(thursday, Map.of())).containsEntry("from", "2026-12-01")
			.containsEntry("to", "2026-12-03");
		assertThat(RunPeriod.FIXED.parameters(thursday, Map.of("from", "2024-01-01")))
			.isEqualTo(Map.of("from", "2024-01-01"));
	}

	private static List<Instant> runs(Recurrence recurrence, String after, int count) {
		Recurrence.Runs runs = recurrence.runsAfter(Instant.parse(after));
		List<Instant> result = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			result.add(runs.next());
		}
		return result;
	}

}
