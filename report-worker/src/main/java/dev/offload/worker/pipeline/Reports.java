package dev.offload.worker.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.offload.model.ReportEvent;
import dev.offload.model.ReportStatus;
import dev.offload.model.ReportTransition;
import dev.offload.model.files.StoredFile;
import dev.offload.worker.WorkerProperties;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The worker's view of the {@code reports} table: claiming a report and moving it through
 * its lifecycle. Every status change is a conditional update that names the status it
 * expects, and, once claimed, the attempt that claimed it: the attempt number is the
 * fencing token that keeps a worker whose lease ran out from overwriting the work of the
 * one that took the report over. Each statement guards on the statuses its
 * {@link ReportTransition} names, so the SQL follows the lifecycle kept in
 * {@link ReportStatus}.
 */
@Repository
class Reports {

	/**
	 * Whether the claimed report's owner has a webhook endpoint now (an index lookup on
	 * {@code webhook_endpoints}): its outcome is published for the webhooks queue only
	 * then ({@link Claim#webhooks}).
	 */
	private static final String OWNER_HAS_WEBHOOK = "EXISTS (SELECT 1 FROM webhook_endpoints w "
			+ "WHERE w.owner_id = reports.owner_id)";

	/** Built once: the hot path runs it for every task. */
	private static final String CLAIM = """
			UPDATE reports
			   SET status = 'RUNNING', started_at = now(), attempts = GREATEST(attempts + 1, :attempt),
			       lease_until = now() + :leaseMillis * interval '1 millisecond',
			       progress = 0, error = NULL, updated_at = now()
			 WHERE id = :id AND %s
			   AND (status = 'QUEUED'
			        OR (status = 'RUNNING'
			            AND (lease_until < now() OR :takeOver OR attempts = :abandonedClaim)))
			RETURNING attempts, %s AS webhooks
			""".formatted(ReportTransition.CLAIM.guard(), OWNER_HAS_WEBHOOK);

	/**
	 * Built once: claims a batch of first deliveries in one statement, locking their rows
	 * in one order (so two such statements never deadlock) and passing over a row another
	 * transaction holds (its report goes through {@link #CLAIM} alone).
	 */
	private static final String CLAIM_QUEUED = """
			UPDATE reports
			   SET status = 'RUNNING', started_at = now(), attempts = attempts + 1,
			       lease_until = now() + :leaseMillis * interval '1 millisecond',
			       progress = 0, error = NULL, updated_at = now()
			 WHERE id IN (SELECT id FROM reports
			               WHERE id IN (SELECT CAST(claimed AS uuid)
			                              FROM json_array_elements_text(CAST(:ids AS json)) claimed)
			                 AND %s AND status = 'QUEUED'
			               ORDER BY id FOR UPDATE SKIP LOCKED)
			RETURNING id, attempts, %s AS webhooks
			""".formatted(ReportTransition.CLAIM.guard(), OWNER_HAS_WEBHOOK);

	/** Built once: the hot path runs it for every report. */
	private static final String SUCCEED = """
			WITH succeeded AS (
			  UPDATE reports
			     SET status = 'SUCCEEDED', progress = 100, finished_at = now(), updated_at = now(),
			         lease_until = NULL, error = NULL, file_store = :store, file_key = :key,
			         file_name = :fileName, content_type = :contentType, file_size = :size, file_sha256 = :sha256
			   WHERE id = :id AND %s AND attempts = :attempt
			  RETURNING id),
			recorded AS (
			  DELETE FROM file_uploads
			   WHERE store = :store AND key = :key AND EXISTS (SELECT 1 FROM succeeded))
			SELECT count(*) FROM succeeded
			""".formatted(ReportTransition.SUCCEED.guard());

