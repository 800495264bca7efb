package dev.offload.api.schedule;

import java.util.Map;

/**
 * The body of {@code POST /api/schedules}, and of {@code PATCH /api/schedules/{id}},
 * where every field left out keeps its value. Enumerations are plain strings so that an
 * unknown value is answered with the valid ones.
 *
 * @param name a name for people (at most 100 characters); the type's name if left out
 * @param type the report type, for example {@code SALES_SUMMARY}
 * @param format the file format, for example {@code PDF}
 * @param parameters the type's parameters, without {@code from} and {@code to} when the
 * period fills them in
 * @param period {@code FIXED} (the default), {@code PREVIOUS_DAY},
 * {@code PREVIOUS_7_DAYS}, {@code PREVIOUS_WEEK}, {@code PREVIOUS_MONTH} or
 * {@code MONTH_TO_DATE}
 * @param cron a cron expression (six fields with seconds, or five), or
 * @param rule a named rule; giving one replaces the other
 * @param timeZone an IANA time zone id, for example {@code Europe/Berlin}
 * @param misfire {@code CATCH_UP} (the default) or {@code SKIP}
 */
record ScheduleRequest(String name, String type, String format, Map<String, String> parameters, String period,
		String cron, ScheduleRule rule, String timeZone, String misfire) {

	/**
	 * This request's fields over a schedule's: what a {@code PATCH} asks for.
	 * @param current the schedule as it is
	 * @return the whole schedule as it would be
	 */
	ScheduleRequest over(ScheduleDefinition current) {
		boolean timesGiven = this.cron != null || this.rule != null;
		return new ScheduleRequest((this.name != null) ? this.name : current.name(),
				(this.type != null) ? this.type : current.type(),
				(this.format != null) ? this.format : current.format(),
				(this.parameters != null) ? this.parameters : current.parameters(),
				(this.period != null) ? this.period : current.period().name(), timesGiven ? this.cron : current.cron(),
				timesGiven ? this.rule : current.rule(),
				(this.timeZone != null) ? this.timeZone : current.timeZone().getId(),
				(this.misfire != null) ? this.misfire : current.misfire().name());
	}

}
