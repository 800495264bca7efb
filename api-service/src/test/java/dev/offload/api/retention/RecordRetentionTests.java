package dev.offload.api.retention;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.offload.model.Messages;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Record retention against a real PostgreSQL: rows past their age are gone, newer ones
 * stay, and nothing unfinished, still stored or still to be mailed is deleted. Rows are
 * inserted with old timestamps directly; batches of two make every run take several.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.retention.keep-reports-for=400d", "offload.api.retention.keep-sent-emails-for=30d",
				"offload.api.retention.keep-idempotency-keys-for=7d",
				"offload.api.retention.keep-webhook-events-for=30d", "offload.api.retention.batch-size=2",
				"offload.api.reconciliation.enabled=false" })
@AutoConfigureRestTestClient
class RecordRetentionTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private RecordRetention retention;

	@Autowired
	private MeterRegistry meters;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@Test
	void finishedReportsPastTheirAgeAreDeletedWithTheirEmailsAndEverythingElseStays() {
		String owner = "retention-" + UUID.randomUUID();
		UUID succeeded = report(owner, "SUCCEEDED", 401, "'s3'", "'gone-key'", "now() - interval '371 days'");
		UUID failed = report(owner, "FAILED", 401, "NULL", "NULL", "NULL");
		UUID cancelled = report(owner, "CANCELLED", 500, "NULL", "NULL", "NULL");
		UUID legacy = report(owner, "SUCCEEDED", 401, "NULL", "NULL", "NULL");
		legacyFile(legacy);
		email(succeeded, "SUCCEEDED", "SENT", 401);
		email(failed, "FAILED", "SENT", 401);
		UUID recent = report(owner, "SUCCEEDED", 399, "'s3'", "'kept-key'", "now() - interval '369 days'");
		UUID fileStillStored = report(owner, "SUCCEEDED", 401, "'s3'", "'stored-key'", "NULL");
		UUID emailPending = report(owner, "FAILED", 401, "NULL", "NULL", "NULL");
		email(emailPending, "FAILED", "PENDING", null);
		UUID queued = report(owner, "QUEUED", null, "NULL", "NULL", "NULL");
		// Never deleted while unfinished, whatever its timestamps say.
		UUID running = report(owner, "RUNNING", 500, "NULL", "NULL", "NULL");
		double before = deleted("reports");

		this.retention.deleteExpiredReports();

		assertThat(reportsOf(owner)).containsExactlyInAnyOrder(recent, fileStillStored, emailPending, queued, running);
		assertThat(count("SELECT count(*) FROM sent_emails WHERE report_id IN (:ids)", succeeded, failed)).isZero();
		assertThat(count("SELECT count(*) FROM report_files WHERE report_id IN (:ids)", legacy)).isZero();
		assertThat(count("SELECT count(*) FROM sent_emails WHERE report_id IN (:ids)", emailPending)).isOne();
		assertThat(deleted("reports") - before).isEqualTo(4);
		assertThat(this.retention.deleteExpiredReports()).isZero();
	}

	@Test
	void sentEmailsPastTheirAgeAreDeletedWhileNewerAndPendingOnesStay() {
		String owner = "retention-" + UUID.randomUUID();
		UUID report = report(owner, "SUCCEEDED", 40, "NULL", "NULL", "NULL");
		UUID other = report(owner, "FAILED", 40, "NULL", "NULL", "NULL");
		UUID third = report(owner, "FAILED", 40, "NULL", "NULL", "NULL");
		UUID fourth = report(owner, "SUCCEEDED", 40, "NULL", "NULL", "NULL");
		email(report, "SUCCEEDED", "SENT", 31);
		email(other, "FAILED", "SENT", 45);
		email(third, "FAILED", "SENT", 29);
		// An SMTP outage of 60 days: still to be sent, so it stays.
		email(fourth, "SUCCEEDED", "PENDING", null);
		this.jdbc.sql("UPDATE sent_emails SET created_at = now() - interval '60 days' WHERE report_id = :id")
			.param("id", fourth)
			.update();

		assertThat(this.retention.deleteExpiredSentEmails()).isEqualTo(2);

		assertThat(count("SELECT count(*) FROM sent_emails WHERE report_id IN (:ids)", report, other)).isZero();
		assertThat(count("SELECT count(*) FROM sent_emails WHERE report_id IN (:ids)", third, fourth)).isEqualTo(2);
		// The reports themselves are not touched.
		assertThat(reportsOf(owner)).containsExactlyInAnyOrder(report, other, third, fourth);
	}

	@Test
	void idempotencyKeyPastItsAgeIsForgottenAndMayBeUsedForANewReport() {
		String oldKey = "old-" + UUID.randomUUID();
		String recentKey = "recent-" + UUID.randomUUID();
		UUID old = requestedWithKey(oldKey, 8);
		UUID recent = requestedWithKey(recentKey, 6);

		assertThat(this.retention.forgetExpiredIdempotencyKeys()).isGreaterThanOrEqualTo(1);

		assertThat(keyOf(old)).isNull();
		assertThat(keyOf(recent)).isEqualTo(recentKey);
		// The forgotten key makes a new report; the remembered one still answers with its
		// own.
		assertThat(post(oldKey)).isNotEqualTo(old);
		assertThat(post(recentKey)).isEqualTo(recent);
		assertThat(reportsOf("alice")).contains(old, recent);
	}

	@Test
	void webhookEventsPastTheirAgeAreDeletedWithTheirDeliveriesUnlessOneIsPending() {
		UUID endpoint = UUID.randomUUID();
		this.jdbc.sql("""
				INSERT INTO webhook_endpoints (id, owner_id, url, events, secret)
				VALUES (:id, 'retention', 'https://203.0.113.10/hooks', ARRAY['report.succeeded'], 'whsec_AAAA')""")
			.param("id", endpoint)
			.update();
		String old = webhookEvent(endpoint, 31, "DELIVERED");
		String oldFailed = webhookEvent(endpoint, 40, "FAILED");
		// Redelivered recently: stays while that delivery is pending.
		String oldRedelivered = webhookEvent(endpoint, 35, "PENDING");
		String recent = webhookEvent(endpoint, 29, "DELIVERED");
		double before = deleted("webhook-events");

		assertThat(this.retention.deleteExpiredWebhookEvents()).isEqualTo(2);

		assertThat(this.jdbc.sql("SELECT id FROM webhook_events WHERE id IN (:ids)")
			.param("ids", List.of(old, oldFailed, oldRedelivered, recent))
			.query(String.class)
			.list()).containsExactlyInAnyOrder(oldRedelivered, recent);
		assertThat(this.jdbc.sql("SELECT count(*) FROM webhook_deliveries WHERE event_id IN (:ids)")
			.param("ids", List.of(old, oldFailed))
			.query(Long.class)
			.single()).isZero();
		assertThat(deleted("webhook-events") - before).isEqualTo(2);
	}

	@Test
	void aBatchPastItsAgeIsDeletedOnceItsReportsAreAndAnOpenOrRecentOneStays() {
		UUID old = batch("COMPLETED", 401);
		UUID oldWithAReportLeft = batch("COMPLETED", 401);
		UUID recent = batch("CANCELLED", 10);
		UUID open = batch("RUNNING", null);
		this.jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, status, priority, batch_id, batch_item)
				VALUES (:id, 'retention', 'retention@example.com', 'NO_OP', 'CSV', 'SUCCEEDED', 'BULK', :batch, 1)""")
			.param("id", UUID.randomUUID())
			.param("batch", oldWithAReportLeft)
			.update();
		double before = deleted("batches");

		assertThat(this.retention.deleteExpiredBatches()).isEqualTo(1);

		assertThat(this.jdbc.sql("SELECT id FROM report_batches WHERE id IN (:ids)")
			.param("ids", List.of(old, oldWithAReportLeft, recent, open))
			.query(UUID.class)
			.list()).containsExactlyInAnyOrder(oldWithAReportLeft, recent, open);
		assertThat(deleted("batches") - before).isEqualTo(1);
	}

	@Test
	void scheduleRunsPastTheirAgeAreDeletedButNeverOneTheSweepMayStillHandle() {
		OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
		UUID monthly = schedule(now.plusDays(1), false);
		scheduleRun(monthly, now.minusDays(401));
		scheduleRun(monthly, now.minusDays(500));
		OffsetDateTime recent = scheduleRun(monthly, now.minusDays(10));
		// Paused for more than a year, its next run long past: a run at or after that
		// next run is not history yet, whatever its age.
		UUID paused = schedule(now.minusDays(450), true);
		scheduleRun(paused, now.minusDays(460));
		OffsetDateTime atItsNextRun = scheduleRun(paused, now.minusDays(450));
		OffsetDateTime afterItsNextRun = scheduleRun(paused, now.minusDays(420));
		double before = deleted("schedule-runs");

		assertThat(this.retention.deleteExpiredScheduleRuns()).isEqualTo(3);

		assertThat(this.jdbc.sql("SELECT scheduled_for FROM schedule_runs WHERE schedule_id IN (:ids)")
			.param("ids", List.of(monthly, paused))
			.query(OffsetDateTime.class)
			.list()
			.stream()
			.map(OffsetDateTime::toInstant))
			.containsExactlyInAnyOrder(recent.toInstant(), atItsNextRun.toInstant(), afterItsNextRun.toInstant());
		assertThat(deleted("schedule-runs") - before).isEqualTo(3);
	}

	private UUID schedule(OffsetDateTime nextRun, boolean paused) {
		UUID id = UUID.randomUUID();
		this.jdbc
			.sql("""
					INSERT INTO report_schedules (id, owner_id, name, type, format, period, cron, time_zone, misfire, paused,
					                              next_run_at)
					VALUES (:id, 'retention', 'monthly', 'NO_OP', 'CSV', 'PREVIOUS_MONTH', '0 5 1 * *', 'UTC', 'SKIP', :paused,
					        :nextRun)""")
			.param("id", id)
			.param("paused", paused)
			.param("nextRun", nextRun)
			.update();
		return id;
	}

	private OffsetDateTime scheduleRun(UUID schedule, OffsetDateTime at) {
		this.jdbc.sql("""
				INSERT INTO schedule_runs (schedule_id, scheduled_for, state)
				VALUES (:schedule, :at, 'CREATED')""").param("schedule", schedule).param("at", at).update();
		return at;
	}

	private UUID batch(String state, Integer completedDaysAgo) {
		UUID id = UUID.randomUUID();
		this.jdbc.sql("""
				INSERT INTO report_batches (id, owner_id, type, format, items, total, state, completed_at)
				VALUES (:id, 'retention', 'NO_OP', 'CSV', '[{}]', 1, :state,
				        now() - CAST(:days AS integer) * interval '1 day')""")
			.param("id", id)
			.param("state", state)
			.param("days", completedDaysAgo)
			.update();
		return id;
	}

	private String webhookEvent(UUID endpoint, int daysAgo, String deliveryStatus) {
		String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
		this.jdbc.sql("""
				INSERT INTO webhook_events (id, owner_id, type, body, created_at)
				VALUES (:id, 'retention', 'report.succeeded', '{}', now() - :days * interval '1 day')""")
			.param("id", id)
			.param("days", daysAgo)
			.update();
		this.jdbc
			.sql("""
					INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_attempt_at)
					VALUES (:delivery, :id, :endpoint, :status, CASE WHEN :status = 'PENDING' THEN now() + interval '1 hour' END)""")
			.param("delivery", UUID.randomUUID())
			.param("id", id)
			.param("endpoint", endpoint)
			.param("status", deliveryStatus)
			.update();
		return id;
	}

	private UUID post(String idempotencyKey) {
		byte[] body = this.client.post()
			.uri("/api/reports")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.header("Idempotency-Key", idempotencyKey)
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"type": "NO_OP", "format": "CSV"}""")
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody()
			.returnResult()
			.getResponseBodyContent();
		return UUID.fromString(Messages.json().readTree(body).get("id").asString());
	}

	private UUID requestedWithKey(String key, int daysAgo) {
		UUID id = UUID.randomUUID();
		this.jdbc
			.sql("""
					INSERT INTO reports (id, owner_id, owner_email, type, format, status, idempotency_key, task_published_at,
					                     created_at, finished_at, progress)
					VALUES (:id, 'alice', 'alice@example.com', 'NO_OP', 'CSV', 'SUCCEEDED', :key, now(),
					        now() - :days * interval '1 day', now() - :days * interval '1 day', 100)""")
			.param("id", id)
			.param("key", key)
			.param("days", daysAgo)
			.update();
		return id;
	}

	/**
	 * A report that finished some days ago ({@code null}: not finished), its file
	 * recorded in a store or not, deleted from there by file retention or not.
	 */
	private UUID report(String owner, String status, Integer finishedDaysAgo, String fileStore, String fileKey,
			String fileDeletedAt) {
		UUID id = UUID.randomUUID();
		this.jdbc
			.sql("""
					INSERT INTO reports (id, owner_id, owner_email, type, format, status, task_published_at, created_at,
					                     finished_at, file_store, file_key, file_deleted_at)
					VALUES (:id, :owner, 'retention@example.com', 'NO_OP', 'CSV', :status, now(), now() - interval '600 days',
					        now() - CAST(:days AS integer) * interval '1 day', %s, %s, %s)"""
				.formatted(fileStore, fileKey, fileDeletedAt))
			.param("id", id)
			.param("owner", owner)
			.param("status", status)
			.param("days", finishedDaysAgo)
			.update();
		return id;
	}

	private void legacyFile(UUID report) {
		this.jdbc.sql("""
				INSERT INTO report_files (report_id, file_name, content_type, content)
				VALUES (:id, 'r.csv', 'text/csv', CAST('a,b' AS bytea))""").param("id", report).update();
	}

	private void email(UUID report, String outcome, String status, Integer sentDaysAgo) {
		this.jdbc
			.sql("""
					INSERT INTO sent_emails (report_id, outcome, recipient, subject, body, status, sent_at, next_attempt_at)
					VALUES (:id, :outcome, 'retention@example.com', 'Your report', 'https://example.com/signed-link', :status,
					        now() - CAST(:days AS integer) * interval '1 day', CASE WHEN :status = 'PENDING' THEN now() END)""")
			.param("id", report)
			.param("outcome", outcome)
			.param("status", status)
			.param("days", sentDaysAgo)
			.update();
	}

	private List<UUID> reportsOf(String owner) {
		return this.jdbc.sql("SELECT id FROM reports WHERE owner_id = :owner")
			.param("owner", owner)
			.query(UUID.class)
			.list();
	}

	private long count(String sql, UUID... ids) {
		return this.jdbc.sql(sql).param("ids", List.of(ids)).query(Long.class).single();
	}

	private String keyOf(UUID report) {
		return this.jdbc.sql("SELECT idempotency_key FROM reports WHERE id = :id")
			.param("id", report)
			.query((rs, row) -> Optional.ofNullable(rs.getString("idempotency_key")))
			.single()
			.orElse(null);
	}

	private double deleted(String kind) {
		return this.meters.get(RecordRetention.DELETED).tag("kind", kind).counter().count();
	}

}
