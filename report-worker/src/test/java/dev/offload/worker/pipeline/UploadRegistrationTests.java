package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.model.files.FileStore;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.TransientFailures;
import dev.offload.worker.Workers;
import dev.offload.worker.catalogue.Catalogue;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.pipeline.Reports.Claim;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A file's key is allocated and registered as an upload in one transaction of the
 * worker's database, on the worker's own wiring (file store, JDBC and transaction manager
 * on one data source): with the embedded store the large object and its registration
 * commit together, so a registration that fails leaves no object behind, and one that
 * commits leaves an object the upload can open at once.
 */
class UploadRegistrationTests {

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

	private static FileStore store;

	@BeforeAll
	static void startWorker() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		worker = Workers.start(database, broker, SMTP_PORT, Map.of("offload.worker.announcements.enabled", false));
		jdbc = worker.getBean(JdbcClient.class);
		reports = worker.getBean(Reports.class);
		store = worker.getBean(FileStore.class);
		// Every registration is logged, so a test sees one that was removed since.
		jdbc.sql("CREATE TABLE registered_uploads (report_id uuid)").update();
		jdbc.sql("""
				CREATE FUNCTION log_upload() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN INSERT INTO registered_uploads VALUES (NEW.report_id); RETURN NEW; END $$""").update();
		jdbc.sql("CREATE TRIGGER log_upload AFTER INSERT ON file_uploads FOR EACH ROW EXECUTE FUNCTION log_upload()")
			.update();
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@Test
	void aRegisteredUploadsObjectExistsAndCanBeWrittenAtOnce() throws Exception {
		Claim claim = new Claim(UUID.randomUUID(), 1, true);

		String key = reports.registerUpload(store.name(), claim, () -> store.allocate(claim.reportId(), 1, "csv"));

		assertThat(store.size(key)).contains(0L);
		assertThat(registrations(key)).isEqualTo(1);
		try (var upload = store.upload(key, "text/csv")) {
			upload.stream().write("a,b\n".getBytes());
			assertThat(upload.complete().size()).isEqualTo(4);
		}
		store.delete(key);
	}

	@Test
	void aRegistrationThatFailsLeavesNoObjectBehind() {
		long objects = largeObjects();
		jdbc.sql("""
				CREATE FUNCTION refuse_upload() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'registration refused'; END $$""").update();
		jdbc.sql("CREATE TRIGGER refuse_upload BEFORE INSERT ON file_uploads FOR EACH ROW "
				+ "EXECUTE FUNCTION refuse_upload()")
			.update();
		try {
			Claim claim = new Claim(UUID.randomUUID(), 1, true);
			assertThatExceptionOfType(DataAccessException.class).isThrownBy(
					() -> reports.registerUpload(store.name(), claim, () -> store.allocate(claim.reportId(), 1, "csv")))
				.withMessageContaining("registration refused");
		}
		finally {
			jdbc.sql("DROP TRIGGER refuse_upload ON file_uploads").update();
			jdbc.sql("DROP FUNCTION refuse_upload()").update();
		}
		assertThat(largeObjects()).isEqualTo(objects);
	}

	/**
	 * A key is new when it is allocated, so a registration already under it was left by a
	 * deletion that could not forget it, before the key came round again: the new upload
	 * takes it over, so retention judges the new file by its own report and age.
	 */
	@Test
	void aStaleRegistrationUnderANewKeyIsTakenOver() {
		String key = "reused-" + UUID.randomUUID();
		UUID stale = UUID.randomUUID();
		jdbc.sql("""
				INSERT INTO file_uploads (store, key, report_id, attempt, created_at)
				VALUES ('test', :key, :id, 3, now() - interval '2 days')""")
			.param("key", key)
			.param("id", stale)
			.update();
		Claim claim = new Claim(UUID.randomUUID(), 1, true);

		assertThat(reports.registerUpload("test", claim, () -> key)).isEqualTo(key);

		assertThat(jdbc.sql("""
				SELECT report_id = :id AND attempt = 1 AND created_at > now() - interval '1 minute'
				  FROM file_uploads WHERE store = 'test' AND key = :key""")
			.param("id", claim.reportId())
			.param("key", key)
			.query(Boolean.class)
			.single()).isTrue();
	}

