package dev.offload.api.schedule;

import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.offload.api.error.InvalidField;

/**
 * A named rule for when a schedule runs, the friendlier alternative to a cron expression:
 * <ul>
 * <li>{@code {"every":"DAY","at":"06:00"}}</li>
 * <li>{@code {"every":"WEEK","day":"MONDAY","at":"06:00"}}</li>
 * <li>{@code {"every":"MONTH","dayOfMonth":"1","at":"06:00"}} (1 to 28, or {@code "LAST"}
 * for the last day of each month)</li>
 * </ul>
 * A rule is turned into a cron expression ({@link #cron()}), so both run through one
 * {@link Recurrence}, with one way of handling daylight-saving changes.
 *
 * @param every {@code DAY}, {@code WEEK} or {@code MONTH}
 * @param day for {@code WEEK}: the day of the week ({@code MONDAY} …)
 * @param dayOfMonth for {@code MONTH}: 1 to 28, or {@code LAST}
 * @param at the local time of day in the schedule's time zone ({@code HH:mm})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ScheduleRule(String every, String day, String dayOfMonth, String at) {

	/** The last day of the month that every month has. */
	static final int MAX_DAY_OF_MONTH = 28;

	static final String LAST = "LAST";

	/** 6:00, 06:00 or 06:00:30. */
	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("H:mm[:ss]");

	enum Every {

		DAY, WEEK, MONTH

	}

	/**
	 * The rule in canonical form (upper case names, {@code HH:mm} times), or {@code null}
	 * with an error per invalid field.
	 * @param errors where the errors go
	 * @return the canonical rule, or {@code null}
	 */
	ScheduleRule validated(List<InvalidField> errors) {
		int before = errors.size();
		Every unit = null;
		if (this.every == null || this.every.isBlank()) {
			errors.add(new InvalidField("rule.every", "is required; one of DAY, WEEK, MONTH"));
		}
		else {
			try {
				unit = Every.valueOf(this.every.strip().toUpperCase(Locale.ROOT));
			}
			catch (IllegalArgumentException ex) {
				errors.add(new InvalidField("rule.every", "'" + this.every + "' is unknown; one of DAY, WEEK, MONTH"));
			}
		}
		LocalTime time = null;
		if (this.at == null || this.at.isBlank()) {
			errors.add(new InvalidField("rule.at", "is required: the local time of day, HH:mm"));
		}
		else {
			try {
				time = LocalTime.parse(this.at.strip(), TIME);
			}
			catch (DateTimeParseException ex) {
				errors.add(new InvalidField("rule.at", "'" + this.at + "' is not a time of day (HH:mm)"));
			}
		}
		String weekDay = null;
		if (unit == Every.WEEK) {
			weekDay = dayOfWeek(errors);
		}
		else if (this.day != null) {
			errors.add(new InvalidField("rule.day", "is only for \"every\":\"WEEK\""));
		}
		String monthDay = null;
		if (unit == Every.MONTH) {
			monthDay = dayOfMonth(errors);
		}
		else if (this.dayOfMonth != null) {
			errors.add(new InvalidField("rule.dayOfMonth", "is only for \"every\":\"MONTH\""));
		}
		if (errors.size() > before) {
			return null;
		}
		String canonicalTime = (time.getSecond() != 0) ? time.toString() : time.withNano(0).toString();
		return new ScheduleRule(unit.name(), weekDay, monthDay, canonicalTime);
	}

	private String dayOfWeek(List<InvalidField> errors) {
		if (this.day == null || this.day.isBlank()) {
			errors.add(new InvalidField("rule.day", "is required for WEEK: MONDAY to SUNDAY"));
			return null;
		}
		try {
			return DayOfWeek.valueOf(this.day.strip().toUpperCase(Locale.ROOT)).name();
		}
		catch (IllegalArgumentException ex) {
			errors.add(new InvalidField("rule.day", "'" + this.day + "' is not a day of the week: MONDAY to SUNDAY"));
			return null;
		}
	}

	private String dayOfMonth(List<InvalidField> errors) {
		String expected = "1 to " + MAX_DAY_OF_MONTH + ", or LAST for the last day of each month";
		if (this.dayOfMonth == null || this.dayOfMonth.isBlank()) {
			errors.add(new InvalidField("rule.dayOfMonth", "is required for MONTH: " + expected));
			return null;
		}
		String value = this.dayOfMonth.strip().toUpperCase(Locale.ROOT);
		if (value.equals(LAST)) {
			return LAST;
		}
		try {
			int number = Integer.parseInt(value);
			if (number >= 1 && number <= MAX_DAY_OF_MONTH) {
				return Integer.toString(number);
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		errors.add(new InvalidField("rule.dayOfMonth",
				"'" + this.dayOfMonth + "' is not " + expected + " (not every month has a 29th, 30th or 31st)"));
		return null;
	}

	/**
	 * The rule as a Spring cron expression (seconds first); only for a validated rule.
	 * @return the cron expression
	 */
	String cron() {
		LocalTime time = LocalTime.parse(this.at);
		String clock = time.getSecond() + " " + time.getMinute() + " " + time.getHour();
		return switch (Every.valueOf(this.every)) {
			case DAY -> clock + " * * *";
			case WEEK -> clock + " * * " + this.day.substring(0, 3);
			case MONTH -> clock + " " + (LAST.equals(this.dayOfMonth) ? "L" : this.dayOfMonth) + " * *";
		};
	}

}
