package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.files.FileStore;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import dev.offload.worker.catalogue.Catalogue;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.pipeline.Reports.Claim;
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
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@Test
	void aRegisteredUploadsObjectExistsAndCanBeWrittenAtOnce() throws Exception {
		Claim claim = new Claim(UUID.randomUUID(), 1);

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
			Claim claim = new Claim(UUID.randomUUID(), 1);
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
		Claim claim = new Claim(UUID.randomUUID(), 1);

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
		jdbc.sql("CREATE TABLE registered_uploads (report_id uuid)").update();
		jdbc.sql("""
				CREATE FUNCTION log_upload() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN INSERT INTO registered_uploads VALUES (NEW.report_id); RETURN NEW; END $$""").update();
		jdbc.sql("CREATE TRIGGER log_upload AFTER INSERT ON file_uploads FOR EACH ROW EXECUTE FUNCTION log_upload()")
			.update();
		try {
			ReportFiles files = worker.getBean(ReportFiles.class);
			ReportDefinition noOp = worker.getBean(Catalogue.class).find("NO_OP").orElseThrow();
			ReportParameters parameters = ReportParameters.of(noOp.descriptor(), Map.of());
			long objects = largeObjects();

			ReportTask recorded = queued();
			Claim claim = claim(recorded);
			ReportFile file = files.build(recorded, claim, noOp, parameters, ReportProgress.NONE).orElseThrow();
			assertThat(Workers.status(jdbc, recorded.reportId())).isEqualTo("SUCCEEDED");
			assertThat(jdbc.sql("SELECT file_key FROM reports WHERE id = :id")
				.param("id", recorded.reportId())
				.query(String.class)
				.single()).isEqualTo(file.file().key());
			assertThat(store.size(file.file().key())).contains(file.file().size());
			assertThat(largeObjects()).isEqualTo(objects + 1);

			ReportTask takenOver = queued();
			Claim lost = claim(takenOver);
			jdbc.sql("UPDATE reports SET attempts = attempts + 1 WHERE id = :id")
				.param("id", takenOver.reportId())
				.update();
			assertThat(files.build(takenOver, lost, noOp, parameters, ReportProgress.NONE)).isEmpty();
			assertThat(Workers.status(jdbc, takenOver.reportId())).isEqualTo("RUNNING");
			assertThat(largeObjects()).isEqualTo(objects + 1);

			assertThat(jdbc.sql("SELECT count(*) FROM registered_uploads").query(Long.class).single()).isZero();
		}
		finally {
			jdbc.sql("DROP TRIGGER log_upload ON file_uploads").update();
			jdbc.sql("DROP FUNCTION log_upload()").update();
			jdbc.sql("DROP TABLE registered_uploads").update();
		}
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