	/**
	 * {@link #SUCCEED} for several reports (the arrays' elements in step), returning the
	 * ids of those recorded.
	 */
	private static final String SUCCEED_ALL = """
			WITH files AS (
			  SELECT *
			    FROM unnest(CAST(:ids AS uuid[]), CAST(:attempts AS int[]), CAST(:stores AS text[]),
			                CAST(:keys AS text[]), CAST(:fileNames AS text[]), CAST(:contentTypes AS text[]),
			                CAST(:sizes AS bigint[]), CAST(:sha256s AS text[]))
			      AS f(id, attempt, store, key, file_name, content_type, size, sha256)),
			succeeded AS (
			  UPDATE reports
			     SET status = 'SUCCEEDED', progress = 100, finished_at = now(), updated_at = now(),
			         lease_until = NULL, error = NULL, file_store = f.store, file_key = f.key,
			         file_name = f.file_name, content_type = f.content_type, file_size = f.size,
			         file_sha256 = f.sha256
			    FROM files f
			   WHERE reports.id = f.id AND reports.%s AND reports.attempts = f.attempt
			  RETURNING reports.id, f.store, f.key),
			recorded AS (
			  DELETE FROM file_uploads u
			   USING succeeded s
			   WHERE u.store = s.store AND u.key = s.key)
			SELECT id FROM succeeded
			""".formatted(ReportTransition.SUCCEED.guard());

	/** Locks the reports of a batch still held by their claims. */
	private static final String HELD = """
			SELECT r.id
			  FROM reports r
			  JOIN unnest(CAST(:ids AS uuid[]), CAST(:attempts AS int[])) AS c(id, attempt)
			    ON r.id = c.id AND r.attempts = c.attempt
			 WHERE r.%s
			   FOR UPDATE OF r
			""".formatted(ReportTransition.SUCCEED.guard());

	private final JdbcClient jdbc;

	private final OutcomeEmails emails;

	/**
	 * Whether the outcome of an owner without a webhook endpoint is recorded with its
	 * email ({@code offload.worker.skip-webhooks-queue}): then no durable queue needs its
	 * event ({@link #mailWithOutcome(Claim)}).
	 */
	private final boolean mailWithOutcome;

	private final TransactionTemplate separateTransactions;

	Reports(JdbcClient jdbc, PlatformTransactionManager transactionManager, OutcomeEmails emails,
			WorkerProperties properties) {
		this.jdbc = jdbc;
		this.emails = emails;
		this.mailWithOutcome = properties.skipWebhooksQueue();
		this.separateTransactions = new TransactionTemplate(transactionManager);
		this.separateTransactions.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
	}

	/**
	 * Claims a report for this worker: a QUEUED report, or a RUNNING one whose lease has
	 * run out (its worker died), or, for a delivery that says so, a RUNNING one whose
	 * worker let go of it.
	 * <p>
	 * The report's {@code attempts} becomes at least the delivery's attempt number, so it
	 * also counts attempts that failed before they could claim the report (with
	 * PostgreSQL unreachable); it only ever grows, so it stays a fencing token.
	 * @param reportId the report
	 * @param lease how long the claim holds without a sign of life
	 * @param delivery how the task came: a redelivered task may take over any RUNNING
	 * report (the consumer that held it lost its channel), a retried one the claim it
	 * abandoned
	 * @return the claim, or empty if the report is not there to be claimed
	 */
	Optional<Claim> claim(UUID reportId, Duration lease, TaskDelivery delivery) {
		return this.jdbc.sql(CLAIM)
			.param("id", reportId)
			.param("attempt", delivery.attempt())
			.param("leaseMillis", lease.toMillis())
			.param("takeOver", delivery.redelivered())
			.param("abandonedClaim", delivery.abandonedClaim())
			.query((rs, row) -> new Claim(reportId, rs.getInt("attempts"), rs.getBoolean("webhooks")))
			.optional();
	}

	/**
	 * Claims, in one statement, those of several reports that are QUEUED: what
	 * {@link #claim} does for a first delivery, for a batch of them.
	 * @param reportIds the reports
	 * @param lease how long each claim holds without a sign of life
	 * @return the claims, by report; a report that was not QUEUED is left out
	 */
	Map<UUID, Claim> claimQueued(Collection<UUID> reportIds, Duration lease) {
		Map<UUID, Claim> claims = new HashMap<>();
		// As one JSON array, not a uuid[]: seeing an array's length, PostgreSQL found a
		// custom plan cheaper every time and planned every run; a JSON array's rows it
		// estimates the same whatever their number, so it keeps the generic plan.
		this.jdbc.sql(CLAIM_QUEUED)
			.param("ids",
					reportIds.stream()
						.map((id) -> '"' + id.toString() + '"')
						.collect(Collectors.joining(",", "[", "]")))
			.param("leaseMillis", lease.toMillis())
			.query((rs) -> {
				UUID id = rs.getObject("id", UUID.class);
				claims.put(id, new Claim(id, rs.getInt("attempts"), rs.getBoolean("webhooks")));
			});
		return claims;
	}

