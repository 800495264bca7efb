package dev.offload.api.schedule;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dates a schedule's report covers, relative to the day of each run (the run's date
 * in the schedule's time zone). They fill the report type's {@value #FROM} and
 * {@value #TO} parameters, the names report-worker's {@code catalogue.Period} gives a
 * date range; {@link #FIXED} leaves the parameters as given.
 */
enum RunPeriod {

	/** The parameters as given, the same for every run. */
	FIXED,

	/** The day before the run. */
	PREVIOUS_DAY,

	/** The seven days before the run's day. */
	PREVIOUS_7_DAYS,

	/** Monday to Sunday of the week before the run's week. */
	PREVIOUS_WEEK,

	/** The whole calendar month before the run's month. */
	PREVIOUS_MONTH,

	/** The first of the run's month up to the run's day, included. */
	MONTH_TO_DATE;

	/** The parameter of the first day of a range. */
	static final String FROM = "from";

	/** The parameter of the last day of a range. */
	static final String TO = "to";

	/**
	 * The parameters of one run.
	 * @param day the run's date in the schedule's time zone
	 * @param fixed the schedule's own parameters
	 * @return the fixed parameters, with {@value #FROM} and {@value #TO} set unless this
	 * is {@link #FIXED}
	 */
	Map<String, String> parameters(LocalDate day, Map<String, String> fixed) {
		Map<String, String> parameters = new LinkedHashMap<>(fixed);
		if (this == FIXED) {
			return parameters;
		}
		LocalDate from = switch (this) {
			case PREVIOUS_DAY -> day.minusDays(1);
			case PREVIOUS_7_DAYS -> day.minusDays(7);
			case PREVIOUS_WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).minusWeeks(1);
			case PREVIOUS_MONTH -> day.withDayOfMonth(1).minusMonths(1);
			case MONTH_TO_DATE -> day.withDayOfMonth(1);
			case FIXED -> throw new IllegalStateException();
		};
		LocalDate to = switch (this) {
			case PREVIOUS_DAY, PREVIOUS_7_DAYS -> day.minusDays(1);
			case PREVIOUS_WEEK -> from.plusDays(6);
			case PREVIOUS_MONTH -> day.withDayOfMonth(1).minusDays(1);
			case MONTH_TO_DATE -> day;
			case FIXED -> throw new IllegalStateException();
		};
		parameters.put(FROM, from.toString());
		parameters.put(TO, to.toString());
		return parameters;
	}

}
