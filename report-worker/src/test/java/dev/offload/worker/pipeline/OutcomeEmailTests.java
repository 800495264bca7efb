package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Messages;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;
import dev.offload.worker.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.RabbitListenerEndpointRegistry;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker that records the outcome of a report whose owner has no webhook endpoint
 * records the email telling the owner in the same transaction, on real PostgreSQL,
 * RabbitMQ and SMTP: with the email queue's consumer stopped, every such outcome is still
 * mailed, once, and the email queue takes no copy of it. An owner with an endpoint keeps
 * the email queue's path (so that the announcement sweep can tell a lost event by its
 * missing email): the email queue holds those outcomes, each once, and nothing recorded
 * their emails. A report in a batch is mailed neither way (one summary instead). For a
 * report built alone and for reports claimed ahead together, SUCCEEDED and FAILED alike;
 * every event still reaches the events fanout's subscribers.
 */
class OutcomeEmailTests {

	private static final int SMTP_PORT = Workers.freePort();

	@RegisterExtension
	static final GreenMailExtension greenMail = new GreenMailExtension(
			new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
		.withPerMethodLifecycle(false);

	private static final Owner WATCHED = new Owner("user-watched", "watched@example.com");

	private static final Owner UNWATCHED = new Owner("user-unwatched", "unwatched@example.com");

	private static PrefetchingWorker fixture;

	private static JdbcClient jdbc;

	private static Topology topology;

	@BeforeAll
	static void startWorker() {
		// Ten prefetched reports must fit in the broker's consumer timeout.
		fixture = PrefetchingWorker.start(SMTP_PORT, Map.of("offload.worker.prefetch", 10, "offload.worker.concurrency",
				1, "offload.worker.report-timeout", "1m"));
		jdbc = fixture.jdbc();
		topology = fixture.topology();
		Workers.addWebhookEndpoint(jdbc, WATCHED.userId());
		// What reaches the email queue stays there for the test to read.
		fixture.context().getBean(RabbitListenerEndpointRegistry.class).getListenerContainer("reportEmails").stop();
	}

	@AfterAll
	static void stopWorker() throws Exception {
		fixture.close();
	}

	@BeforeEach
	void emptyQueues() {
		fixture.broker().purge(topology.emailQueue());
		fixture.purgeEvents();
	}

	@Test
	void aReportBuiltAloneRecordsItsEmailWithItsOutcome() {
		List<ReportTask> tasks = new ArrayList<>();
		for (Owner owner : List.of(WATCHED, UNWATCHED)) {
			for (Map<String, String> parameters : List.of(Map.<String, String>of(), Map.of("unknown", "1"))) {
				ReportTask task = noOp(owner, parameters);
				// One at a time: each comes to the pipeline alone.
				fixture.queue(task);
				fixture.awaitStatus(task, status(task));
				tasks.add(task);
			}
		}
		ReportTask inBatch = noOp(UNWATCHED, Map.of());
		Workers.insertQueuedReport(jdbc, inBatch);
		putInABatch(inBatch);
		Workers.publish(fixture.context(), inBatch);
		fixture.awaitStatus(inBatch, "SUCCEEDED");

		assertMailedWithTheirOutcomes(tasks, inBatch);
	}

	@Test
	void reportsClaimedAheadTogetherRecordTheirEmailsWithTheirOutcomes() {
		ReportPipeline pipeline = fixture.context().getBean(ReportPipeline.class);
		for (int i = 0; i < 100 && !pipeline.claimsAhead("NO_OP"); i++) {
			ReportTask warmUp = noOp(UNWATCHED, Map.of());
			fixture.queue(warmUp);
			fixture.awaitStatus(warmUp, "SUCCEEDED");
		}
		assertThat(pipeline.claimsAhead("NO_OP")).as("the worker claims NO_OP ahead").isTrue();
		emptyQueues();
		List<ReportTask> tasks = new ArrayList<>();
		for (int i = 0; i < 9; i++) {
			// Every third fails on its parameters, inside the run.
			tasks.add(noOp((i % 2 == 0) ? WATCHED : UNWATCHED, (i % 3 == 2) ? Map.of("unknown", "1") : Map.of()));
		}
		ReportTask inBatch = noOp(UNWATCHED, Map.of());

		fixture.whileConsumerIsStopped(tasks.size() + 1, () -> {
			tasks.forEach(fixture::queue);
			Workers.insertQueuedReport(jdbc, inBatch);
			putInABatch(inBatch);
			Workers.publish(fixture.context(), inBatch);
		});
		tasks.forEach((task) -> fixture.awaitStatus(task, status(task)));
		fixture.awaitStatus(inBatch, "SUCCEEDED");

		List<UUID> ids = new ArrayList<>(tasks.stream().map(ReportTask::reportId).toList());
		ids.add(inBatch.reportId());
		assertThat(fixture.distinct("started_at", ids)).as("claims").isLessThan(ids.size());
		assertMailedWithTheirOutcomes(tasks, inBatch);
	}

	/**
	 * The unwatched owner's reports outside the batch are mailed (the email queue's
	 * consumer is stopped, so the worker that recorded each recorded its email), each
	 * once; the email queue holds the watched owner's outcomes, each once, and nothing
	 * else, and their emails wait for it; the fanout's subscriber heard every outcome.
	 */
	private static void assertMailedWithTheirOutcomes(List<ReportTask> tasks, ReportTask inBatch) {
		List<UUID> unwatched = tasks.stream()
			.filter((task) -> task.owner().equals(UNWATCHED))
			.map(ReportTask::reportId)
			.toList();
		List<UUID> watched = tasks.stream()
			.filter((task) -> task.owner().equals(WATCHED))
			.map(ReportTask::reportId)
			.toList();
		assertThat(unwatched).isNotEmpty();
		assertThat(watched).isNotEmpty();
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(sent(unwatched)).isEqualTo(unwatched.size()));
		assertThat(emails(unwatched)).as("one email each").isEqualTo(unwatched.size());
		assertThat(emails(watched)).as("left to the email queue").isZero();
		assertThat(emails(List.of(inBatch.reportId()))).as("a report in a batch is not mailed alone").isZero();

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(fixture.broker().messageCount(topology.emailQueue()))
				.isGreaterThanOrEqualTo(watched.size()));
		Set<UUID> queued = new HashSet<>();
		RabbitTemplate rabbit = fixture.context().getBean(RabbitTemplate.class);
		Message message;
		while ((message = rabbit.receive(topology.emailQueue(), 1000)) != null) {
			ReportEvent event = Messages.json().readValue(message.getBody(), ReportEvent.class);
			assertThat(queued.add(event.reportId())).as("copies of %s", event.reportId()).isTrue();
		}
		assertThat(queued).containsExactlyInAnyOrderElementsOf(watched);

