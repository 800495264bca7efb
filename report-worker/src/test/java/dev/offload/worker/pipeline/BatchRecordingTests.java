package dev.offload.worker.pipeline;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.files.StoredFile;
import dev.offload.testsupport.PreparedPlans;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.WorkerProperties;
import dev.offload.worker.Workers;
import dev.offload.worker.pipeline.Reports.Claim;
import dev.offload.worker.pipeline.Reports.Recording;
import dev.offload.worker.pipeline.Reports.Succeeded;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Reports claimed ahead are recorded together ({@link Reports#succeedAll}): in one
 * transaction, their outcomes in one statement, each with its own file and its email; a
 * report whose claim was lost meanwhile is left as it is, and its file never completed;
 * outcomes and emails commit together or not at all.
 */
class BatchRecordingTests {

	private static final int SMTP_PORT = Workers.freePort();

	@RegisterExtension
	static final GreenMailExtension greenMail = new GreenMailExtension(
			new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
		.withPerMethodLifecycle(false);

	private static TestDatabase database;

	private static TestBroker broker;

	private static ConfigurableApplicationContext worker;

	private static JdbcClient jdbc;

	private static Reports reports;

	@BeforeAll
	static void startWorker() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		// The worker's consumers stay idle: nothing is published to its queue.
		worker = Workers.start(database, broker, SMTP_PORT, Map.of("offload.worker.announcements.enabled", false));
		jdbc = worker.getBean(JdbcClient.class);
		reports = worker.getBean(Reports.class);
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@Test
	void eachReportStillHeldIsRecordedWithItsOwnFileAndOneWhoseClaimWasLostIsLeftAsItIs() {
		List<ReportTask> tasks = List.of(task(), task(), task());
		tasks.forEach((task) -> Workers.insertQueuedReport(jdbc, task));
		Map<UUID, Claim> claims = reports.claimQueued(tasks.stream().map(ReportTask::reportId).toList(),
				Duration.ofMinutes(1));
		assertThat(claims).hasSize(3);
		ReportTask cancelled = tasks.get(1);
		jdbc.sql("UPDATE reports SET status = 'CANCELLED', finished_at = now() WHERE id = :id")
			.param("id", cancelled.reportId())
			.update();
		AtomicInteger completed = new AtomicInteger();
		List<Recording> recordings = tasks.stream().map((task) -> {
			String key = "key-" + task.reportId();
			// Registered as an upload, as a file the store completed before the recording
			// is: recording the report forgets the registration.
			jdbc.sql("INSERT INTO file_uploads (store, key, report_id, attempt) VALUES ('test', :key, :id, 1)")
				.param("key", key)
				.param("id", task.reportId())
				.update();
			Supplier<StoredFile> file = () -> {
				completed.incrementAndGet();
				return new StoredFile("test", key, size(task, tasks), sha256(task, tasks));
			};
			return new Recording(claims.get(task.reportId()), file, "report-" + task.reportId() + ".csv", "text/csv",
					(stored) -> ReportPipeline.event(task, ReportEvent.Type.SUCCEEDED, 100, stored.size(), null));
		}).toList();

		List<Succeeded> outcomes = reports.succeedAll(recordings, BatchRecordingTests::eachFile);

		assertThat(outcomes).extracting(Succeeded::recorded).containsExactly(true, false, true);
		assertThat(outcomes).as("each recorded report's outcome goes with its email")
			.extracting(Succeeded::mailedWithOutcome)
			.containsExactly(true, false, true);
		assertThat(outcomes.get(0).outcome().fileSize()).isEqualTo(size(tasks.get(0), tasks));
		assertThat(outcomes.get(2).outcome().fileSize()).isEqualTo(size(tasks.get(2), tasks));
		assertThat(outcomes.get(1).file()).isNull();
		assertThat(outcomes.get(0).file().key()).isEqualTo("key-" + tasks.get(0).reportId());
		assertThat(outcomes.get(2).file().key()).isEqualTo("key-" + tasks.get(2).reportId());
		assertThat(completed).as("files completed: not the cancelled report's").hasValue(2);
		for (ReportTask task : List.of(tasks.get(0), tasks.get(2))) {
			Map<String, Object> row = row(task);
			assertThat(row).containsEntry("status", "SUCCEEDED")
				.containsEntry("progress", 100)
				.containsEntry("file_store", "test")
				.containsEntry("file_key", "key-" + task.reportId())
				.containsEntry("file_name", "report-" + task.reportId() + ".csv")
				.containsEntry("content_type", "text/csv")
				.containsEntry("file_size", size(task, tasks))
				.containsEntry("file_sha256", sha256(task, tasks));
			assertThat(row.get("lease_until")).isNull();
			assertThat(row.get("finished_at")).isNotNull();
			assertThat(uploads(task)).as("its upload is no longer pending").isZero();
			assertThat(emails(task)).as("its email, in the outbox").containsExactly("SUCCEEDED");
		}
		assertThat(row(cancelled)).containsEntry("status", "CANCELLED").containsEntry("file_key", null);
		assertThat(emails(cancelled)).isEmpty();
		assertThat(uploads(cancelled)).as("left for retention").isOne();
	}

	@Test
	void theOutcomesAndTheirEmailsCommitTogetherOrNotAtAll() {
		List<ReportTask> tasks = List.of(task(), task());
		tasks.forEach((task) -> Workers.insertQueuedReport(jdbc, task));
		Map<UUID, Claim> claims = reports.claimQueued(tasks.stream().map(ReportTask::reportId).toList(),
				Duration.ofMinutes(1));
		OutcomeEmails recorded = worker.getBean(OutcomeEmails.class);
		// The emails are written, then the transaction fails, as it would should the
		// connection break before the commit.
		List<Long> written = new ArrayList<>();
		Reports failing = new Reports(jdbc, worker.getBean(PlatformTransactionManager.class), (outcomes) -> {
			recorded.record(outcomes);
			// Seen inside the transaction, which then fails.
			written.add(jdbc.sql("SELECT count(*) FROM sent_emails WHERE report_id = ANY(:ids)")
				.param("ids", outcomes.stream().map(ReportEvent::reportId).toArray(UUID[]::new))
				.query(Long.class)
				.single());
			throw new IllegalStateException("the transaction fails after the emails");
		}, worker.getBean(WorkerProperties.class));
		List<Recording> recordings = tasks.stream()
			.map((task) -> new Recording(claims.get(task.reportId()),
					() -> new StoredFile("test", "key-" + task.reportId(), 1, "sha"), "report.csv", "text/csv",
					(stored) -> ReportPipeline.event(task, ReportEvent.Type.SUCCEEDED, 100, stored.size(), null)))
			.toList();

		assertThatIllegalStateException()
			.isThrownBy(() -> failing.succeedAll(recordings, BatchRecordingTests::eachFile));
		assertThatIllegalStateException().isThrownBy(() -> failing.succeed(recordings.get(0)));
		assertThat(written).as("emails written before each failure").containsExactly(2L, 1L);

		for (ReportTask task : tasks) {
			assertThat(row(task)).containsEntry("status", "RUNNING").containsEntry("file_key", null);
			assertThat(emails(task)).isEmpty();
		}
	}

	/** Each file's size differs, so one recorded with another's columns shows. */
	private static long size(ReportTask task, List<ReportTask> tasks) {
		return 100L * (tasks.indexOf(task) + 1);
	}

	private static String sha256(ReportTask task, List<ReportTask> tasks) {
		return "sha-" + tasks.indexOf(task) + "-" + task.reportId();
	}

	/**
	 * The batched claim is planned once per connection, not again for each number of
	 * reports it claims: PostgreSQL's own count of its plans on one connection, after
	 * twenty claims of one to ten reports, on a table of 2,000 more reports analyzed as
	 * autovacuum would. With the reports bound as a {@code uuid[]}, whose length the
	 * planner sees, it planned every run again (20 custom plans of 20).
	 */
	@Test
	void theBatchedClaimIsPlannedOnceWhateverTheNumberOfReportsItClaims() throws Exception {
		jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status)
				SELECT gen_random_uuid(), 'backlog-' || (n % 100), 'backlog@example.com', 'NO_OP', 'CSV', '{}', 'QUEUED'
				FROM generate_series(1, 2000) n""").update();
		jdbc.sql("ANALYZE reports").update();
		try (Connection connection = PreparedPlans.preparingFromTheFirstRun(database.connect())) {
			SingleConnectionDataSource oneConnection = new SingleConnectionDataSource(connection, true);
			// Nothing is recorded here, so no emails either.
			Reports onOneConnection = new Reports(JdbcClient.create(oneConnection),
					new DataSourceTransactionManager(oneConnection), (outcomes) -> {
					}, worker.getBean(WorkerProperties.class));
			for (int i = 0; i < 20; i++) {
				List<ReportTask> tasks = new ArrayList<>();
				for (int j = 0; j <= i % 10; j++) {
					tasks.add(task());
				}
				tasks.forEach((task) -> Workers.insertQueuedReport(jdbc, task));
				assertThat(onOneConnection.claimQueued(tasks.stream().map(ReportTask::reportId).toList(),
						Duration.ofMinutes(1)))
					.hasSize(tasks.size());
			}
			PreparedPlans plans = PreparedPlans.of(connection, "json_array_elements_text")
				.orElseThrow(() -> new AssertionError("the claim was not prepared on the server"));
			// PostgreSQL tries custom plans for a prepared statement's first five runs,
			// then keeps the generic one unless custom plans look cheaper.
			assertThat(plans.custom()).isLessThanOrEqualTo(5);
			assertThat(plans.generic()).isGreaterThanOrEqualTo(15);
		}
	}

	private static ReportTask task() {
		return new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(), new Owner("user-1", "ada@example.com"),
				Instant.now(), ReportFormat.CSV);
	}

	private static Map<String, Object> row(ReportTask task) {
		return jdbc.sql("""
				SELECT status, progress, file_store, file_key, file_name, content_type, file_size, file_sha256,
				       lease_until, finished_at
				  FROM reports WHERE id = :id
				""").param("id", task.reportId()).query().singleRow();
	}

	private static List<String> emails(ReportTask task) {
		return jdbc.sql("SELECT outcome FROM sent_emails WHERE report_id = :id")
			.param("id", task.reportId())
			.query(String.class)
			.list();
	}

	private static long uploads(ReportTask task) {
		return jdbc.sql("SELECT count(*) FROM file_uploads WHERE report_id = :id")
			.param("id", task.reportId())
			.query(Long.class)
			.single();
	}

	/** Completes each held report's file on its own, as a store does by default. */
	private static List<StoredFile> eachFile(List<Recording> held) {
		return held.stream().map((recording) -> recording.file().get()).toList();
	}

}