	/**
	 * Lets go of claims taken ahead of their reports' building, back to QUEUED as they
	 * were, so each report shows as waiting while it waits.
	 * @param claims the claims
	 */
	void release(Collection<Claim> claims) {
		// Possibly from inside a report's read-only transaction (its progress): in one
		// of its own.
		this.separateTransactions.executeWithoutResult((status) -> releaseAll(claims));
	}

	private void releaseAll(Collection<Claim> claims) {
		for (Claim claim : claims) {
			this.jdbc.sql("""
					UPDATE reports
					   SET status = 'QUEUED', started_at = NULL, lease_until = NULL, progress = 0, updated_at = now()
					 WHERE id = :id AND %s AND attempts = :attempt
					""".formatted(ReportTransition.HAND_BACK.guard()))
				.param("id", claim.reportId())
				.param("attempt", claim.attempt())
				.update();
		}
	}

	/**
	 * Hands a claimed report back to QUEUED after a transient failure, so the retry of
	 * its task can claim it at once.
	 * @param claim the claim
	 * @param error what the owner is told meanwhile ({@link Failure#retrying}), kept
	 * until the next attempt starts
	 * @return {@code false} if the claim was lost (cancelled or taken over)
	 */
	boolean handBack(Claim claim, String error) {
		return this.jdbc.sql("""
				UPDATE reports
				   SET status = 'QUEUED', error = :error, lease_until = NULL, progress = 0, updated_at = now()
				 WHERE id = :id AND %s AND attempts = :attempt
				""".formatted(ReportTransition.HAND_BACK.guard()))
			.param("error", error)
			.param("id", claim.reportId())
			.param("attempt", claim.attempt())
			.update() == 1;
	}

	/**
	 * Marks a report FAILED for good without having claimed it: its last attempt failed
	 * before the claim (PostgreSQL was unreachable then).
	 * @param reportId the report
	 * @param delivery the last delivery; a RUNNING report is failed only if it is the
	 * claim this task abandoned
	 * @param error a summary of what went wrong, shown to the report's owner: a
	 * {@link Failure}'s, never an exception's message
	 * @return {@code false} if the report is finished, unknown, or owned by a live worker
	 */
	boolean failUnclaimed(UUID reportId, TaskDelivery delivery, String error) {
		return this.jdbc.sql("""
				UPDATE reports
				   SET status = 'FAILED', error = :error, finished_at = now(), updated_at = now(),
				       lease_until = NULL, attempts = GREATEST(attempts, :attempt)
				 WHERE id = :id AND %s
				   AND (status = 'QUEUED' OR (status = 'RUNNING' AND attempts = :abandonedClaim))
				""".formatted(ReportTransition.FAIL_UNCLAIMED.guard()))
			.param("error", error)
			.param("attempt", delivery.attempt())
			.param("id", reportId)
			.param("abandonedClaim", delivery.abandonedClaim())
			.update() == 1;
	}

	/**
	 * A finished report's outcome, to announce it again.
	 * @param reportId the report
	 * @return its status, file size and error, or empty if there is no such report
	 */
	Optional<Outcome> outcome(UUID reportId) {
		return this.jdbc.sql("SELECT status, file_size, error FROM reports WHERE id = :id")
			.param("id", reportId)
			.query((rs, row) -> new Outcome(ReportStatus.valueOf(rs.getString("status")),
					(Long) rs.getObject("file_size"), rs.getString("error")))
			.optional();
	}

	/**
	 * The current status of a report.
	 * @param reportId the report
	 * @return its status, or empty if there is no such report
	 */
	Optional<ReportStatus> status(UUID reportId) {
		return this.jdbc.sql("SELECT status FROM reports WHERE id = :id")
			.param("id", reportId)
			.query((rs, row) -> ReportStatus.valueOf(rs.getString("status")))
			.optional();
	}

