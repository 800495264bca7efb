package dev.offload.api.report;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportPriority;
import dev.offload.model.ReportStatus;
import dev.offload.model.ReportTransition;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The {@code reports} and {@code report_files} tables, as far as the API reads and writes
 * them. Every query for a caller names the owner, so one user can never read another's
 * report, not even by guessing its id.
 */
@Repository
class Reports {

	private static final TypeReference<Map<String, String>> PARAMETERS = new TypeReference<>() {
	};

	private static final String COLUMNS = """
			id, owner_id, type, format, parameters::text AS parameters, status, progress, attempts, error,
			idempotency_key, created_at, started_at, finished_at, file_size, priority, batch_id""";

	private final JdbcClient jdbc;

	private final TransactionTemplate ownTransaction;

	private final JsonMapper json;

	private final RowMapper<Report> rowMapper = this::mapRow;

	Reports(JdbcClient jdbc, PlatformTransactionManager transactionManager, JsonMapper json) {
		this.jdbc = jdbc;
		// The accept statement commits on its own, whatever its caller does.
		this.ownTransaction = new TransactionTemplate(transactionManager);
		this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.json = json;
	}

	/**
	 * Accepts the reports of requests that came together, in one statement that commits
	 * them together (in a transaction of its own that first tells PostgreSQL to keep the
	 * statement's generic plan), each with its per-user limit and its idempotency key:
	 * inserts a new QUEUED interactive report for each request whose owner has fewer than
	 * its {@code maxUnfinished} QUEUED or RUNNING interactive reports, counting those the
	 * requests before it in the list add, unless the owner already has one with the same
	 * idempotency key. Each row is also the outbox entry of its task
	 * ({@code task_published_at} stays NULL until the broker confirmed it). The count
	 * stops at the limit, so it reads at most {@code maxUnfinished} index entries per
	 * owner however many reports the owner has waiting. Each report is created at the
	 * moment its row is inserted, in the order of the requests (not all at the
	 * statement's start), so the relay and the owner's list see them in that order.
	 * <p>
	 * A request refused for its key (a concurrent request with the same key committed
	 * first) still counts for the requests after it of the same owner, so those may be
	 * refused one report short of the limit. Two requests with the same owner and key
	 * belong in different statements: the second is answered with the first's report,
	 * which it can read only once the first's statement has committed.
	 * @param requests the requests, in the order they came
	 * @return for each request in order, the inserted report or why none was
	 */
	List<Admission> admitAll(List<NewReport> requests) {
		int size = requests.size();
		List<Map<String, Object>> rows = new ArrayList<>(size);
		for (NewReport request : requests) {
			Map<String, Object> row = new LinkedHashMap<>();
			row.put("id", request.id());
			row.put("owner_id", request.owner().userId());
			row.put("owner_email", request.owner().email());
			row.put("type", request.specification().type());
			row.put("format", request.specification().format().name());
			row.put("parameters", request.specification().parameters());
			row.put("idempotency_key", request.idempotencyKey());
			row.put("max_unfinished", request.maxUnfinished());
			rows.add(row);
		}
		// The requests go as one JSON array, not as a column of arrays to unnest:
		// PostgreSQL plans unnest for the arrays' lengths, so it plans the statement
		// again on every execution (0.4 to 1 ms each time, measured), while it reuses
		// one plan for a JSON array whose length it cannot see.
		String requestsJson = this.json.writeValueAsString(rows);
		List<Admission> admissions;
		try {
			admissions = this.ownTransaction.execute((transaction) -> {
				// And it is told never to plan a run for its parameters. PostgreSQL
				// would whenever its generic plan costs more than the runs it planned
				// before did on average, as it does while the backlog grows (a month's
				// end, a new table): each ANALYZE has it cost the generic plan again for
				// the larger backlog while the average stays behind, and half to three
				// quarters of the runs were planned anew in the benchmark's figure 1,
				// 0.5 ms of PostgreSQL's CPU each. The plan does not depend on the
				// parameters: nothing is gained by planning for them. SET LOCAL: for this
				// statement alone, since a generic plan cannot use a partial index whose
				// predicate a bound parameter would have matched.
				this.jdbc.sql("SET LOCAL plan_cache_mode = force_generic_plan").update();
				return admit(requestsJson);
			});
		}
		catch (CannotCreateTransactionException ex) {
			// No connection: PostgreSQL is unavailable (503), as when a statement without
			// a transaction cannot get one.
			throw new DataAccessResourceFailureException("Could not begin the accept statement's transaction", ex);
		}
		if (admissions == null || admissions.size() != size) {
			throw new IllegalStateException("Admitting " + size + " report requests answered "
					+ ((admissions != null) ? admissions.size() + " rows" : "nothing"));
		}
		return admissions;
	}

