package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An outcome reaches the webhooks queue only if its owner had a webhook endpoint when the
 * report was claimed, and is mailed either way, on real PostgreSQL, RabbitMQ and SMTP:
 * for a report built alone and for reports claimed ahead together, SUCCEEDED and FAILED
 * alike. (No api-service runs here: the endpoint is the row it would have written, and
 * the webhooks queue is read by the test.)
 */
class WebhookCopyTests {

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
	}

	@AfterAll
	static void stopWorker() throws Exception {
		fixture.close();
	}

	@BeforeEach
	void emptyWebhooksQueue() {
		fixture.broker().purge(topology.webhooksQueue());
	}

	@Test
	void aReportBuiltAloneCopiesItsOutcomeToWebhooksOnlyForAnOwnerWithAnEndpoint() {
		List<ReportTask> tasks = new ArrayList<>();
		for (Owner owner : List.of(WATCHED, UNWATCHED)) {
			ReportTask succeeds = noOp(owner, Map.of());
			ReportTask fails = noOp(owner, Map.of("unknown", "1"));
			for (ReportTask task : List.of(succeeds, fails)) {
				// One at a time: each comes to the pipeline alone.
				fixture.queue(task);
				fixture.awaitStatus(task, (task == succeeds) ? "SUCCEEDED" : "FAILED");
				tasks.add(task);
			}
		}

		assertCopies(tasks);
	}

	@Test
	void reportsClaimedAheadTogetherCopyTheirOutcomesToWebhooksOnlyForOwnersWithAnEndpoint() {
		ReportPipeline pipeline = fixture.context().getBean(ReportPipeline.class);
		for (int i = 0; i < 100 && !pipeline.claimsAhead("NO_OP"); i++) {
			ReportTask warmUp = noOp(UNWATCHED, Map.of());
			fixture.queue(warmUp);
			fixture.awaitStatus(warmUp, "SUCCEEDED");
		}
		assertThat(pipeline.claimsAhead("NO_OP")).as("the worker claims NO_OP ahead").isTrue();
		fixture.broker().purge(topology.webhooksQueue());
		List<ReportTask> tasks = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			// Every third fails on its parameters, inside the run.
			tasks.add(noOp((i % 2 == 0) ? WATCHED : UNWATCHED, (i % 3 == 2) ? Map.of("unknown", "1") : Map.of()));
		}

		fixture.whileConsumerIsStopped(tasks.size(), () -> tasks.forEach(fixture::queue));
		tasks.forEach((task) -> fixture.awaitStatus(task, task.parameters().isEmpty() ? "SUCCEEDED" : "FAILED"));

		List<UUID> ids = tasks.stream().map(ReportTask::reportId).toList();
		assertThat(fixture.distinct("started_at", ids)).as("claims").isLessThan(tasks.size());
		assertCopies(tasks);
	}

	/**
	 * Every report's outcome is mailed; the webhooks queue holds the outcomes of the
	 * watched owner's reports, each once, and none of the other's.
	 */
	private static void assertCopies(List<ReportTask> tasks) {
		List<UUID> ids = tasks.stream().map(ReportTask::reportId).toList();
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(jdbc.sql("SELECT count(*) FROM sent_emails WHERE report_id = ANY(:ids)")
				.param("ids", ids.toArray(new UUID[0]))
				.query(Long.class)
				.single()).isEqualTo(tasks.size()));
		Map<UUID, String> expected = new HashMap<>();
		for (ReportTask task : tasks) {
			if (task.owner().equals(WATCHED)) {
				expected.put(task.reportId(), Workers.status(jdbc, task.reportId()));
			}
		}
		assertThat(expected).isNotEmpty();
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(fixture.broker().messageCount(topology.webhooksQueue()))
				.isGreaterThanOrEqualTo(expected.size()));
		Map<UUID, String> copied = new HashMap<>();
		RabbitTemplate rabbit = fixture.context().getBean(RabbitTemplate.class);
		Message message;
		while ((message = rabbit.receive(topology.webhooksQueue(), 1000)) != null) {
			ReportEvent event = Messages.json().readValue(message.getBody(), ReportEvent.class);
			assertThat(copied.put(event.reportId(), event.type().name())).as("copies of %s", event.reportId()).isNull();
		}
		assertThat(copied).isEqualTo(expected);
	}

	private static ReportTask noOp(Owner owner, Map<String, String> parameters) {
		return new ReportTask(UUID.randomUUID(), "NO_OP", parameters, owner, Instant.now(), ReportFormat.CSV);
	}

}