	/**
	 * Records progress and renews the claim's lease, as the worker's sign of life.
	 * @param claim the claim
	 * @param percent how far the report is
	 * @param lease the renewed lease
	 * @return {@code false} if the claim was lost (the report was cancelled or taken
	 * over)
	 */
	boolean progress(Claim claim, int percent, Duration lease) {
		// Progress is reported from inside a generator's read-only transaction, which
		// holds its cursor open; the update commits on its own connection at once, so
		// others see it while the report is still being read.
		Integer updated = this.separateTransactions.execute((status) -> this.jdbc.sql("""
				UPDATE reports
				   SET progress = :progress, lease_until = now() + :leaseMillis * interval '1 millisecond',
				       updated_at = now()
				 WHERE id = :id AND status = 'RUNNING' AND attempts = :attempt
				""")
			.param("progress", percent)
			.param("leaseMillis", lease.toMillis())
			.param("id", claim.reportId())
			.param("attempt", claim.attempt())
			.update());
		return updated != null && updated == 1;
	}

	/**
	 * Completes the report's file and records it, marking the report SUCCEEDED, with the
	 * email telling its owner ({@link OutcomeEmails}) unless the owner has a webhook
	 * endpoint ({@link #mailWithOutcome(Claim)}), in one transaction: a report is never
	 * SUCCEEDED without a durable file, and a file is recorded only for a report this
	 * worker still owns. A store that keeps its files in this database writes a small
	 * file in this transaction ({@code FileStore#upload}), so the file and the outcome
	 * commit together, in four round trips and one commit. The file's upload, if it was
	 * registered as unfinished, stops being so in the statement that marks the report,
	 * only if it does.
	 * @param recording the report and its file
	 * @return its stored file, outcome and whether it was recorded; not recorded if the
	 * claim was lost: then nothing was, and a file the store wrote in the transaction was
	 * rolled back with it
	 */
	Succeeded succeed(Recording recording) {
		return this.separateTransactions.execute((status) -> {
			StoredFile stored = recording.file().get();
			if (!record(recording.claim(), stored, recording.fileName(), recording.contentType())) {
				status.setRollbackOnly();
				return new Succeeded(stored, false, null, false);
			}
			ReportEvent outcome = recording.outcome().apply(stored);
			boolean mailedWithOutcome = mailWithOutcome(recording.claim());
			if (mailedWithOutcome) {
				this.emails.record(List.of(outcome));
			}
			return new Succeeded(stored, true, outcome, mailedWithOutcome);
		});
	}

	/**
	 * What {@link #succeed} does, for several reports in one transaction: one commit for
	 * all, one statement for their outcomes and one for the emails recorded with them.
	 * The reports still held by their claims are locked first, and only their files
	 * completed: a report whose claim was lost is left as it is while the others are
	 * recorded, and a file the store was to create in this transaction is never created
	 * for it.
	 * @param recordings the reports and their files
	 * @param complete completes the files of the recordings it is given (those still
	 * held), in order, inside the transaction: the store may create them together
	 * ({@link dev.offload.model.files.FileStore#completeAll}) rather than each with its
	 * {@link Recording#file()}
	 * @return for each recording in order, its stored file, outcome and whether it was
	 * recorded
	 */
	List<Succeeded> succeedAll(List<Recording> recordings, Function<List<Recording>, List<StoredFile>> complete) {
		return this.separateTransactions.execute((status) -> {
			// The reports still held by their claims, locked: only their files are
			// created, so none is created for a report that will not be recorded.
			Set<UUID> held = new HashSet<>(this.jdbc.sql(HELD)
				.param("ids", recordings.stream().map((recording) -> recording.claim().reportId()).toArray(UUID[]::new))
				.param("attempts",
						recordings.stream().map((recording) -> recording.claim().attempt()).toArray(Integer[]::new))
				.query(UUID.class)
				.list());
			List<Recording> recorded = new ArrayList<>(held.size());
			for (Recording recording : recordings) {
				if (held.contains(recording.claim().reportId())) {
					recorded.add(recording);
				}
			}
			List<StoredFile> files = recorded.isEmpty() ? List.of() : complete.apply(recorded);
			// Their outcomes in one statement.
			Set<UUID> succeeded = recorded.isEmpty() ? Set.of() : new HashSet<>(this.jdbc.sql(SUCCEED_ALL)
				.param("ids", recorded.stream().map((recording) -> recording.claim().reportId()).toArray(UUID[]::new))
				.param("attempts",
						recorded.stream().map((recording) -> recording.claim().attempt()).toArray(Integer[]::new))
				.param("stores", files.stream().map(StoredFile::store).toArray(String[]::new))
				.param("keys", files.stream().map(StoredFile::key).toArray(String[]::new))
				.param("fileNames", recorded.stream().map(Recording::fileName).toArray(String[]::new))
				.param("contentTypes", recorded.stream().map(Recording::contentType).toArray(String[]::new))
				.param("sizes", files.stream().map(StoredFile::size).toArray(Long[]::new))
				.param("sha256s", files.stream().map(StoredFile::sha256).toArray(String[]::new))
				.query(UUID.class)
				.list());
			// Their emails in one more.
			Map<UUID, ReportEvent> outcomes = new HashMap<>();
			List<ReportEvent> mailing = new ArrayList<>();
			for (int k = 0; k < recorded.size(); k++) {
				Claim claim = recorded.get(k).claim();
				if (succeeded.contains(claim.reportId())) {
					ReportEvent outcome = recorded.get(k).outcome().apply(files.get(k));
					outcomes.put(claim.reportId(), outcome);
					if (mailWithOutcome(claim)) {
						mailing.add(outcome);
					}
				}
			}
			if (!mailing.isEmpty()) {
				this.emails.record(mailing);
			}
			List<Succeeded> results = new ArrayList<>(recordings.size());
			int k = 0;
			for (Recording recording : recordings) {
				UUID id = recording.claim().reportId();
				results.add(held.contains(id)
						? new Succeeded(files.get(k++), succeeded.contains(id), outcomes.get(id),
								succeeded.contains(id) && mailWithOutcome(recording.claim()))
						: new Succeeded(null, false, null, false));
			}
			return results;
		});
	}