	private List<Admission> admit(String requests) {
		return this.jdbc
			.sql("""
					WITH request AS (
					    SELECT * FROM ROWS FROM (json_to_recordset(CAST(:requests AS json)) AS (id uuid, owner_id text,
					            owner_email text, type text, format text, parameters jsonb, idempotency_key text,
					            max_unfinished int))
					        WITH ORDINALITY AS r (id, owner_id, owner_email, type, format, parameters, idempotency_key,
					                              max_unfinished, ord)
					), counted AS (
					    SELECT o.owner_id, (SELECT count(*) FROM (
					            SELECT 1 FROM reports
					            WHERE owner_id = o.owner_id AND status IN ('QUEUED', 'RUNNING') AND priority = 'INTERACTIVE'
					            LIMIT o.max_unfinished) r) AS n
					    FROM (SELECT owner_id, max(max_unfinished) AS max_unfinished FROM request GROUP BY owner_id) o
					), ranked AS (
					    SELECT request.*,
					           c.n + row_number() OVER (PARTITION BY request.owner_id ORDER BY request.ord) - 1 AS unfinished
					    FROM request JOIN counted c ON c.owner_id = request.owner_id
					), inserted AS (
					    INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status, idempotency_key,
					                         priority, created_at)
					    SELECT id, owner_id, owner_email, type, format, parameters, :status, idempotency_key,
					           :priority, clock_timestamp()
					    FROM ranked WHERE unfinished < max_unfinished
					    ORDER BY ord
					    ON CONFLICT (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
					    RETURNING %s
					)
					SELECT r.unfinished, i.* FROM ranked r LEFT JOIN inserted i ON i.id = r.id ORDER BY r.ord"""
				.formatted(COLUMNS))
			.param("requests", requests)
			.param("status", ReportStatus.QUEUED.name())
			.param("priority", ReportPriority.INTERACTIVE.name())
			.query((rs, rowNum) -> new Admission((rs.getObject("id") != null) ? mapRow(rs, rowNum) : null,
					rs.getLong("unfinished")))
			.list();
	}

	/**
	 * A request for a new interactive report.
	 *
	 * @param id the new report's id
	 * @param owner who asks for it
	 * @param specification what to build
	 * @param idempotencyKey the client's key, or {@code null}
	 * @param maxUnfinished the most unfinished interactive reports its owner may have
	 */
	record NewReport(UUID id, Owner owner, ReportSpecification specification, String idempotencyKey,
			int maxUnfinished) {

	}

	/**
	 * The parameters of a new QUEUED report, for {@link #insert}.
	 */
	private Map<String, Object> newReport(UUID id, Owner owner, ReportSpecification specification,
			String idempotencyKey, ReportPriority priority) {
		Map<String, Object> parameters = new HashMap<>();
		parameters.put("id", id);
		parameters.put("ownerId", owner.userId());
		parameters.put("ownerEmail", owner.email());
		parameters.put("type", specification.type());
		parameters.put("format", specification.format().name());
		parameters.put("parameters", this.json.writeValueAsString(specification.parameters()));
		parameters.put("status", ReportStatus.QUEUED.name());
		parameters.put("idempotencyKey", idempotencyKey);
		parameters.put("priority", priority.name());
		return parameters;
	}

	/**
	 * What {@link #admitAll} did with one request.
	 *
	 * @param report the inserted report, or {@code null} if none was inserted
	 * @param unfinished the owner's unfinished interactive reports before this one, those
	 * of the requests before it in the same statement included, counted up to the limit
	 */
	record Admission(Report report, long unfinished) {

	}

	/**
	 * Inserts a new QUEUED report in a lane, unless the owner already has one with the
	 * same idempotency key.
	 * @param id the new report's id
	 * @param owner who asks for it
	 * @param specification what to build
	 * @param idempotencyKey the client's key, or {@code null}
	 * @param priority the lane its task travels in
	 * @return the inserted report, or empty if the key was already used
	 */
	Optional<Report> insert(UUID id, Owner owner, ReportSpecification specification, String idempotencyKey,
			ReportPriority priority) {
		return this.jdbc
			.sql("""
					INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status, idempotency_key,
					                     priority)
					VALUES (:id, :ownerId, :ownerEmail, :type, :format, CAST(:parameters AS jsonb), :status, :idempotencyKey,
					        :priority)
					ON CONFLICT (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
					RETURNING %s"""
				.formatted(COLUMNS))
			.params(newReport(id, owner, specification, idempotencyKey, priority))
			.query(this.rowMapper)
			.optional();
	}

