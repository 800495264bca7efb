package dev.offload.api.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.offload.api.error.InvalidField;
import dev.offload.api.error.InvalidRequestException;
import dev.offload.api.report.ReportIntake;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;

import org.springframework.stereotype.Component;

/**
 * Checks a schedule before it is stored: its time zone, its cron expression or rule
 * (which must run again, and not more often than
 * {@code offload.api.schedules.min-interval}), its period (a relative one only for a type
 * with a date range), and the report its next run would request, exactly as
 * {@code POST /api/reports} checks one. Every problem is named at once.
 */
@Component
class ScheduleValidator {

	static final int MAX_NAME_LENGTH = 100;

	private static final int MAX_CRON_LENGTH = 200;

	/** How many runs the minimum interval is checked over. */
	private static final int RUNS_CHECKED = 100;

	private final ReportIntake intake;

	private final Clock clock;

	private final Duration minInterval;

	ScheduleValidator(ReportIntake intake, Clock clock, ScheduleProperties properties) {
		this.intake = intake;
		this.clock = clock;
		this.minInterval = properties.minInterval();
	}

	/**
	 * Validates a whole schedule.
	 * @param request the schedule as asked for (for a {@code PATCH}, merged over the
	 * stored one)
	 * @return the schedule in canonical form
	 * @throws InvalidRequestException naming every invalid field
	 */
	ScheduleDefinition validate(ScheduleRequest request) {
		List<InvalidField> errors = new ArrayList<>();
		String name = name(request, errors);
		ZoneId zone = zone(request.timeZone(), errors);
		RunPeriod period = parseEnum("period", request.period(), RunPeriod.FIXED, RunPeriod.class, errors);
		Misfire misfire = parseEnum("misfire", request.misfire(), Misfire.CATCH_UP, Misfire.class, errors);
		String cron = null;
		ScheduleRule rule = null;
		Recurrence recurrence = null;
		if (request.cron() != null && request.rule() != null) {
			errors.add(new InvalidField("cron", "give either cron or rule, not both"));
		}
		else if (request.cron() != null) {
			cron = request.cron().strip();
			recurrence = recurrence("cron", cron, zone, errors);
		}
		else if (request.rule() != null) {
			rule = request.rule().validated(errors);
			recurrence = (rule != null) ? recurrence("rule", rule.cron(), zone, errors) : null;
		}
		else {
			errors.add(new InvalidField("rule", "when the schedule runs is required: a rule such as "
					+ "{\"every\":\"MONTH\",\"dayOfMonth\":\"1\",\"at\":\"06:00\"}, or a cron expression"));
		}
		Map<String, String> given = (request.parameters() != null) ? request.parameters() : Map.of();
		// A period refused for the type fills in nothing, so the parameters are checked
		// as given.
		RunPeriod datesFrom = (period != null && period != RunPeriod.FIXED
				&& !checkRelativePeriod(request.type(), period, given, errors)) ? RunPeriod.FIXED : period;
		// The report the next run would request (or, while the times are invalid, a run
		// today), checked as POST /api/reports checks it.
		Instant next = (recurrence != null) ? recurrence.next(this.clock.instant()) : null;
		Instant run = (next != null) ? next : this.clock.instant();
		ZoneId runZone = (zone != null) ? zone : ZoneOffset.UTC;
		Map<String, String> parameters = given;
		try {
			parameters = this.intake.validate(request.type(), request.format(),
					(datesFrom != null) ? datesFrom.parameters(run.atZone(runZone).toLocalDate(), given) : given);
		}
		catch (InvalidRequestException ex) {
			errors.addAll(ex.getErrors());
		}
		if (!errors.isEmpty()) {
			throw new InvalidRequestException(errors);
		}
		Map<String, String> stored = new LinkedHashMap<>(parameters);
		if (period != RunPeriod.FIXED) {
			stored.remove(RunPeriod.FROM);
			stored.remove(RunPeriod.TO);
		}
		return new ScheduleDefinition(name, request.type().strip().toUpperCase(Locale.ROOT),
				request.format().strip().toUpperCase(Locale.ROOT), stored, period, cron, rule, zone, misfire);
	}