	private boolean record(Claim claim, StoredFile stored, String fileName, String contentType) {
		return this.jdbc.sql(SUCCEED)
			.param("store", stored.store())
			.param("key", stored.key())
			.param("fileName", fileName)
			.param("contentType", contentType)
			.param("size", stored.size())
			.param("sha256", stored.sha256())
			.param("id", claim.reportId())
			.param("attempt", claim.attempt())
			.query(Integer.class)
			.single() == 1;
	}

	/**
	 * Allocates the key of a file about to be written and registers it as an upload,
	 * before the store writes anything durable under it outside the transaction that
	 * records the report, so retention can delete the file if it is never recorded with
	 * its report. Both happen in one transaction of their own, committed when this
	 * returns: a store that keeps files in this database creates the file's object in it
	 * ({@code FileStore#allocate}), so the object and its registration commit together,
	 * or neither does.
	 * <p>
	 * The key is new, so a registration already under it is stale (left by a deletion
	 * whose registration could not be forgotten, before the key was reused): it is taken
	 * over, with this report, this attempt and the current time, so retention judges the
	 * new file by its own age and report.
	 * @param store the file store's name
	 * @param claim the claim that writes it
	 * @param allocate allocates the key in the store
	 * @return the key
	 */
	String registerUpload(String store, Claim claim, Supplier<String> allocate) {
		return this.separateTransactions.execute((status) -> {
			String key = allocate.get();
			this.jdbc.sql("""
					INSERT INTO file_uploads (store, key, report_id, attempt) VALUES (:store, :key, :id, :attempt)
					ON CONFLICT (store, key) DO UPDATE
					   SET report_id = EXCLUDED.report_id, attempt = EXCLUDED.attempt, created_at = now()
					""")
				.param("store", store)
				.param("key", key)
				.param("id", claim.reportId())
				.param("attempt", claim.attempt())
				.update();
			return key;
		});
	}

	/**
	 * Forgets a registered upload: recorded with its report, or deleted.
	 * @param store the file store's name
	 * @param key the file's key
	 */
	void forgetUpload(String store, String key) {
		this.jdbc.sql("DELETE FROM file_uploads WHERE store = :store AND key = :key")
			.param("store", store)
			.param("key", key)
			.update();
	}

