package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.offload.model.Messages;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageListenerContainer;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.RabbitListenerEndpointRegistry;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker of the pipeline's tests against real PostgreSQL and RabbitMQ, with a tap on
 * the events exchange, whose task consumer a test can stop while it queues tasks, so that
 * they reach the pipeline together ({@link BatchedTasksTests},
 * {@link HeldRunningEventTests}).
 */
final class PrefetchingWorker implements AutoCloseable {

	private final TestDatabase database;

	private final TestBroker broker;

	private final ConfigurableApplicationContext worker;

	private final JdbcClient jdbc;

	private final Topology topology;

	private final String events;

	private PrefetchingWorker(TestDatabase database, TestBroker broker, ConfigurableApplicationContext worker) {
		this.database = database;
		this.broker = broker;
		this.worker = worker;
		this.jdbc = worker.getBean(JdbcClient.class);
		this.topology = worker.getBean(Topology.class);
		this.events = Workers.eventTap(worker);
	}

	/**
	 * Starts a worker on a database and broker of its own.
	 * @param smtpPort the test's SMTP server
	 * @param settings the worker's settings
	 * @return the worker
	 */
	static PrefetchingWorker start(int smtpPort, Map<String, Object> settings) {
		TestDatabase database = TestDatabase.create();
		TestBroker broker = TestBroker.create();
		PrefetchingWorker started = new PrefetchingWorker(database, broker,
				Workers.start(database, broker, smtpPort, settings));
		// The tasks a test queues while the consumer is stopped come to the pipeline as
		// one batch: the container waits up to half a second for them, not 5 ms.
		SimpleMessageListenerContainer container = (SimpleMessageListenerContainer) started.container();
		container.setReceiveTimeout(500);
		container.setBatchReceiveTimeout(500);
		return started;
	}

	ConfigurableApplicationContext context() {
		return this.worker;
	}

	JdbcClient jdbc() {
		return this.jdbc;
	}

	Topology topology() {
		return this.topology;
	}

	TestBroker broker() {
		return this.broker;
	}

	/** The queue that taps every report event. */
	String events() {
		return this.events;
	}

	MessageListenerContainer container() {
		return this.worker.getBean(RabbitListenerEndpointRegistry.class).getListenerContainer("reportTasks");
	}

	/** Inserts the task's report as QUEUED and publishes the task. */
	void queue(ReportTask task) {
		Workers.insertQueuedReport(this.jdbc, task);
		Workers.publish(this.worker, task);
	}

	void awaitStatus(ReportTask task, String status) {
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(Workers.status(this.jdbc, task.reportId())).isEqualTo(status));
	}

	/**
	 * Does the work (queueing tasks) while the task consumer is stopped, and starts it
	 * again once the queue holds that many tasks, so it gets them together.
	 */
	void whileConsumerIsStopped(int tasks, Runnable work) {
		MessageListenerContainer container = container();
		container.stop();
		try {
			work.run();
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(
						() -> assertThat(this.broker.messageCount(this.topology.generateQueue())).isEqualTo(tasks));
		}
		finally {
			container.start();
		}
	}

	/** How many distinct values the reports have in a column (started_at: claims). */
	long distinct(String column, List<UUID> ids) {
		return this.jdbc.sql("SELECT count(DISTINCT " + column + ") FROM reports WHERE id = ANY(:ids)")
			.param("ids", ids.toArray(new UUID[0]))
			.query(Long.class)
			.single();
	}

	void purgeEvents() {
		this.worker.getBean(RabbitTemplate.class).execute((channel) -> channel.queuePurge(this.events));
	}

	/**
	 * The events of the reports, each report's in the order they came and when the test
	 * heard it, once each has its outcome (SUCCEEDED or FAILED) and a second has passed
	 * without another (duplicates and strays).
	 * @param reportIds the reports
	 * @param receiveMillis how long each read waits for an event
	 * @return the events by report
	 */
	Map<UUID, List<Heard>> eventsOf(List<UUID> reportIds, long receiveMillis) {
		Map<UUID, List<Heard>> heard = new HashMap<>();
		Set<UUID> finished = new HashSet<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		long quietUntil = Long.MAX_VALUE;
		while (System.nanoTime() < Math.min(deadline, quietUntil)) {
			Message message = this.worker.getBean(RabbitTemplate.class).receive(this.events, receiveMillis);
			Instant arrived = Instant.now();
			if (message == null) {
				if (finished.size() == reportIds.size()) {
					quietUntil = Math.min(quietUntil, System.nanoTime() + Duration.ofSeconds(1).toNanos());
				}
				continue;
			}
			ReportEvent event = Messages.json().readValue(message.getBody(), ReportEvent.class);
			if (reportIds.contains(event.reportId())) {
				heard.computeIfAbsent(event.reportId(), (id) -> new ArrayList<>()).add(new Heard(event, arrived));
				if (event.type().isOutcome()) {
					finished.add(event.reportId());
				}
			}
		}
		return heard;
	}

	@Override
	public void close() throws Exception {
		Workers.stop(this.worker, this.broker, this.database);
	}

	/** An event and when the test heard it. */
	record Heard(ReportEvent event, Instant arrived) {

	}

}
