package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
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
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code offload.worker.skip-webhooks-queue=false} (a broker that does not bind the
 * {@code .no-webhook} keys yet), the outcome of an owner without a webhook endpoint goes
 * to the webhooks queue as well as the email queue, as before that key existed: on real
 * PostgreSQL, RabbitMQ and SMTP.
 */
class WebhookCopySwitchedOffTests {

	private static final int SMTP_PORT = Workers.freePort();

	@RegisterExtension
	static final GreenMailExtension greenMail = new GreenMailExtension(
			new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
		.withPerMethodLifecycle(false);

	private static final Owner OWNER = new Owner("user-without-endpoint", "plain@example.com");

	private static TestDatabase database;

	private static TestBroker broker;

	private static ConfigurableApplicationContext worker;

	@BeforeAll
	static void startWorker() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		worker = Workers.start(database, broker, SMTP_PORT,
				Map.of("offload.worker.concurrency", 1, "offload.worker.skip-webhooks-queue", false));
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@Test
	void theOutcomeOfAnOwnerWithoutAnEndpointStillReachesTheWebhooksQueue() throws Exception {
		theOutcomeReachesTheWebhooksQueueAndIsMailed(Map.of(), ReportEvent.Type.SUCCEEDED);
	}

	@Test
	void aFailureOfAnOwnerWithoutAnEndpointStillReachesTheWebhooksQueue() throws Exception {
		theOutcomeReachesTheWebhooksQueueAndIsMailed(Map.of("unknown", "1"), ReportEvent.Type.FAILED);
	}

	private static void theOutcomeReachesTheWebhooksQueueAndIsMailed(Map<String, String> parameters,
			ReportEvent.Type outcome) throws Exception {
		Topology topology = worker.getBean(Topology.class);
		JdbcClient jdbc = worker.getBean(JdbcClient.class);
		ReportTask task = new ReportTask(UUID.randomUUID(), "NO_OP", parameters, OWNER, Instant.now(),
				ReportFormat.CSV);

		Workers.insertQueuedReport(jdbc, task);
		Workers.publish(worker, task);

		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo(outcome.name()));
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(Workers.mailsAbout(greenMail, task.reportId())).isOne());
		Message copy = worker.getBean(RabbitTemplate.class).receive(topology.webhooksQueue(), 10_000);
		assertThat(copy).isNotNull();
		ReportEvent event = Messages.json().readValue(copy.getBody(), ReportEvent.class);
		assertThat(event.reportId()).isEqualTo(task.reportId());
		assertThat(event.type()).isEqualTo(outcome);
	}

}