	/**
	 * Marks the report FAILED for good, with the email telling its owner
	 * ({@link OutcomeEmails}) in one transaction if no durable queue then needs its event
	 * ({@link #mailWithOutcome(Claim)}).
	 * @param claim the claim
	 * @param outcome the report's FAILED event, with the summary its owner is told
	 * @return whether it was recorded ({@code false} if the claim was lost) and its email
	 * with it
	 */
	Failed failAndMail(Claim claim, ReportEvent outcome) {
		if (!mailWithOutcome(claim)) {
			return new Failed(fail(claim, outcome.error()), false);
		}
		return this.separateTransactions.execute((status) -> {
			if (!fail(claim, outcome.error())) {
				return new Failed(false, false);
			}
			this.emails.record(List.of(outcome));
			return new Failed(true, true);
		});
	}

	/**
	 * Whether the claimed report's outcome is recorded with its email: for an owner who
	 * had no webhook endpoint when it was claimed, whose outcome no durable queue then
	 * needs. An owner with one keeps the email queue's path, so that the announcement
	 * sweep, which looks for outcomes without their email, still finds an outcome whose
	 * event was lost and announces it to the webhooks queue too.
	 */
	private boolean mailWithOutcome(Claim claim) {
		return this.mailWithOutcome && !claim.webhooks();
	}

	/**
	 * Marks the report FAILED for good.
	 * @param claim the claim
	 * @param error a summary of what went wrong, shown to the report's owner: a
	 * {@link Failure}'s, never an exception's message
	 * @return {@code false} if the claim was lost
	 */
	boolean fail(Claim claim, String error) {
		return this.jdbc.sql("""
				UPDATE reports
				   SET status = 'FAILED', error = :error, finished_at = now(), updated_at = now(),
				       lease_until = NULL
				 WHERE id = :id AND %s AND attempts = :attempt
				""".formatted(ReportTransition.FAIL.guard()))
			.param("error", error)
			.param("id", claim.reportId())
			.param("attempt", claim.attempt())
			.update() == 1;
	}

	/**
	 * What a report's row says about it.
	 *
	 * @param status its status
	 * @param fileSize the stored file's size, once SUCCEEDED
	 * @param error what went wrong, once FAILED
	 */
	record Outcome(ReportStatus status, Long fileSize, String error) {

	}

	/**
	 * A report's file to record with it ({@link #succeed}, {@link #succeedAll}).
	 *
	 * @param claim the claim
	 * @param file completes the file, inside the transaction
	 * @param fileName the name it is downloaded as
	 * @param contentType its media type
	 * @param outcome the report's SUCCEEDED event, given its stored file: its email may
	 * be recorded with it, and it is published once committed
	 */
	record Recording(Claim claim, Supplier<StoredFile> file, String fileName, String contentType,
			Function<StoredFile, ReportEvent> outcome) {

	}

	/**
	 * What became of a {@link Recording}.
	 *
	 * @param file the stored file; {@code null} if the claim was lost before it was
	 * completed
	 * @param recorded whether the report was marked SUCCEEDED with it; {@code false} if
	 * its claim was lost
	 * @param outcome its SUCCEEDED event, once recorded; {@code null} if not
	 * @param mailedWithOutcome whether it went with the email telling its owner, in its
	 * transaction, as it does for an owner without a webhook endpoint (with none for a
	 * report in a batch or an owner without an address): then no durable queue needs its
	 * event, which otherwise takes the outcome to the email queue
	 */
	record Succeeded(StoredFile file, boolean recorded, ReportEvent outcome, boolean mailedWithOutcome) {

	}

	/**
	 * What became of a report's failure ({@link #failAndMail}).
	 *
	 * @param recorded whether the report was marked FAILED; {@code false} if its claim
	 * was lost
	 * @param mailedWithOutcome whether it went with the email telling its owner, as for
	 * {@link Succeeded#mailedWithOutcome}
	 */
	record Failed(boolean recorded, boolean mailedWithOutcome) {

	}

	/**
	 * A report claimed by this worker.
	 *
	 * @param reportId the report
	 * @param attempt the attempt number the claim set; later updates require it
	 * @param webhooks whether the report's owner had a webhook endpoint when it was
	 * claimed: if not, its outcome is recorded with its email and published for neither
	 * the email nor the webhooks queue
	 * ({@link dev.offload.model.Topology#eventRoutingKeyMailedWithoutWebhook}), so an
	 * endpoint hears at least the outcomes of its owner's reports claimed after it was
	 * created
	 */
	record Claim(UUID reportId, int attempt, boolean webhooks) {

	}

}
