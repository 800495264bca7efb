package dev.offload.api.outbox;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportPriority;
import dev.offload.model.ReportStatus;
import dev.offload.model.ReportTask;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The outbox: reports whose task the broker has not confirmed yet
 * ({@code task_published_at IS NULL}). The report row is its own outbox entry, so there
 * is no second table to keep in step.
 */
@Repository
class UnpublishedTasks {

	private static final TypeReference<Map<String, String>> PARAMETERS = new TypeReference<>() {
	};

	private final JdbcClient jdbc;

	private final JsonMapper json;

	UnpublishedTasks(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	/**
	 * Locks and reads the oldest QUEUED reports whose task is unpublished, skipping rows
	 * another relay (another replica) has locked, so no two relays publish the same task
	 * at the same time. Must run in a transaction; the locks hold until it ends.
	 * @param limit the most rows to take
	 * @return the tasks, oldest first
	 */
	List<ReportTask> lockOldest(int limit) {
		return this.jdbc.sql("""
				SELECT id, owner_id, owner_email, type, format, parameters::text AS parameters, created_at, priority
				FROM reports
				WHERE task_published_at IS NULL AND status = :status
				ORDER BY created_at
				LIMIT :limit
				FOR UPDATE SKIP LOCKED""")
			.param("status", ReportStatus.QUEUED.name())
			.param("limit", limit)
			.query(this::mapRow)
			.list();
	}

	/**
	 * Records that the broker confirmed these reports' tasks.
	 * @param ids the reports
	 */
	void markPublished(Collection<UUID> ids) {
		if (ids.isEmpty()) {
			return;
		}
		this.jdbc.sql("UPDATE reports SET task_published_at = now() WHERE id IN (:ids) AND task_published_at IS NULL")
			.param("ids", ids)
			.update();
	}

	/**
	 * Counts a failed attempt to publish these reports' tasks; they stay unpublished and
	 * are tried again.
	 * @param ids the reports
	 */
	void countFailedAttempt(Collection<UUID> ids) {
		if (ids.isEmpty()) {
			return;
		}
		this.jdbc.sql("UPDATE reports SET publish_attempts = publish_attempts + 1 WHERE id IN (:ids)")
			.param("ids", ids)
			.update();
	}

	private ReportTask mapRow(ResultSet rs, int rowNum) throws SQLException {
		return new ReportTask(rs.getObject("id", UUID.class), rs.getString("type"),
				this.json.readValue(rs.getString("parameters"), PARAMETERS),
				new Owner(rs.getString("owner_id"), rs.getString("owner_email")),
				rs.getObject("created_at", OffsetDateTime.class).toInstant(),
				ReportFormat.valueOf(rs.getString("format")), ReportPriority.valueOf(rs.getString("priority")));
	}

}