	private static String name(ScheduleRequest request, List<InvalidField> errors) {
		String name = (request.name() != null && !request.name().isBlank()) ? request.name().strip()
				: (request.type() != null) ? request.type().strip().toUpperCase(Locale.ROOT) : "";
		if (name.length() > MAX_NAME_LENGTH || name.chars().anyMatch(Character::isISOControl)) {
			errors.add(new InvalidField("name",
					"must be at most " + MAX_NAME_LENGTH + " characters without control characters"));
		}
		return name;
	}

	private static ZoneId zone(String value, List<InvalidField> errors) {
		if (value == null || value.isBlank()) {
			errors.add(new InvalidField("timeZone", "is required: an IANA time zone id such as Europe/Berlin"));
			return null;
		}
		// Region ids (and UTC) only; ZoneId.of would also take offsets such as +02:00,
		// which know nothing of daylight-saving time.
		if (!ZoneId.getAvailableZoneIds().contains(value.strip())) {
			errors.add(new InvalidField("timeZone",
					"'" + value + "' is not an IANA time zone id such as Europe/Berlin or America/New_York"));
			return null;
		}
		return ZoneId.of(value.strip());
	}

	private Recurrence recurrence(String field, String cron, ZoneId zone, List<InvalidField> errors) {
		if (cron.isEmpty() || cron.length() > MAX_CRON_LENGTH) {
			errors.add(new InvalidField(field, "must be a cron expression of at most " + MAX_CRON_LENGTH
					+ " characters, such as \"0 0 6 1 * *\" (second minute hour day-of-month month day-of-week)"));
			return null;
		}
		Recurrence recurrence;
		try {
			recurrence = Recurrence.of(cron, (zone != null) ? zone : ZoneOffset.UTC);
		}
		catch (IllegalArgumentException ex) {
			errors.add(new InvalidField(field, "'" + cron + "' is not a cron expression: " + ex.getMessage()));
			return null;
		}
		Recurrence.Runs runs = recurrence.runsAfter(this.clock.instant());
		Instant previous = runs.next();
		if (previous == null) {
			errors.add(new InvalidField(field, "'" + cron + "' never runs"));
			return null;
		}
		for (int i = 1; i < RUNS_CHECKED; i++) {
			Instant run = runs.next();
			if (run == null) {
				break;
			}
			if (Duration.between(previous, run).compareTo(this.minInterval) < 0) {
				errors.add(new InvalidField(field, "runs more often than every " + this.minInterval.toMinutes()
						+ " minutes (at " + previous + " and " + run + ")"));
				return null;
			}
			previous = run;
		}
		return (zone != null) ? recurrence : null;
	}

	/** Whether a relative period applies to the type; an error if not. */
	private boolean checkRelativePeriod(String type, RunPeriod period, Map<String, String> given,
			List<InvalidField> errors) {
		Optional<ReportTypeDescriptor> descriptor = this.intake.describe(type);
		if (descriptor.isPresent() && !hasDateRange(descriptor.get())) {
			errors.add(new InvalidField("period", descriptor.get().name() + " reports take no " + RunPeriod.FROM + "/"
					+ RunPeriod.TO + " dates, so only FIXED applies, not " + period));
			return false;
		}
		for (String date : Set.of(RunPeriod.FROM, RunPeriod.TO)) {
			if (given.containsKey(date)) {
				errors.add(new InvalidField("parameters." + date,
						"is set for each run by the period " + period + "; leave it out (or use FIXED)"));
			}
		}
		return true;
	}

	private static boolean hasDateRange(ReportTypeDescriptor type) {
		ReportParameter from = type.parameter(RunPeriod.FROM);
		ReportParameter to = type.parameter(RunPeriod.TO);
		return from != null && to != null && from.kind() == ReportParameter.Kind.DATE
				&& to.kind() == ReportParameter.Kind.DATE;
	}

	private static <E extends Enum<E>> E parseEnum(String field, String value, E absent, Class<E> type,
			List<InvalidField> errors) {
		if (value == null || value.isBlank()) {
			return absent;
		}
		try {
			return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			errors.add(new InvalidField(field, "'" + value + "' is unknown; one of "
					+ Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "))));
			return null;
		}
	}

}
