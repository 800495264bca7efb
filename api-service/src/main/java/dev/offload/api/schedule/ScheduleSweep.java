package dev.offload.api.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.offload.api.error.InvalidField;
import dev.offload.api.error.InvalidRequestException;
import dev.offload.api.report.ReportIntake;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns due schedule runs into reports. Every replica sweeps every
 * {@code offload.api.schedules.interval}; PostgreSQL is the lock:
 * <ul>
 * <li>Each due schedule is handled in a transaction of its own, with its row locked
 * ({@code FOR UPDATE SKIP LOCKED}): another replica sweeping at the same moment takes the
 * next schedule instead.</li>
 * <li>Each run is recorded in {@code schedule_runs}, whose primary key is the schedule
 * and the run's time, with {@code ON CONFLICT DO NOTHING}; its report is created only if
 * the row was inserted, in the same transaction. So a run creates one report, or none if
 * the transaction rolls back (and the run is handled again by the next sweep).</li>
 * <li>{@code next_run_at} moves to the first run after now in the same transaction.</li>
 * </ul>
 * Runs that fell due while no replica swept (all stopped, the database unreachable) are
 * found together: a {@link Misfire#CATCH_UP} schedule creates a report for each, at most
 * {@code catch-up-limit} of the most recent; a {@link Misfire#SKIP} schedule records them
 * as SKIPPED and runs the latest only if it is at most {@code misfire-grace} late. A run
 * whose report no longer validates (its type withdrawn, say) is recorded as FAILED with
 * the reason, and the schedule goes on.
 */
@Component
class ScheduleSweep {

	private static final Logger logger = LoggerFactory.getLogger(ScheduleSweep.class);

	/** The metric counting handled runs, tagged {@code state}. */
	static final String RUNS = "offload.schedules.runs";

	private final Schedules schedules;

	private final ReportIntake intake;

	private final TransactionTemplate transactions;

	private final Clock clock;

	private final MeterRegistry meters;

	private final ScheduleProperties settings;

	ScheduleSweep(Schedules schedules, ReportIntake intake, PlatformTransactionManager transactionManager, Clock clock,
			MeterRegistry meters, ScheduleProperties settings) {
		this.schedules = schedules;
		this.intake = intake;
		this.transactions = new TransactionTemplate(transactionManager);
		this.clock = clock;
		this.meters = meters;
		this.settings = settings;
	}

	/**
	 * One sweep: handles due schedules until none is left or {@code batch-size} were.
	 * @return how many schedules it handled
	 */
	int run() {
		Instant now = this.clock.instant();
		Set<UUID> failed = new HashSet<>();
		int handled = 0;
		while (handled < this.settings.batchSize()) {
			UUID[] current = new UUID[1];
			try {
				Boolean found = this.transactions
					.execute((status) -> this.schedules.lockNextDue(now, failed).map((schedule) -> {
						current[0] = schedule.id();
						handle(schedule, now);
						return true;
					}).orElse(false));
				if (!Boolean.TRUE.equals(found)) {
					break;
				}
				handled++;
			}
			catch (RuntimeException ex) {
				if (current[0] == null) {
					logger.warn("Could not sweep for due schedules: {}", ex.getMessage());
					break;
				}
				// Rolled back: the next sweep tries it again; this one goes on with
				// others.
				logger.error("Could not handle the due runs of schedule {}", current[0], ex);
				failed.add(current[0]);
			}
		}
		return handled;
	}

	private void handle(Schedule schedule, Instant now) {
		ScheduleDefinition definition = schedule.definition();
		Recurrence.Runs runs = definition.recurrence().runsAfter(schedule.nextRunAt());
		// The due runs, oldest first; only the most recent are kept, older ones counted.
		int keep = this.settings.catchUpLimit() * 2;
		Deque<Instant> due = new ArrayDeque<>();
		long forgotten = 0;
		Instant next = schedule.nextRunAt();
		while (next != null && !next.isAfter(now)) {
			due.addLast(next);
			if (due.size() > keep) {
				due.removeFirst();
				forgotten++;
			}
			next = runs.next();
		}
		List<Instant> create = new ArrayList<>();
		List<Instant> skip = new ArrayList<>(due);
		if (definition.misfire() == Misfire.CATCH_UP) {
			while (create.size() < this.settings.catchUpLimit() && !skip.isEmpty()) {
				create.add(0, skip.remove(skip.size() - 1));
			}
		}
		else if (!skip.isEmpty()
				&& Duration.between(skip.get(skip.size() - 1), now).compareTo(this.settings.misfireGrace()) <= 0) {
			create.add(skip.remove(skip.size() - 1));
		}
		if (skip.size() + forgotten > 0) {
			logger.info("Schedule {} skips {} runs missed while no replica swept (misfire {}, {} caught up)",
					schedule.id(), skip.size() + forgotten, definition.misfire(), create.size());
		}
		// Only the most recent skipped runs are recorded, so a long outage cannot flood
		// the
		// history.
		for (Instant run : skip.subList(Math.max(0, skip.size() - this.settings.catchUpLimit()), skip.size())) {
			if (this.schedules.recordRun(schedule.id(), run, RunState.SKIPPED, skipReason(definition))) {
				this.meters.counter(RUNS, "state", RunState.SKIPPED.name()).increment();
			}
		}
		for (Instant run : create) {
			fire(schedule, run);
		}
		this.schedules.advance(schedule.id(), next);
	}

	private static String skipReason(ScheduleDefinition definition) {
		return (definition.misfire() == Misfire.SKIP) ? "Missed while the service was unavailable (misfire SKIP)"
				: "Missed while the service was unavailable, beyond the runs caught up";
	}

	private void fire(Schedule schedule, Instant run) {
		ScheduleDefinition definition = schedule.definition();
		Map<String, String> parameters = definition.parametersFor(run);
		try {
			// Checked before the report is created: a refusal inside submitBulk would
			// mark the whole transaction for rollback.
			this.intake.validate(definition.type(), definition.format(), parameters);
		}
		catch (InvalidRequestException ex) {
			String reason = "The report could not be requested: "
					+ ex.getErrors().stream().map(InvalidField::toString).collect(Collectors.joining("; "));
			if (this.schedules.recordRun(schedule.id(), run, RunState.FAILED, reason)) {
				this.meters.counter(RUNS, "state", RunState.FAILED.name()).increment();
				logger.warn("Schedule {}: the run due at {} failed: {}", schedule.id(), run, reason);
			}
			return;
		}
		if (!this.schedules.recordRun(schedule.id(), run, RunState.CREATED, null)) {
			return;
		}
		UUID reportId = this.intake.submitBulk(schedule.owner(), definition.type(), definition.format(), parameters);
		this.schedules.attachReport(schedule.id(), run, reportId);
		this.meters.counter(RUNS, "state", RunState.CREATED.name()).increment();
		logger.info("Schedule {}: the run due at {} created report {}", schedule.id(), run, reportId);
	}

}
