package dev.offload.api.outbox;

import java.time.Duration;
import java.util.UUID;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.offload.model.Messages;
import dev.offload.model.Topology;
import dev.offload.testsupport.TcpProxy;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.rabbit.core.RabbitAdmin;
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
import static org.awaitility.Awaitility.await;

/**
 * A request accepted while RabbitMQ cannot be reached is not lost: the API answers 202
 * from PostgreSQL alone, and the relay publishes the task once the broker is back. The
 * broker is made unreachable for this API only, through a proxy the test cuts; the shared
 * local broker keeps running.
 */
// Its database and topology are gone after this class: stop the relay with them.
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.relay.interval=200ms", "offload.api.relay.max-backoff=500ms",
				"spring.rabbitmq.connection-timeout=1s" })
@AutoConfigureRestTestClient
class BrokerOutageTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final TcpProxy brokerProxy = TcpProxy.start(broker.endpoint().host(), broker.endpoint().port());

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private RabbitAdmin rabbitAdmin;

	@Autowired
	private Topology topology;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		registry.add("spring.rabbitmq.host", () -> "127.0.0.1");
		registry.add("spring.rabbitmq.port", brokerProxy::port);
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(brokerProxy, broker, database);

	@Test
	void postWhileTheBrokerIsUnreachableIsAcceptedAndPublishedOnceItIsBack() throws Exception {
		this.rabbitAdmin.initialize();
		brokerProxy.cut();

		String body = this.client.post()
			.uri("/api/reports")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.body("{\"type\":\"NO_OP\",\"format\":\"CSV\"}")
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		UUID id = UUID.fromString(Messages.json().readTree(body).get("id").asString());

		// The relay tries, fails and keeps the row while the broker is away.
		await().atMost(TIMEOUT).until(() -> publishAttempts(id) >= 2);
		assertThat(isPublished(id)).isFalse();
		assertThat(broker.messageCount(this.topology.generateQueue())).isZero();

		brokerProxy.restore();

		await().atMost(TIMEOUT).until(() -> isPublished(id));
		try (Connection connection = broker.connectionFactory().newConnection();
				Channel channel = connection.createChannel()) {
			GetResponse task = channel.basicGet(this.topology.generateQueue(), true);
			assertThat(task).isNotNull();
			assertThat(task.getProps().getMessageId()).isEqualTo(id.toString());
			// Published once: nothing follows it.
			await().during(Duration.ofSeconds(2))
				.atMost(Duration.ofSeconds(5))
				.until(() -> channel.messageCount(this.topology.generateQueue()) == 0);
		}
	}

	private boolean isPublished(UUID id) {
		return this.jdbc.sql("SELECT task_published_at IS NOT NULL FROM reports WHERE id = :id")
			.param("id", id)
			.query(Boolean.class)
			.single();
	}

	private int publishAttempts(UUID id) {
		return this.jdbc.sql("SELECT publish_attempts FROM reports WHERE id = :id")
			.param("id", id)
			.query(Integer.class)
			.single();
	}

}
