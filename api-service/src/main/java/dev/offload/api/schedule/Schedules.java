package dev.offload.api.schedule;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.offload.model.Owner;
import dev.offload.model.ReportStatus;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code report_schedules} and {@code schedule_runs} tables. Every query for a caller
 * names the owner.
 */
@Repository
class Schedules {

	private static final TypeReference<Map<String, String>> PARAMETERS = new TypeReference<>() {
	};

	private static final String COLUMNS = """
			id, owner_id, owner_email, name, type, format, parameters::text AS parameters, period, cron,
			rule::text AS rule, time_zone, misfire, paused, next_run_at, created_at""";

	private static final String RUN_COLUMNS = """
			r.schedule_id, r.scheduled_for, r.state, r.report_id, r.error, r.created_at, rep.status AS report_status""";

	private final JdbcClient jdbc;

	private final JsonMapper json;

	private final RowMapper<Schedule> rowMapper = this::mapRow;

	Schedules(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	/**
	 * Serialises the owner's schedule creations for the rest of the transaction, so two
	 * concurrent requests cannot both pass the limit check.
	 * @param ownerId the owner
	 */
	void lockOwner(String ownerId) {
		this.jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('schedules:' || :ownerId, 0))")
			.param("ownerId", ownerId)
			.query((rs, row) -> null)
			.list();
	}

	long countByOwner(String ownerId) {
		return this.jdbc.sql("SELECT count(*) FROM report_schedules WHERE owner_id = :ownerId")
			.param("ownerId", ownerId)
			.query(Long.class)
			.single();
	}

	Schedule insert(UUID id, Owner owner, ScheduleDefinition definition, Instant nextRunAt) {
		return this.jdbc.sql("""
				INSERT INTO report_schedules (id, owner_id, owner_email, name, type, format, parameters, period, cron,
				                              rule, time_zone, misfire, next_run_at)
				VALUES (:id, :ownerId, :ownerEmail, :name, :type, :format, CAST(:parameters AS jsonb), :period, :cron,
				        CAST(:rule AS jsonb), :timeZone, :misfire, :nextRunAt)
				RETURNING %s""".formatted(COLUMNS))
			.param("id", id)
			.param("ownerId", owner.userId())
			.param("ownerEmail", owner.email())
			.params(definitionParams(definition))
			.param("nextRunAt", timestamp(nextRunAt))
			.query(this.rowMapper)
			.single();
	}

	Optional<Schedule> update(UUID id, String ownerId, ScheduleDefinition definition, Instant nextRunAt) {
		return this.jdbc.sql("""
				UPDATE report_schedules
				   SET name = :name, type = :type, format = :format, parameters = CAST(:parameters AS jsonb),
				       period = :period, cron = :cron, rule = CAST(:rule AS jsonb), time_zone = :timeZone,
				       misfire = :misfire, next_run_at = :nextRunAt, updated_at = now()
				 WHERE id = :id AND owner_id = :ownerId
				RETURNING %s""".formatted(COLUMNS))
			.param("id", id)
			.param("ownerId", ownerId)
			.params(definitionParams(definition))
			.param("nextRunAt", timestamp(nextRunAt))
			.query(this.rowMapper)
			.optional();
	}

	private Map<String, Object> definitionParams(ScheduleDefinition definition) {
		Map<String, Object> params = new LinkedHashMap<>();
		params.put("name", definition.name());
		params.put("type", definition.type());
		params.put("format", definition.format());
		params.put("parameters", this.json.writeValueAsString(definition.parameters()));
		params.put("period", definition.period().name());
		params.put("cron", definition.cron());
		params.put("rule", (definition.rule() != null) ? this.json.writeValueAsString(definition.rule()) : null);
		params.put("timeZone", definition.timeZone().getId());
		params.put("misfire", definition.misfire().name());
		return params;
	}

