package dev.offload.api.batch;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportStatus;
import dev.offload.model.ReportTransition;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code report_batches} table, and the reports of a batch in {@code reports}. Every
 * query for a caller names the owner.
 */
@Repository
class Batches {

	private static final TypeReference<Map<String, String>> PARAMETERS = new TypeReference<>() {
	};

	/** Ends with a line break, so that a text block ("FROM ...") may follow it. */
	private static final String COLUMNS = """
			id, owner_id, owner_email, type, format, parameters::text AS parameters, selector, total, created,
			state, error, created_at, completed_at
			""";

	private final JdbcClient jdbc;

	private final NamedParameterJdbcTemplate batchJdbc;

	private final JsonMapper json;

	Batches(JdbcClient jdbc, NamedParameterJdbcTemplate batchJdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.batchJdbc = batchJdbc;
		this.json = json;
	}

	/**
	 * Inserts a new batch, unless the owner already has one with this idempotency key. A
	 * list batch starts {@link BatchState#CREATING} with its items; a selector batch
	 * starts {@link BatchState#SELECTING}.
	 */
	Optional<Batch> insert(UUID id, Owner owner, String type, ReportFormat format, Map<String, String> parameters,
			List<Map<String, String>> items, String selector, String idempotencyKey) {
		return this.jdbc.sql("""
				INSERT INTO report_batches (id, owner_id, owner_email, type, format, parameters, items, selector, total,
				                            state, idempotency_key)
				VALUES (:id, :ownerId, :ownerEmail, :type, :format, CAST(:parameters AS jsonb), CAST(:items AS jsonb),
				        :selector, :total, :state, :idempotencyKey)
				ON CONFLICT (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
				RETURNING %s""".formatted(COLUMNS))
			.param("id", id)
			.param("ownerId", owner.userId())
			.param("ownerEmail", owner.email())
			.param("type", type)
			.param("format", format.name())
			.param("parameters", this.json.writeValueAsString(parameters))
			.param("items", (items != null) ? this.json.writeValueAsString(items) : null)
			.param("selector", selector)
			.param("total", (items != null) ? items.size() : null)
			.param("state", ((items != null) ? BatchState.CREATING : BatchState.SELECTING).name())
			.param("idempotencyKey", idempotencyKey)
			.query(this::mapRow)
			.optional();
	}

	Optional<Batch> findByIdempotencyKey(String ownerId, String idempotencyKey) {
		return this.jdbc
			.sql("SELECT " + COLUMNS
					+ " FROM report_batches WHERE owner_id = :ownerId AND idempotency_key = :idempotencyKey")
			.param("ownerId", ownerId)
			.param("idempotencyKey", idempotencyKey)
			.query(this::mapRow)
			.optional();
	}

