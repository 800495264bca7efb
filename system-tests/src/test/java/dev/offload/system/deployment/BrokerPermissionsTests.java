package dev.offload.system.deployment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import dev.offload.model.Messages;
import dev.offload.model.Topology;
import dev.offload.model.TopologyDeclarations;
import dev.offload.testsupport.InfrastructureChoice;
import dev.offload.testsupport.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Exchange;
import org.springframework.amqp.core.Queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The broker users of k8s/base/rabbitmq/definitions.json, applied to the real broker: two
 * users with unique names get exactly the permissions the file gives offload-api and
 * offload-worker (each regex confined to this run's topology prefix), and the test shows
 * what each may and may not do.
 */
class BrokerPermissionsTests {

	private static final Path DEFINITIONS = Path.of("..", "k8s", "base", "rabbitmq", "definitions.json");

	private static final Path ENSURE_USERS = Path.of("..", "k8s", "base", "rabbitmq", "ensure-users.sh");

	private static final JsonNode definitions = Messages.json().readTree(DEFINITIONS.toFile());

	private static final String RUN = UUID.randomUUID().toString().replace("-", "").substring(0, 10);

	private static final String API_USER = "offload-api-" + RUN;

	private static final String WORKER_USER = "offload-worker-" + RUN;

	private static final String PASSWORD = "pw-" + UUID.randomUUID();

	private static TestBroker broker;

	private static Topology topology;

	private static final List<String> createdUsers = new ArrayList<>();

	@BeforeAll
	static void applyTheDefinitionsUsers() throws Exception {
		broker = TestBroker.create();
		topology = broker.topology();
		Assumptions.assumeTrue(broker.endpoint().choice() != InfrastructureChoice.TESTCONTAINERS,
				"users are created with rabbitmqctl on the local broker");
		Assumptions.assumeTrue(rabbitmqctl("status").exitCode() == 0,
				"rabbitmqctl cannot reach the local broker (it needs root)");
		try (Connection connection = broker.connectionFactory().newConnection();
				Channel channel = connection.createChannel()) {
			List<Declarable> declarables = Stream
				.of(TopologyDeclarations.all(topology),
						TopologyDeclarations.retries(topology, TopologyDeclarations.DEFAULT_RETRY_DELAYS))
				.flatMap((all) -> all.getDeclarables().stream())
				.toList();
			for (Declarable declarable : declarables) {
				if (declarable instanceof Exchange exchange) {
					channel.exchangeDeclare(exchange.getName(), exchange.getType(), true);
				}
				else if (declarable instanceof Queue queue) {
					channel.queueDeclare(queue.getName(), true, false, false, queue.getArguments());
				}
			}
			for (Declarable declarable : declarables) {
				if (declarable instanceof Binding binding && binding.isDestinationQueue()) {
					channel.queueBind(binding.getDestination(), binding.getExchange(), binding.getRoutingKey());
				}
				else if (declarable instanceof Binding binding) {
					channel.exchangeBind(binding.getDestination(), binding.getExchange(), binding.getRoutingKey());
				}
			}
		}
		createUser(API_USER, permissions("offload-api"));
		createUser(WORKER_USER, permissions("offload-worker"));
		Result ensured = ensureUsers();
		assertThat(ensured.exitCode()).as(ensured.output()).isZero();
	}

	@AfterAll
	static void removeUsersAndTopology() throws Exception {
		for (String user : createdUsers) {
			rabbitmqctl("delete_user", user);
		}
		if (broker != null) {
			broker.close();
		}
	}

	@Test
	void apiServiceUserCannotConsumeReportTasks() throws Exception {
		try (Connection connection = connect(API_USER)) {
			expectAccessRefused(connection,
					(channel) -> channel.basicConsume(topology.generateQueue(), true, (tag, delivery) -> {
					}, (tag) -> {
					}));
			expectAccessRefused(connection, (channel) -> channel.basicGet(topology.generateQueue(), true));
		}
	}

	@Test
	void apiServiceUserReadsTheDeadLetterQueueForTheAdminOperations() throws Exception {
		try (Connection connection = connect(API_USER)) {
			expectAllowed(connection, (channel) -> channel.basicGet(topology.generateDeadLetterQueue(), false));
		}
	}

	@Test
	void apiServiceUserPublishesTasksAndCancellationsButNoRetriesOrDeadLetters() throws Exception {
		long tasksBefore = broker.messageCount(topology.generateQueue());
		try (Connection connection = connect(API_USER)) {
			expectAllowed(connection,
					(channel) -> publish(channel, topology.tasksExchange(), topology.generateRoutingKey()));
			// A cancellation is announced on the events fanout.
			expectAllowed(connection, (channel) -> publish(channel, topology.eventsExchange(), ""));
			expectAccessRefused(connection, (channel) -> publish(channel, topology.retryExchange(),
					topology.retryRoutingKey(TopologyDeclarations.DEFAULT_RETRY_DELAYS.get(0))));
			expectAccessRefused(connection, (channel) -> publish(channel, topology.deadLetterExchange(),
					topology.generateDeadLetterRoutingKey()));
		}
		assertThat(broker.messageCount(topology.generateQueue())).isEqualTo(tasksBefore + 1);
		drain(topology.generateQueue());
		drain(topology.emailQueue());
	}

	@Test
	void apiServiceUserDeclaresAndConsumesItsOwnEventQueueOnly() throws Exception {
		String own = topology.liveStatusQueue(RUN);
		try (Connection connection = connect(API_USER)) {
			expectAllowed(connection, (channel) -> {
				channel.queueDeclare(own, false, true, true, Map.of());
				channel.queueBind(own, topology.eventsExchange(), "");
				channel.basicGet(own, true);
				// Unbound again once no browser watches the replica.
				channel.queueUnbind(own, topology.eventsExchange(), "");
			});
			expectAccessRefused(connection, (channel) -> channel.basicGet(topology.emailQueue(), true));
			expectAccessRefused(connection, (channel) -> channel
				.queueDeclare(topology.prefix() + "reports.other." + RUN, false, false, true, Map.of()));
		}
		finally {
			broker.deleteQueues(own);
		}
	}

	@Test
	void workerUserCannotPublishToTheTasksExchange() throws Exception {
		long tasksBefore = broker.messageCount(topology.generateQueue());
		try (Connection connection = connect(WORKER_USER)) {
			expectAccessRefused(connection,
					(channel) -> publish(channel, topology.tasksExchange(), topology.generateRoutingKey()));
		}
		assertThat(broker.messageCount(topology.generateQueue())).isEqualTo(tasksBefore);
	}

	@Test
	void workerUserConsumesItsQueuesAndPublishesEventsRetriesAndDeadLetters() throws Exception {
		try (Connection connection = connect(WORKER_USER)) {
			expectAllowed(connection, (channel) -> {
				channel.basicGet(topology.generateQueue(), false);
				channel.basicGet(topology.emailQueue(), false);
			});
			expectAllowed(connection, (channel) -> publish(channel, topology.eventsExchange(), ""));
			expectAllowed(connection, (channel) -> publish(channel, topology.retryExchange(),
					topology.retryRoutingKey(TopologyDeclarations.DEFAULT_RETRY_DELAYS.get(3))));
			expectAllowed(connection, (channel) -> publish(channel, topology.deadLetterExchange(),
					topology.generateDeadLetterRoutingKey()));
			expectAccessRefused(connection, (channel) -> channel.basicGet(topology.generateDeadLetterQueue(), true));
		}
		drain(topology.emailQueue());
		drain(topology.generateDeadLetterQueue());
		drain(topology.retryQueue(TopologyDeclarations.DEFAULT_RETRY_DELAYS.get(3)));
	}

	@Test
	void neitherServiceUserCanDeleteOrPurgeTheSharedTopology() throws Exception {
		for (String user : List.of(API_USER, WORKER_USER)) {
			try (Connection connection = connect(user)) {
				expectAccessRefused(connection, (channel) -> channel.queueDelete(topology.generateQueue()));
				expectAccessRefused(connection, (channel) -> channel.exchangeDelete(topology.tasksExchange()));
				// Purging needs only read: the API reads the dead letter queues it
				// replays, and
				// the worker the queues it consumes; neither reads the other's.
				String unreadable = user.equals(API_USER) ? topology.emailQueue() : topology.emailDeadLetterQueue();
				expectAccessRefused(connection, (channel) -> channel.queuePurge(unreadable));
			}
		}
		assertThat(broker.consumerCount(topology.generateQueue())).isZero();
	}

	@Test
	void ensureUsersIsIdempotentAndTheUsersKeepSigningIn() throws Exception {
		Result again = ensureUsers();

		assertThat(again.exitCode()).as(again.output()).isZero();
		try (Connection connection = connect(API_USER)) {
			assertThat(connection.isOpen()).isTrue();
		}
		try (Connection connection = connect(WORKER_USER)) {
			assertThat(connection.isOpen()).isTrue();
		}
	}

	@Test
	void definitionsGiveTheServiceUsersNoTagsAndNoPassword() {
		for (JsonNode user : definitions.get("users")) {
			assertThat(user.get("tags").asString()).as(user.get("name").asString()).isEmpty();
			// The password is set from a secret at deployment (ensure-users.sh).
			assertThat(user.get("password_hash").asString()).as(user.get("name").asString()).isEmpty();
		}
		assertThat(definitions.get("users")).extracting((user) -> user.get("name").asString())
			.containsExactlyInAnyOrder("offload-api", "offload-worker")
			.doesNotContain("guest");
	}

	private static String[] permissions(String user) {
		for (JsonNode permission : definitions.get("permissions")) {
			if (permission.get("user").asString().equals(user)) {
				assertThat(permission.get("vhost").asString()).isEqualTo("/");
				return new String[] { confined(permission.get("configure").asString()),
						confined(permission.get("write").asString()), confined(permission.get("read").asString()) };
			}
		}
		return fail("definitions.json has no permissions for " + user);
	}

	/**
	 * The definitions' regex for this run's names: every regex is {@code ^$} or
	 * {@code ^(...)$}, so the prefix goes right after the {@code ^}.
	 */
	private static String confined(String regex) {
		if (regex.equals("^$")) {
			return regex;
		}
		assertThat(regex).as("a permission regex anchors a group of names").matches("\\^\\(.*\\)\\$");
		return "^" + topology.prefix().replace(".", "\\.") + regex.substring(1);
	}

	/**
	 * Creates a user as definitions.json does: without a password (nobody can sign in as
	 * it until ensure-users.sh gives it one) and with the given permissions.
	 */
	private static void createUser(String user, String[] permissions) throws Exception {
		assertThat(rabbitmqctlWithInput(UUID.randomUUID().toString(), "add_user", user).exitCode()).isZero();
		createdUsers.add(user);
		assertThat(rabbitmqctl("clear_password", user).exitCode()).isZero();
		Result result = rabbitmqctl("set_permissions", "-p", "/", user, permissions[0], permissions[1], permissions[2]);
		assertThat(result.exitCode()).as(result.output()).isZero();
	}

	/**
	 * Runs k8s/base/rabbitmq/ensure-users.sh, the broker's health check in compose and
	 * readiness probe in Kubernetes, for this run's users.
	 */
	private static Result ensureUsers() throws Exception {
		ProcessBuilder builder = new ProcessBuilder("sh", ENSURE_USERS.toString()).redirectErrorStream(true);
		builder.environment()
			.putAll(Map.of("OFFLOAD_API_RABBITMQ_USER", API_USER, "OFFLOAD_API_RABBITMQ_PASSWORD", PASSWORD,
					"OFFLOAD_WORKER_RABBITMQ_USER", WORKER_USER, "OFFLOAD_WORKER_RABBITMQ_PASSWORD", PASSWORD));
		builder.environment().remove("RABBITMQ_ADMIN_USERNAME");
		Process process = builder.start();
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
		return new Result(process.exitValue(), output);
	}

	private static Connection connect(String user) throws IOException, TimeoutException {
		ConnectionFactory factory = broker.connectionFactory();
		factory.setUsername(user);
		factory.setPassword(PASSWORD);
		return factory.newConnection();
	}

	private static void publish(Channel channel, String exchange, String routingKey) throws IOException {
		channel.basicPublish(exchange, routingKey, true, MessageProperties.PERSISTENT_TEXT_PLAIN,
				"{}".getBytes(StandardCharsets.UTF_8));
	}

	private static void expectAllowed(Connection connection, ChannelAction action) throws Exception {
		try (Channel channel = connection.createChannel()) {
			channel.confirmSelect();
			action.run(channel);
			channel.waitForConfirmsOrDie(5_000);
		}
	}

	/**
	 * Runs the action on a fresh channel and expects the broker to close the channel with
	 * ACCESS_REFUSED (403), at once or, for a publish, by the confirm.
	 */
	private static void expectAccessRefused(Connection connection, ChannelAction action) throws Exception {
		Channel channel = connection.createChannel();
		try {
			channel.confirmSelect();
			action.run(channel);
			channel.waitForConfirmsOrDie(5_000);
			fail("The broker allowed what the definitions forbid");
		}
		catch (IOException | RuntimeException ex) {
			assertThat(messages(ex)).contains("ACCESS_REFUSED");
		}
		finally {
			if (channel.isOpen()) {
				channel.close();
			}
		}
		assertThat(connection.isOpen()).isTrue();
	}

	private static String messages(Throwable ex) {
		StringBuilder text = new StringBuilder();
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			text.append(cause).append('\n');
		}
		return text.toString();
	}

	private static void drain(String queue) throws Exception {
		try (Connection connection = broker.connectionFactory().newConnection();
				Channel channel = connection.createChannel()) {
			channel.queuePurge(queue);
		}
	}

	private static Result rabbitmqctl(String... arguments) throws Exception {
		return rabbitmqctlWithInput(null, arguments);
	}

	private static Result rabbitmqctlWithInput(String stdin, String... arguments) throws Exception {
		List<String> command = new ArrayList<>();
		command.add("rabbitmqctl");
		command.addAll(List.of(arguments));
		Process process;
		try {
			process = new ProcessBuilder(command).redirectErrorStream(true).start();
		}
		catch (IOException ex) {
			return new Result(-1, ex.getMessage());
		}
		if (stdin != null) {
			process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
		}
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(60, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			return new Result(-1, output);
		}
		return new Result(process.exitValue(), output);
	}

	@FunctionalInterface
	private interface ChannelAction {

		void run(Channel channel) throws Exception;

	}

	private record Result(int exitCode, String output) {

	}

}