		List<UUID> all = new ArrayList<>(tasks.stream().map(ReportTask::reportId).toList());
		all.add(inBatch.reportId());
		Map<UUID, List<PrefetchingWorker.Heard>> heard = fixture.eventsOf(all, 200);
		for (ReportTask task : tasks) {
			assertThat(heard.get(task.reportId())).as("events of %s", task.reportId())
				.extracting((event) -> event.event().type().name())
				.endsWith(status(task));
		}
		assertThat(heard.get(inBatch.reportId())).extracting((event) -> event.event().type().name())
			.endsWith("SUCCEEDED");
	}

	/** The emails of the reports in the outbox. */
	private static long emails(List<UUID> ids) {
		return jdbc.sql("SELECT count(*) FROM sent_emails WHERE report_id = ANY(:ids)")
			.param("ids", ids.toArray(new UUID[0]))
			.query(Long.class)
			.single();
	}

	/** The emails of the reports the SMTP server took. */
	private static long sent(List<UUID> ids) {
		return jdbc.sql("SELECT count(*) FROM sent_emails WHERE report_id = ANY(:ids) AND status = 'SENT'")
			.param("ids", ids.toArray(new UUID[0]))
			.query(Long.class)
			.single();
	}

	private static void putInABatch(ReportTask task) {
		UUID batch = UUID.randomUUID();
		jdbc.sql("""
				INSERT INTO report_batches (id, owner_id, owner_email, type, format, total, created, state)
				VALUES (:id, :owner, :email, 'NO_OP', 'CSV', 2, 1, 'CREATING')
				""")
			.param("id", batch)
			.param("owner", task.owner().userId())
			.param("email", task.owner().email())
			.update();
		jdbc.sql("UPDATE reports SET batch_id = :batch WHERE id = :id")
			.param("batch", batch)
			.param("id", task.reportId())
			.update();
	}

	private static String status(ReportTask task) {
		return task.parameters().isEmpty() ? "SUCCEEDED" : "FAILED";
	}

	private static ReportTask noOp(Owner owner, Map<String, String> parameters) {
		return new ReportTask(UUID.randomUUID(), "NO_OP", parameters, owner, Instant.now(), ReportFormat.CSV);
	}

}