	/**
	 * A small report's file in the embedded store is created in the transaction that
	 * records the report: never registered as an upload, not even for a moment, and there
	 * once the report is SUCCEEDED. A report taken over before it is recorded leaves no
	 * object behind: the object rolls back with the outcome that was not recorded.
	 */
	@Test
	void aSmallReportsFileIsCreatedInTheTransactionThatRecordsIt() {
		long objects = largeObjects();

		ReportTask recorded = queued();
		ReportFile file = files().build(recorded, claim(recorded), noOp(), parameters(), ReportProgress.NONE)
			.orElseThrow();
		assertRecorded(recorded, file);
		assertThat(largeObjects()).isEqualTo(objects + 1);

		ReportTask takenOver = queued();
		Claim lost = claim(takenOver);
		takeOver(takenOver);
		assertThat(files().build(takenOver, lost, noOp(), parameters(), ReportProgress.NONE)).isEmpty();
		assertThat(Workers.status(jdbc, takenOver.reportId())).isEqualTo("RUNNING");
		assertThat(largeObjects()).isEqualTo(objects + 1);

		assertThat(registered(recorded)).isZero();
		assertThat(registered(takenOver)).isZero();
	}

	/**
	 * A file that outgrows the store's write buffer is registered once, when it does
	 * (inside the report data's read, on a connection of its own), and the statement that
	 * records the report removes the registration. One whose report was taken over
	 * meanwhile is deleted with its registration.
	 */
	@Test
	void aLargeReportsFileIsRegisteredWhenItOutgrowsTheBufferAndRecordedOnce() {
		long objects = largeObjects();

		ReportTask recorded = queued();
		ReportFile file = files().build(recorded, claim(recorded), LARGE, parameters(), ReportProgress.NONE)
			.orElseThrow();
		assertThat(file.file().size()).isGreaterThan(STORE_BUFFER);
		assertRecorded(recorded, file);
		assertThat(registered(recorded)).isEqualTo(1);
		assertThat(registrations(file.file().key())).as("removed when the report was recorded").isZero();
		assertThat(largeObjects()).isEqualTo(objects + 1);

		ReportTask takenOver = queued();
		Claim lost = claim(takenOver);
		takeOver(takenOver);
		assertThat(files().build(takenOver, lost, LARGE, parameters(), ReportProgress.NONE)).isEmpty();
		assertThat(registered(takenOver)).isEqualTo(1);
		assertThat(jdbc.sql("SELECT count(*) FROM file_uploads WHERE report_id = :id")
			.param("id", takenOver.reportId())
			.query(Long.class)
			.single()).as("deleted with its file").isZero();
		assertThat(largeObjects()).isEqualTo(objects + 1);
	}

