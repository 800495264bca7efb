package dev.offload.api.outbox;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
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

	/**
	 * The next single reports to publish, oldest first: read off
	 * {@code reports_unpublished_single}, however many reports are finished or wait in
	 * batches (UnpublishedTasksPlanTests). The status and the limit are written into the
	 * statement, not bound: with either as a parameter PostgreSQL planned it again on
	 * every run (a generic plan cannot use the partial index for a status it does not
	 * know, and looks dearer for a limit it does not know), 0.4 ms each time.
	 * @param limit the most rows to take
	 * @return the statement
	 */
	static String nextSingle(int limit) {
		return """
				SELECT id, owner_id, owner_email, type, format, parameters::text AS parameters, created_at, priority
				FROM reports
				WHERE task_published_at IS NULL AND batch_id IS NULL AND status = 'QUEUED'
				ORDER BY created_at
				LIMIT %d
				FOR UPDATE SKIP LOCKED""".formatted(limit);
	}

	/**
	 * Each open batch with how many more of its reports may be published now: counted off
	 * {@code reports_batch_in_flight}, the batch's published and unfinished reports only.
	 */
	static final String BATCH_ROOM = """
			SELECT b.id,
			       :maxInFlight - (SELECT count(*) FROM reports r
			                        WHERE r.batch_id = b.id AND r.task_published_at IS NOT NULL
			                          AND r.status IN ('QUEUED', 'RUNNING')) AS room
			FROM report_batches b
			WHERE b.state IN ('CREATING', 'RUNNING')
			ORDER BY b.created_at""";

	/**
	 * A batch's next reports to publish, in item order: read off
	 * {@code reports_unpublished_batch}, however large the batch.
	 */
	static final String NEXT_OF_BATCH = """
			SELECT id, owner_id, owner_email, type, format, parameters::text AS parameters, created_at, priority
			FROM reports
			WHERE task_published_at IS NULL AND batch_id = :batchId AND status = :status
			ORDER BY batch_item
			LIMIT :limit
			FOR UPDATE SKIP LOCKED""";

	private final JdbcClient jdbc;

	private final JsonMapper json;

	UnpublishedTasks(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	/**
	 * Locks and reads the next QUEUED reports whose task is unpublished, skipping rows
	 * another relay (another replica) has locked, so no two relays publish the same task
	 * at the same time. Must run in a transaction; the locks hold until it ends.
	 * <p>
	 * Reports outside a batch come oldest first. A batch's reports come in item order,
	 * and only while fewer than {@code maxInFlight} of that batch are published and
	 * unfinished; what is left of the limit is shared out over the open batches in turn,
	 * so every batch moves, whatever the size of the others.
	 * @param limit the most rows to take
	 * @param maxInFlight the most reports of one batch published and unfinished at a time
	 * @return the tasks
	 */
	List<ReportTask> lockNext(int limit, int maxInFlight) {
		List<ReportTask> tasks = new ArrayList<>(this.jdbc.sql(nextSingle(limit)).query(this::mapRow).list());
		List<Map.Entry<UUID, Long>> room = this.jdbc.sql(BATCH_ROOM)
			.param("maxInFlight", maxInFlight)
			.query((rs, row) -> Map.entry(rs.getObject("id", UUID.class), rs.getLong("room")))
			.list()
			.stream()
			.filter((entry) -> entry.getValue() > 0)
			.toList();
		int left = limit - tasks.size();
		for (int i = 0; i < room.size() && left > 0; i++) {
			int share = (int) Math.min(room.get(i).getValue(), (left + room.size() - i - 1) / (room.size() - i));
			List<ReportTask> batchTasks = this.jdbc.sql(NEXT_OF_BATCH)
				.param("batchId", room.get(i).getKey())
				.param("status", ReportStatus.QUEUED.name())
				.param("limit", share)
				.query(this::mapRow)
				.list();
			tasks.addAll(batchTasks);
			left -= batchTasks.size();
		}
		return tasks;
	}

	/**
	 * Records that the broker confirmed these reports' tasks.
	 * @param ids the reports
	 */
	void markPublished(Collection<UUID> ids) {
		if (ids.isEmpty()) {
			return;
		}
		// One array parameter rather than IN (:ids): the same SQL text whatever the
		// number
		// of ids, so the driver prepares it once instead of parsing a new statement for
		// every batch size.
		this.jdbc.sql("UPDATE reports SET task_published_at = now() WHERE id = ANY(:ids) AND task_published_at IS NULL")
			.param("ids", ids.toArray(new UUID[0]))
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
		this.jdbc.sql("UPDATE reports SET publish_attempts = publish_attempts + 1 WHERE id = ANY(:ids)")
			.param("ids", ids.toArray(new UUID[0]))
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