	Optional<Batch> find(UUID id, String ownerId) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM report_batches WHERE id = :id AND owner_id = :ownerId")
			.param("id", id)
			.param("ownerId", ownerId)
			.query(this::mapRow)
			.optional();
	}

	/** The owner's newest batches. */
	List<Batch> newest(String ownerId, int limit) {
		return this.jdbc.sql("SELECT " + COLUMNS + """
				FROM report_batches WHERE owner_id = :ownerId ORDER BY created_at DESC, id DESC LIMIT :limit""")
			.param("ownerId", ownerId)
			.param("limit", limit)
			.query(this::mapRow)
			.list();
	}

	long countOpen(String ownerId) {
		return this.jdbc.sql("""
				SELECT count(*) FROM report_batches
				WHERE owner_id = :ownerId AND state IN ('SELECTING', 'CREATING', 'RUNNING')""")
			.param("ownerId", ownerId)
			.query(Long.class)
			.single();
	}

	/** How many of the batch's reports are in each status. */
	Map<ReportStatus, Long> countByStatus(UUID batchId) {
		Map<ReportStatus, Long> counts = new EnumMap<>(ReportStatus.class);
		for (ReportStatus status : ReportStatus.values()) {
			counts.put(status, 0L);
		}
		this.jdbc.sql("SELECT status, count(*) AS n FROM reports WHERE batch_id = :id GROUP BY status")
			.param("id", batchId)
			.query((rs) -> {
				counts.put(ReportStatus.valueOf(rs.getString("status")), rs.getLong("n"));
			});
		return counts;
	}

	/**
	 * Locks the batch whose reports are still to be selected or created that was worked
	 * on longest ago (batches take turns, a chunk each, so a small one is not stuck
	 * behind a large one), skipping batches another replica is working on. Call in a
	 * transaction.
	 */
	Optional<Batch> lockNextToPrepare() {
		return this.jdbc.sql("SELECT " + COLUMNS + """
				FROM report_batches WHERE state IN ('SELECTING', 'CREATING')
				ORDER BY updated_at LIMIT 1 FOR UPDATE SKIP LOCKED""").query(this::mapRow).optional();
	}

	/** Runs a selector's query: the values, in order. */
	List<String> select(String query, Map<String, String> parameters) {
		return this.jdbc.sql(query).params(parameters).query((rs, row) -> rs.getString("value")).list();
	}

	void selected(UUID id, List<Map<String, String>> items) {
		this.jdbc.sql("""
				UPDATE report_batches
				   SET items = CAST(:items AS jsonb), total = :total, state = 'CREATING', updated_at = now()
				 WHERE id = :id AND state = 'SELECTING'""")
			.param("id", id)
			.param("items", this.json.writeValueAsString(items))
			.param("total", items.size())
			.update();
	}

	void failed(UUID id, String error) {
		this.jdbc.sql("""
				UPDATE report_batches SET state = 'FAILED', error = :error, completed_at = now(), updated_at = now()
				 WHERE id = :id AND state = 'SELECTING'""").param("id", id).param("error", error).update();
	}

	/** The parameter sets of items {@code after + 1} to {@code after + limit}. */
	List<Map<String, String>> items(UUID id, int after, int limit) {
		return this.jdbc.sql("""
				SELECT item.value::text AS item
				  FROM report_batches b, jsonb_array_elements(b.items) WITH ORDINALITY AS item(value, number)
				 WHERE b.id = :id AND item.number > :after AND item.number <= :after + :limit
				 ORDER BY item.number""")
			.param("id", id)
			.param("after", after)
			.param("limit", limit)
			.query((rs, row) -> this.json.readValue(rs.getString("item"), PARAMETERS))
			.list();
	}

	/**
	 * Inserts a chunk of the batch's reports in one round trip: QUEUED in the bulk lane,
	 * or FAILED at once when their parameters were refused. Item numbers make the insert
	 * idempotent.
	 */
	void insertReports(Batch batch, List<NewReport> reports) {
		MapSqlParameterSource[] rows = reports.stream()
			.map((report) -> new MapSqlParameterSource().addValue("id", report.id())
				.addValue("ownerId", batch.ownerId())
				.addValue("ownerEmail", batch.ownerEmail())
				.addValue("type", batch.type())
				.addValue("format", batch.format().name())
				.addValue("parameters", this.json.writeValueAsString(report.parameters()))
				.addValue("status", ((report.error() != null) ? ReportStatus.FAILED : ReportStatus.QUEUED).name())
				.addValue("error", report.error())
				.addValue("batchId", batch.id())
				.addValue("item", report.item()))
			.toArray(MapSqlParameterSource[]::new);
		this.batchJdbc.batchUpdate("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status, error, priority,
				                     batch_id, batch_item, finished_at)
				VALUES (:id, :ownerId, :ownerEmail, :type, :format, CAST(:parameters AS jsonb), :status, :error, 'BULK',
				        :batchId, :item, CASE WHEN :status = 'FAILED' THEN now() END)
				ON CONFLICT (batch_id, batch_item) WHERE batch_id IS NOT NULL DO NOTHING""", rows);
	}

	/** Records how many reports exist; once all do, the batch is running. */
	void created(UUID id, int created) {
		this.jdbc.sql("""
				UPDATE report_batches
				   SET created = :created, updated_at = now(),
				       state = CASE WHEN :created >= total THEN 'RUNNING' ELSE state END
				 WHERE id = :id AND state = 'CREATING'""").param("id", id).param("created", created).update();
	}

	/**
	 * Marks complete every running batch none of whose reports is still queued or
	 * running; each is returned once, to the caller whose update made it complete.
	 */
	List<Batch> completeFinished() {
		return this.jdbc.sql("""
				UPDATE report_batches b
				   SET state = 'COMPLETED', completed_at = now(), updated_at = now()
				 WHERE b.state = 'RUNNING'
				   AND NOT EXISTS (SELECT 1 FROM reports r
				                    WHERE r.batch_id = b.id AND r.status IN ('QUEUED', 'RUNNING'))
				RETURNING %s""".formatted(COLUMNS.replace("parameters::text", "b.parameters::text")))
			.query(this::mapRow)
			.list();
	}

	/**
	 * Cancels an open batch of the owner's and every report of it that has not started or
	 * finished; reports already running finish as usual.
	 * @return whether the batch was open and is now cancelled
	 */
	boolean cancel(UUID id, String ownerId) {
		boolean cancelled = this.jdbc.sql("""
				UPDATE report_batches SET state = 'CANCELLED', completed_at = now(), updated_at = now()
				 WHERE id = :id AND owner_id = :ownerId AND state IN ('SELECTING', 'CREATING', 'RUNNING')""")
			.param("id", id)
			.param("ownerId", ownerId)
			.update() == 1;
		if (cancelled) {
			this.jdbc.sql("""
					UPDATE reports SET status = 'CANCELLED', finished_at = now(), updated_at = now()
					 WHERE batch_id = :id AND status = 'QUEUED' AND %s""".formatted(ReportTransition.CANCEL.guard()))
				.param("id", id)
				.update();
		}
		return cancelled;
	}

	/** A page of the batch's reports in item order, after an item number. */
	List<BatchReportView> reports(UUID batchId, int afterItem, int limit) {
		return this.jdbc.sql("""
				SELECT id, batch_item, status, parameters::text AS parameters, error, finished_at
				  FROM reports WHERE batch_id = :id AND batch_item > :after ORDER BY batch_item LIMIT :limit""")
			.param("id", batchId)
			.param("after", afterItem)
			.param("limit", limit)
			.query((rs, row) -> BatchReportView.of(rs.getObject("id", UUID.class), rs.getInt("batch_item"),
					ReportStatus.valueOf(rs.getString("status")),
					this.json.readValue(rs.getString("parameters"), PARAMETERS), rs.getString("error"),
					instant(rs, "finished_at")))
			.list();
	}

	private Batch mapRow(ResultSet rs, int rowNum) throws SQLException {
		return new Batch(rs.getObject("id", UUID.class), rs.getString("owner_id"), rs.getString("owner_email"),
				rs.getString("type"), ReportFormat.valueOf(rs.getString("format")),
				this.json.readValue(rs.getString("parameters"), PARAMETERS), rs.getString("selector"),
				rs.getObject("total", Integer.class), rs.getInt("created"), BatchState.valueOf(rs.getString("state")),
				rs.getString("error"), instant(rs, "created_at"), instant(rs, "completed_at"));
	}

	private static Instant instant(ResultSet rs, String column) throws SQLException {
		OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
		return (value != null) ? value.toInstant() : null;
	}

	/**
	 * A report of a batch to insert.
	 *
	 * @param id its id
	 * @param item its number in the batch, from 1
	 * @param parameters its parameters, canonical when valid, as given otherwise
	 * @param error why its parameters were refused, or {@code null}
	 */
	record NewReport(UUID id, int item, Map<String, String> parameters, String error) {

	}

}