	/**
	 * The reports with these ids, whoever owns them: for {@link Admissions}, to learn
	 * which of the reports it tried to insert are stored.
	 * @param ids the ids
	 * @return the reports found, by id
	 */
	Map<UUID, Report> findAllById(List<UUID> ids) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM reports WHERE id = ANY(:ids)")
			.param("ids", new SqlArrayValue("uuid", ids.toArray()))
			.query(this.rowMapper)
			.stream()
			.collect(Collectors.toMap(Report::id, Function.identity()));
	}

	Optional<Report> findByIdempotencyKey(String ownerId, String idempotencyKey) {
		return this.jdbc
			.sql("SELECT " + COLUMNS + " FROM reports WHERE owner_id = :ownerId AND idempotency_key = :idempotencyKey")
			.param("ownerId", ownerId)
			.param("idempotencyKey", idempotencyKey)
			.query(this.rowMapper)
			.optional();
	}

	/**
	 * The owner of a report, whoever that is: only for checking a signed download link,
	 * which names no user.
	 * @param id the report
	 * @return its owner's user id
	 */
	Optional<String> findOwnerId(UUID id) {
		return this.jdbc.sql("SELECT owner_id FROM reports WHERE id = :id")
			.param("id", id)
			.query(String.class)
			.optional();
	}

	Optional<Report> findById(UUID id, String ownerId) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM reports WHERE id = :id AND owner_id = :ownerId")
			.param("id", id)
			.param("ownerId", ownerId)
			.query(this.rowMapper)
			.optional();
	}

	/**
	 * A page of the owner's reports, newest first (ties by id), read by keyset: the
	 * reports after the cursor, never an offset, and nothing counted, so every page costs
	 * the same however long the owner's history ({@code reports_owner_list} and
	 * {@code reports_owner_status_list} hold this order).
	 * @param ownerId the owner
	 * @param status only reports in this status, or {@code null} for all
	 * @param after the last report of the previous page, or {@code null} for the newest
	 * @param limit how many reports to read at most
	 * @return the reports
	 */
	List<Report> findPage(String ownerId, ReportStatus status, ReportCursor after, int limit) {
		Map<String, Object> params = new HashMap<>();
		params.put("ownerId", ownerId);
		params.put("limit", limit);
		if (status != null) {
			params.put("status", status.name());
		}
		if (after != null) {
			params.put("createdAt", OffsetDateTime.ofInstant(after.createdAt(), ZoneOffset.UTC));
			params.put("id", after.id());
		}
		return this.jdbc.sql(pageQuery(status != null, after != null)).params(params).query(this.rowMapper).list();
	}

	/**
	 * The SQL of {@link #findPage}, with its named parameters {@code :ownerId},
	 * {@code :limit} and, as asked for, {@code :status} and
	 * {@code :createdAt}/{@code :id}. The row comparison {@code (created_at, id) < (...)}
	 * is an index condition of both list indexes, so the scan starts at the cursor rather
	 * than filtering up to it.
	 * @param byStatus whether the page is filtered by status
	 * @param afterCursor whether it starts after a cursor
	 * @return the query
	 */
	static String pageQuery(boolean byStatus, boolean afterCursor) {
		return "SELECT " + COLUMNS + " FROM reports WHERE owner_id = :ownerId"
				+ (byStatus ? " AND status = :status" : "")
				+ (afterCursor ? " AND (created_at, id) < (:createdAt, :id)" : "")
				+ " ORDER BY created_at DESC, id DESC LIMIT :limit";
	}

	/**
	 * How many interactive reports wait for a worker, over all owners. Written with the
	 * condition of the partial index on unfinished interactive reports (the one the
	 * per-owner limit reads), so it reads that index alone, however many bulk reports are
	 * queued.
	 * @return the count of QUEUED interactive reports
	 */
	long countQueued() {
		return this.jdbc.sql(COUNT_QUEUED).query(Long.class).single();
	}

	/** {@link #countQueued()}'s statement (its plan is tested: QueuedCountPlanTests). */
	static final String COUNT_QUEUED = """
			SELECT count(*) FILTER (WHERE status = 'QUEUED') FROM reports
			 WHERE status IN ('QUEUED', 'RUNNING') AND priority = 'INTERACTIVE'""";

	/**
	 * Cancels one of the owner's reports if it has not finished: a conditional update
	 * that names the statuses it expects, so it never overwrites an outcome a worker
	 * stored.
	 * @param id the report's id
	 * @param ownerId the owner
	 * @return whether the report was cancelled
	 */
	boolean cancel(UUID id, String ownerId) {
		return this.jdbc.sql("""
				UPDATE reports SET status = 'CANCELLED', finished_at = now(), updated_at = now()
				WHERE id = :id AND owner_id = :ownerId AND %s""".formatted(ReportTransition.CANCEL.guard()))
			.param("id", id)
			.param("ownerId", ownerId)
			.update() == 1;
	}

	/**
	 * Where a report's file is stored: its store and key, size and SHA-256.
	 * @param id the report
	 * @param ownerId its owner
	 * @return the file's record, or empty if the report records none
	 */
	Optional<StoredFileRecord> findStoredFile(UUID id, String ownerId) {
		return this.jdbc.sql("""
				SELECT file_store, file_key, file_name, content_type, file_size, file_sha256 FROM reports
				WHERE id = :id AND owner_id = :ownerId AND file_key IS NOT NULL AND file_deleted_at IS NULL""")
			.param("id", id)
			.param("ownerId", ownerId)
			.query((rs, rowNum) -> new StoredFileRecord(rs.getString("file_store"), rs.getString("file_key"),
					rs.getString("file_name"), rs.getString("content_type"), rs.getLong("file_size"),
					rs.getString("file_sha256")))
			.optional();
	}

	/**
	 * A file stored before files moved to a file store: a {@code bytea} row of
	 * {@code report_files}, small enough to be read whole.
	 * @param id the report
	 * @param ownerId its owner
	 * @return the file, or empty
	 */
	Optional<ReportFile> findLegacyFile(UUID id, String ownerId) {
		return this.jdbc.sql("""
				SELECT f.file_name, f.content_type, f.content
				FROM report_files f JOIN reports r ON r.id = f.report_id
				WHERE f.report_id = :id AND r.owner_id = :ownerId""")
			.param("id", id)
			.param("ownerId", ownerId)
			.query((rs, rowNum) -> {
				byte[] content = rs.getBytes("content");
				return new ReportFile(rs.getString("file_name"), rs.getString("content_type"), content.length,
						sha256(content), new org.springframework.core.io.ByteArrayResource(content));
			})
			.optional();
	}

	private static String sha256(byte[] content) {
		try {
			return java.util.HexFormat.of()
				.formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Where a report's file is kept.
	 *
	 * @param store the file store's name
	 * @param key the file's key there
	 * @param fileName the name to offer it under
	 * @param contentType its media type
	 * @param size its size
	 * @param sha256 its SHA-256
	 */
	record StoredFileRecord(String store, String key, String fileName, String contentType, long size, String sha256) {

	}

	/**
	 * When the retention job deleted a report's file.
	 * @param id the report
	 * @return the time, or empty if its file was never deleted
	 */
	Optional<Instant> fileDeletedAt(UUID id) {
		return this.jdbc.sql("SELECT file_deleted_at FROM reports WHERE id = :id AND file_deleted_at IS NOT NULL")
			.param("id", id)
			.query((rs, row) -> rs.getTimestamp("file_deleted_at").toInstant())
			.optional();
	}

	private Report mapRow(ResultSet rs, int rowNum) throws SQLException {
		return new Report(rs.getObject("id", UUID.class), rs.getString("owner_id"), rs.getString("type"),
				ReportFormat.valueOf(rs.getString("format")),
				this.json.readValue(rs.getString("parameters"), PARAMETERS),
				ReportStatus.valueOf(rs.getString("status")), rs.getInt("progress"), rs.getInt("attempts"),
				rs.getString("error"), rs.getString("idempotency_key"), instant(rs, "created_at"),
				instant(rs, "started_at"), instant(rs, "finished_at"), rs.getObject("file_size", Long.class),
				ReportPriority.valueOf(rs.getString("priority")), rs.getObject("batch_id", UUID.class));
	}

	private static Instant instant(ResultSet rs, String column) throws SQLException {
		OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
		return (value != null) ? value.toInstant() : null;
	}

}
