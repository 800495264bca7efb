package dev.offload.api.schedule;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A schedule as the API shows it to its owner.
 *
 * @param id its id
 * @param name its name
 * @param type the report type
 * @param format the file format
 * @param parameters the parameters given
 * @param period the dates each run covers
 * @param cron the cron expression, if it has one
 * @param rule the named rule, if it has one
 * @param timeZone the IANA time zone
 * @param misfire what happens to missed runs
 * @param paused whether it is paused
 * @param nextRunAt when it runs next; absent while paused
 * @param nextRunParameters the parameters of the next run's report, dates filled in
 * @param createdAt when it was created
 * @param runs its most recent runs, newest first
 */
record ScheduleView(UUID id, String name, String type, String format, Map<String, String> parameters, RunPeriod period,
		@JsonInclude(JsonInclude.Include.NON_NULL) String cron,
		@JsonInclude(JsonInclude.Include.NON_NULL) ScheduleRule rule, String timeZone, Misfire misfire, boolean paused,
		Instant nextRunAt, Map<String, String> nextRunParameters, Instant createdAt, List<ScheduleRun> runs) {

	static ScheduleView of(Schedule schedule, List<ScheduleRun> runs) {
		ScheduleDefinition definition = schedule.definition();
		Instant next = schedule.paused() ? null : schedule.nextRunAt();
		return new ScheduleView(schedule.id(), definition.name(), definition.type(), definition.format(),
				definition.parameters(), definition.period(), definition.cron(), definition.rule(),
				definition.timeZone().getId(), definition.misfire(), schedule.paused(), next,
				(next != null) ? definition.parametersFor(next) : null, schedule.createdAt(), runs);
	}

}
