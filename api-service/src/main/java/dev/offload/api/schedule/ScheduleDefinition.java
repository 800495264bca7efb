package dev.offload.api.schedule;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import java.util.Objects;

/**
 * What a schedule's owner chose, validated: which report, with which parameters, and
 * when.
 *
 * @param name a name for people
 * @param type the report type
 * @param format the file format
 * @param parameters the parameters given (without the dates a relative period fills in)
 * @param period the dates each run's report covers
 * @param cron the cron expression as given, or {@code null} for a rule
 * @param rule the named rule in canonical form, or {@code null} for a cron expression
 * @param timeZone the zone whose wall clock the schedule follows
 * @param misfire what happens to runs missed while no replica swept
 */
record ScheduleDefinition(String name, String type, String format, Map<String, String> parameters, RunPeriod period,
		String cron, ScheduleRule rule, ZoneId timeZone, Misfire misfire) {

	ScheduleDefinition {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(format, "format");
		parameters = Map.copyOf(parameters);
		Objects.requireNonNull(period, "period");
		if ((cron == null) == (rule == null)) {
			throw new IllegalArgumentException("A schedule has a cron expression or a rule");
		}
		Objects.requireNonNull(timeZone, "timeZone");
		Objects.requireNonNull(misfire, "misfire");
	}

	/**
	 * When the schedule runs.
	 * @return its recurrence
	 */
	Recurrence recurrence() {
		return Recurrence.of((this.cron != null) ? this.cron : this.rule.cron(), this.timeZone);
	}

	/**
	 * The report parameters of one run: the dates of the period, relative to the run's
	 * day in the schedule's zone.
	 * @param run when the run is due
	 * @return the parameters
	 */
	Map<String, String> parametersFor(Instant run) {
		return this.period.parameters(LocalDate.ofInstant(run, this.timeZone), this.parameters);
	}

	/**
	 * Whether the two define the same times.
	 * @param other another definition
	 * @return whether cron, rule and zone are equal
	 */
	boolean sameTimes(ScheduleDefinition other) {
		return Objects.equals(this.cron, other.cron) && Objects.equals(this.rule, other.rule)
				&& this.timeZone.equals(other.timeZone);
	}

}
