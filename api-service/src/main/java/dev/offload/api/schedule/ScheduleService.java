package dev.offload.api.schedule;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.model.Owner;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * A caller's schedules: create, change, pause, resume, delete, and read them with their
 * recent runs. Changing one locks its row, so it never races a sweep handling it.
 */
@Service
class ScheduleService {

	private static final Logger logger = LoggerFactory.getLogger(ScheduleService.class);

	/** Runs shown per schedule in the list. */
	static final int RUNS_IN_LIST = 3;

	/** Runs shown with one schedule. */
	static final int RUNS_IN_DETAIL = 50;

	private final Schedules schedules;

	private final ScheduleValidator validator;

	private final Clock clock;

	private final int maxPerUser;

	ScheduleService(Schedules schedules, ScheduleValidator validator, Clock clock, ScheduleProperties properties) {
		this.schedules = schedules;
		this.validator = validator;
		this.clock = clock;
		this.maxPerUser = properties.maxPerUser();
	}

	@Transactional
	ScheduleView create(Owner owner, ScheduleRequest request) {
		ScheduleDefinition definition = this.validator.validate(request);
		this.schedules.lockOwner(owner.userId());
		if (this.schedules.countByOwner(owner.userId()) >= this.maxPerUser) {
			throw new ScheduleLimitExceededException(this.maxPerUser);
		}
		Schedule schedule = this.schedules.insert(UUID.randomUUID(), owner, definition,
				definition.recurrence().next(this.clock.instant()));
		logger.info("Created schedule {} ({} as {}, {}) for {}; next run at {}", schedule.id(), definition.type(),
				definition.format(), definition.period(), owner.userId(), schedule.nextRunAt());
		return ScheduleView.of(schedule, List.of());
	}

	@Transactional(readOnly = true)
	ScheduleView get(Owner owner, UUID id) {
		Schedule schedule = this.schedules.findById(id, owner.userId())
			.orElseThrow(() -> new ScheduleNotFoundException(id));
		return ScheduleView.of(schedule, this.schedules.recentRuns(id, RUNS_IN_DETAIL));
	}

	@Transactional(readOnly = true)
	ScheduleList list(Owner owner) {
		Map<UUID, List<ScheduleRun>> runs = this.schedules.recentRunsOfOwner(owner.userId(), RUNS_IN_LIST);
		return new ScheduleList(this.schedules.findByOwner(owner.userId())
			.stream()
			.map((schedule) -> ScheduleView.of(schedule, runs.getOrDefault(schedule.id(), List.of())))
			.toList());
	}

	/**
	 * Changes the fields a request gives. New times (cron, rule or zone) start from now;
	 * otherwise the next run stays as it was.
	 * @param owner the caller
	 * @param id the schedule
	 * @param request the fields to change
	 * @return the changed schedule
	 */
	@Transactional
	ScheduleView update(Owner owner, UUID id, ScheduleRequest request) {
		Schedule current = this.schedules.lock(id, owner.userId()).orElseThrow(() -> new ScheduleNotFoundException(id));
		ScheduleDefinition definition = this.validator.validate(request.over(current.definition()));
		boolean newTimes = !definition.sameTimes(current.definition()) || current.nextRunAt() == null;
		Schedule updated = this.schedules
			.update(id, owner.userId(), definition,
					newTimes ? definition.recurrence().next(this.clock.instant()) : current.nextRunAt())
			.orElseThrow(() -> new ScheduleNotFoundException(id));
		logger.info("Changed schedule {} for {}; next run at {}", id, owner.userId(), updated.nextRunAt());
		return ScheduleView.of(updated, this.schedules.recentRuns(id, RUNS_IN_DETAIL));
	}

	@Transactional
	void delete(Owner owner, UUID id) {
		if (!this.schedules.delete(id, owner.userId())) {
			throw new ScheduleNotFoundException(id);
		}
		logger.info("Deleted schedule {} for {}", id, owner.userId());
	}

	@Transactional
	ScheduleView pause(Owner owner, UUID id) {
		Schedule current = this.schedules.lock(id, owner.userId()).orElseThrow(() -> new ScheduleNotFoundException(id));
		if (!current.paused()) {
			this.schedules.setPaused(id, true, current.nextRunAt());
			logger.info("Paused schedule {} for {}", id, owner.userId());
		}
		return get(owner, id);
	}

	/**
	 * Resumes a paused schedule from now: runs that fell due while it was paused are not
	 * caught up.
	 * @param owner the caller
	 * @param id the schedule
	 * @return the resumed schedule
	 */
	@Transactional
	ScheduleView resume(Owner owner, UUID id) {
		Schedule current = this.schedules.lock(id, owner.userId()).orElseThrow(() -> new ScheduleNotFoundException(id));
		if (current.paused()) {
			this.schedules.setPaused(id, false, current.definition().recurrence().next(this.clock.instant()));
			logger.info("Resumed schedule {} for {}", id, owner.userId());
		}
		return get(owner, id);
	}

}