	/**
	 * One of the owner's schedules, locked for the rest of the transaction (a sweep
	 * handling it finishes first).
	 * @param id the schedule
	 * @param ownerId the owner
	 * @return the schedule, or empty if the owner has none with this id
	 */
	Optional<Schedule> lock(UUID id, String ownerId) {
		return this.jdbc
			.sql("SELECT " + COLUMNS + " FROM report_schedules WHERE id = :id AND owner_id = :ownerId" + " FOR UPDATE")
			.param("id", id)
			.param("ownerId", ownerId)
			.query(this.rowMapper)
			.optional();
	}

	Optional<Schedule> findById(UUID id, String ownerId) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM report_schedules WHERE id = :id AND owner_id = :ownerId")
			.param("id", id)
			.param("ownerId", ownerId)
			.query(this.rowMapper)
			.optional();
	}

	List<Schedule> findByOwner(String ownerId) {
		return this.jdbc
			.sql("SELECT " + COLUMNS + " FROM report_schedules WHERE owner_id = :ownerId ORDER BY created_at, id")
			.param("ownerId", ownerId)
			.query(this.rowMapper)
			.list();
	}

	boolean delete(UUID id, String ownerId) {
		return this.jdbc.sql("DELETE FROM report_schedules WHERE id = :id AND owner_id = :ownerId")
			.param("id", id)
			.param("ownerId", ownerId)
			.update() == 1;
	}

	/**
	 * Pauses or resumes a schedule.
	 * @param id the schedule
	 * @param paused whether it is to be paused
	 * @param nextRunAt its next run (a resumed schedule's first run after now)
	 */
	void setPaused(UUID id, boolean paused, Instant nextRunAt) {
		this.jdbc.sql("""
				UPDATE report_schedules SET paused = :paused, next_run_at = :nextRunAt, updated_at = now()
				 WHERE id = :id""")
			.param("id", id)
			.param("paused", paused)
			.param("nextRunAt", timestamp(nextRunAt))
			.update();
	}

	/**
	 * The active schedule due longest ago, locked, skipping those another replica has
	 * locked (it is handling them).
	 * @param now the time
	 * @param passOver schedules not to take (this sweep failed on them)
	 * @return the schedule, or empty if none is due
	 */
	Optional<Schedule> lockNextDue(Instant now, Collection<UUID> passOver) {
		return this.jdbc.sql("SELECT " + COLUMNS + """
				 FROM report_schedules
				WHERE NOT paused AND next_run_at <= :now%s
				ORDER BY next_run_at
				LIMIT 1
				FOR UPDATE SKIP LOCKED""".formatted(passOver.isEmpty() ? "" : " AND id NOT IN (:passOver)"))
			.param("now", timestamp(now))
			.params((passOver.isEmpty()) ? Map.of() : Map.of("passOver", passOver))
			.query(this.rowMapper)
			.optional();
	}

	void advance(UUID id, Instant nextRunAt) {
		this.jdbc.sql("UPDATE report_schedules SET next_run_at = :nextRunAt, updated_at = now() WHERE id = :id")
			.param("id", id)
			.param("nextRunAt", timestamp(nextRunAt))
			.update();
	}

	/**
	 * Records a run, unless it is recorded already: the one place that decides a run
	 * happens once.
	 * @param scheduleId the schedule
	 * @param scheduledFor when the run was due
	 * @param state what became of it
	 * @param error why it created nothing, or {@code null}
	 * @return whether this call recorded it
	 */
	boolean recordRun(UUID scheduleId, Instant scheduledFor, RunState state, String error) {
		return this.jdbc.sql("""
				INSERT INTO schedule_runs (schedule_id, scheduled_for, state, error)
				VALUES (:scheduleId, :scheduledFor, :state, :error)
				ON CONFLICT (schedule_id, scheduled_for) DO NOTHING""")
			.param("scheduleId", scheduleId)
			.param("scheduledFor", timestamp(scheduledFor))
			.param("state", state.name())
			.param("error", error)
			.update() == 1;
	}

	void attachReport(UUID scheduleId, Instant scheduledFor, UUID reportId) {
		this.jdbc.sql("""
				UPDATE schedule_runs SET report_id = :reportId
				 WHERE schedule_id = :scheduleId AND scheduled_for = :scheduledFor""")
			.param("scheduleId", scheduleId)
			.param("scheduledFor", timestamp(scheduledFor))
			.param("reportId", reportId)
			.update();
	}

	/**
	 * The most recent runs of one schedule, newest first, with their reports' status.
	 * @param scheduleId the schedule
	 * @param limit how many
	 * @return the runs
	 */
	List<ScheduleRun> recentRuns(UUID scheduleId, int limit) {
		return this.jdbc.sql("SELECT " + RUN_COLUMNS + """
				 FROM schedule_runs r LEFT JOIN reports rep ON rep.id = r.report_id
				WHERE r.schedule_id = :scheduleId
				ORDER BY r.scheduled_for DESC
				LIMIT :limit""").param("scheduleId", scheduleId).param("limit", limit).query(Schedules::mapRun).list();
	}

	/**
	 * The most recent runs of each of the owner's schedules (each read off the primary
	 * key, newest first).
	 * @param ownerId the owner
	 * @param limit how many per schedule
	 * @return the runs by schedule
	 */
	Map<UUID, List<ScheduleRun>> recentRunsOfOwner(String ownerId, int limit) {
		Map<UUID, List<ScheduleRun>> runs = new LinkedHashMap<>();
		this.jdbc.sql("SELECT " + RUN_COLUMNS + """
				 FROM report_schedules s
				CROSS JOIN LATERAL (SELECT * FROM schedule_runs x WHERE x.schedule_id = s.id
				                     ORDER BY x.scheduled_for DESC LIMIT :limit) r
				 LEFT JOIN reports rep ON rep.id = r.report_id
				WHERE s.owner_id = :ownerId
				ORDER BY r.schedule_id, r.scheduled_for DESC""")
			.param("ownerId", ownerId)
			.param("limit", limit)
			.query((rs, row) -> {
				runs.computeIfAbsent(rs.getObject("schedule_id", UUID.class), (id) -> new ArrayList<>())
					.add(mapRun(rs, row));
				return null;
			})
			.list();
		return runs;
	}

	private static ScheduleRun mapRun(ResultSet rs, int row) throws SQLException {
		String status = rs.getString("report_status");
		return new ScheduleRun(instant(rs, "scheduled_for"), RunState.valueOf(rs.getString("state")),
				rs.getObject("report_id", UUID.class), (status != null) ? ReportStatus.valueOf(status) : null,
				rs.getString("error"), instant(rs, "created_at"));
	}

	private Schedule mapRow(ResultSet rs, int rowNum) throws SQLException {
		String rule = rs.getString("rule");
		ScheduleDefinition definition = new ScheduleDefinition(rs.getString("name"), rs.getString("type"),
				rs.getString("format"), this.json.readValue(rs.getString("parameters"), PARAMETERS),
				RunPeriod.valueOf(rs.getString("period")), rs.getString("cron"),
				(rule != null) ? this.json.readValue(rule, ScheduleRule.class) : null,
				ZoneId.of(rs.getString("time_zone")), Misfire.valueOf(rs.getString("misfire")));
		return new Schedule(rs.getObject("id", UUID.class),
				new Owner(rs.getString("owner_id"), rs.getString("owner_email")), definition, rs.getBoolean("paused"),
				instant(rs, "next_run_at"), instant(rs, "created_at"));
	}

	private static OffsetDateTime timestamp(Instant instant) {
		return (instant != null) ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC) : null;
	}

	private static Instant instant(ResultSet rs, String column) throws SQLException {
		OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
		return (value != null) ? value.toInstant() : null;
	}

}