	/**
	 * Recording a built report fails as a recording failure, whatever the report's time
	 * limit, with the database's error as its cause (here a transient one). A small file
	 * written in the failed transaction is gone with it; a large one, completed before,
	 * stays registered for retention rather than being deleted, since an outcome whose
	 * commit's reply was lost may refer to it.
	 */
	@Test
	void aFailureToRecordTheReportIsARecordingFailureAndLeavesOnlyRegisteredFiles() {
		jdbc.sql("""
				CREATE FUNCTION refuse_success() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				  IF NEW.status = 'SUCCEEDED' THEN
				    RAISE EXCEPTION 'recording refused' USING ERRCODE = '40001';
				  END IF;
				  RETURN NEW;
				END $$""").update();
		jdbc.sql("CREATE TRIGGER refuse_success BEFORE UPDATE ON reports FOR EACH ROW "
				+ "EXECUTE FUNCTION refuse_success()")
			.update();
		try {
			long objects = largeObjects();
			ReportTask small = queued();
			assertThatExceptionOfType(ReportFiles.RecordingFailedException.class)
				.isThrownBy(() -> files().build(small, claim(small), noOp(), parameters(), ReportProgress.NONE))
				.satisfies((ex) -> assertThat(TransientFailures.isTransient(ex.getCause())).isTrue())
				.withMessageContaining("recording refused");
			assertThat(largeObjects()).isEqualTo(objects);
			assertThat(registered(small)).isZero();

			ReportTask large = queued();
			assertThatExceptionOfType(ReportFiles.RecordingFailedException.class)
				.isThrownBy(() -> files().build(large, claim(large), LARGE, parameters(), ReportProgress.NONE));
			List<String> left = jdbc.sql("SELECT key FROM file_uploads WHERE report_id = :id")
				.param("id", large.reportId())
				.query(String.class)
				.list();
			assertThat(left).hasSize(1);
			assertThat(store.size(left.get(0))).get()
				.asInstanceOf(InstanceOfAssertFactories.LONG)
				.isGreaterThan(STORE_BUFFER);
			store.delete(left.get(0));
		}
		finally {
			jdbc.sql("DROP TRIGGER refuse_success ON reports").update();
			jdbc.sql("DROP FUNCTION refuse_success()").update();
		}
	}

	/** The embedded store's write buffer: a larger file is written as it comes. */
	private static final long STORE_BUFFER = 256 * 1024;

	/**
	 * Writes lines until its file has outgrown the store's write buffer several times.
	 */
	private static final ReportDefinition LARGE = new ReportDefinition() {

		@Override
		public ReportTypeDescriptor descriptor() {
			return noOp().descriptor();
		}

		@Override
		public String fileName(ReportParameters parameters) {
			return "large";
		}

		@Override
		public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
			for (int line = 0; line < 20_000; line++) {
				document.paragraph("Line " + line + " of a report larger than the store's write buffer");
			}
		}

	};

	private static ReportFiles files() {
		return worker.getBean(ReportFiles.class);
	}

	private static ReportDefinition noOp() {
		return worker.getBean(Catalogue.class).find("NO_OP").orElseThrow();
	}

	private static ReportParameters parameters() {
		return ReportParameters.of(noOp().descriptor(), Map.of());
	}

	private static void assertRecorded(ReportTask task, ReportFile file) {
		assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("SUCCEEDED");
		assertThat(jdbc.sql("SELECT file_key FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query(String.class)
			.single()).isEqualTo(file.file().key());
		assertThat(store.size(file.file().key())).contains(file.file().size());
	}

	/** Another worker takes the report over: the claim in hand is lost. */
	private static void takeOver(ReportTask task) {
		jdbc.sql("UPDATE reports SET attempts = attempts + 1 WHERE id = :id").param("id", task.reportId()).update();
	}

	/**
	 * How often an upload was registered for the report, even if it was removed since.
	 */
	private static long registered(ReportTask task) {
		return jdbc.sql("SELECT count(*) FROM registered_uploads WHERE report_id = :id")
			.param("id", task.reportId())
			.query(Long.class)
			.single();
	}

	private static ReportTask queued() {
		ReportTask task = new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(),
				new Owner("uploader", "uploader@example.com"), Instant.now(), ReportFormat.CSV);
		Workers.insertQueuedReport(jdbc, task);
		return task;
	}

	private static Claim claim(ReportTask task) {
		return reports.claim(task.reportId(), Duration.ofMinutes(5), new TaskDelivery(1, false, 0)).orElseThrow();
	}

	private static long registrations(String key) {
		return jdbc.sql("SELECT count(*) FROM file_uploads WHERE key = :key")
			.param("key", key)
			.query(Long.class)
			.single();
	}

	private static long largeObjects() {
		return jdbc.sql("SELECT count(*) FROM pg_largeobject_metadata").query(Long.class).single();
	}

}
