package dev.offload.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.base.GreenMailOperations;
import com.icegreen.greenmail.util.GreenMailUtil;
import dev.offload.model.Messages;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;
import dev.offload.model.files.FileStore;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import jakarta.mail.internet.MimeMessage;

import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Starts whole worker applications against a test's database, broker and SMTP server, and
 * talks to them the way api-service would.
 */
public final class Workers {

	private Workers() {
	}

	/**
	 * Stops what a test class started, in the order given (the worker before its broker
	 * and database): each one that was started, even if another fails to close; the first
	 * failure is thrown, with the others suppressed.
	 * @param started the worker, the broker and the database, any of them {@code null} if
	 * it was never started
	 * @throws Exception if one failed to close
	 */
	public static void stop(AutoCloseable... started) throws Exception {
		Exception first = null;
		for (AutoCloseable resource : started) {
			try {
				if (resource != null) {
					resource.close();
				}
			}
			catch (Exception ex) {
				if (first == null) {
					first = ex;
				}
				else {
					first.addSuppressed(ex);
				}
			}
		}
		if (first != null) {
			throw first;
		}
	}

	/**
	 * Starts a worker. Settings are passed as command-line arguments, which win over
	 * {@code application.yaml}, as they do for a worker started by operators.
	 * @param database the database
	 * @param broker the broker
	 * @param smtpPort the port of the test's SMTP server on 127.0.0.1
	 * @param settings further settings, overriding the defaults
	 * @return the running application
	 */
	public static ConfigurableApplicationContext start(TestDatabase database, TestBroker broker, int smtpPort,
			Map<String, Object> settings) {
		return start(database, broker, smtpPort, settings, new Class<?>[0]);
	}

	/**
	 * Starts a worker with beans of a test's own besides its usual ones, such as a report
	 * definition that only that test offers.
	 * @param database the database
	 * @param broker the broker
	 * @param smtpPort the port of the test's SMTP server on 127.0.0.1
	 * @param settings further settings, overriding the defaults
	 * @param beans classes registered as beans, which need no annotation (and so are not
	 * found by component scanning in other tests' workers)
	 * @return the running application
	 */
	public static ConfigurableApplicationContext start(TestDatabase database, TestBroker broker, int smtpPort,
			Map<String, Object> settings, Class<?>... beans) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.putAll(database.springProperties());
		properties.putAll(broker.springProperties());
		properties.put("spring.mail.host", "127.0.0.1");
		properties.put("spring.mail.port", smtpPort);
		properties.put("spring.main.web-application-type", "none");
		properties.put("spring.main.banner-mode", "off");
		properties.putAll(settings);
		String[] args = properties.entrySet()
			.stream()
			.map((entry) -> "--" + entry.getKey() + "=" + entry.getValue())
			.toArray(String[]::new);
		return new SpringApplicationBuilder(WorkerApplication.class).sources(beans).run(args);
	}

	/**
	 * A free TCP port on this machine.
	 * @return the port
	 */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Gives an owner a webhook endpoint, the row api-service writes when one is created:
	 * the worker then sends the outcomes of the owner's reports to the webhooks queue.
	 * @param jdbc the database
	 * @param ownerId the owner
	 */
	public static void addWebhookEndpoint(JdbcClient jdbc, String ownerId) {
		jdbc.sql("""
				INSERT INTO webhook_endpoints (id, owner_id, url, events, secret)
				VALUES (:id, :owner, 'https://hooks.example.com/offload', ARRAY['report.succeeded'], 'whsec_dGVzdA==')
				""").param("id", UUID.randomUUID()).param("owner", ownerId).update();
	}

	/**
	 * Records a QUEUED report, as api-service does before publishing its task.
	 * @param jdbc the database
	 * @param task the report's task
	 */
	public static void insertQueuedReport(JdbcClient jdbc, ReportTask task) {
		jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status, priority)
				VALUES (:id, :ownerId, :ownerEmail, :type, :format, CAST(:parameters AS jsonb), 'QUEUED', :priority)
				""")
			.param("id", task.reportId())
			.param("ownerId", task.owner().userId())
			.param("ownerEmail", task.owner().email())
			.param("type", task.type())
			.param("format", task.format().name())
			.param("parameters", Messages.json().writeValueAsString(task.parameters()))
			.param("priority", task.priority().name())
			.update();
	}

	/**
	 * Publishes a task to the tasks exchange in its lane, as api-service's relay does.
	 * @param worker the worker whose template and topology to use
	 * @param task the task
	 */
	public static void publish(ConfigurableApplicationContext worker, ReportTask task) {
		Topology topology = worker.getBean(Topology.class);
		worker.getBean(RabbitTemplate.class)
			.convertAndSend(topology.tasksExchange(), topology.generateRoutingKey(task.priority()), task);
	}

	/**
	 * A report's status.
	 * @param jdbc the database
	 * @param reportId the report
	 * @return its status
	 */
	public static String status(JdbcClient jdbc, UUID reportId) {
		return jdbc.sql("SELECT status FROM reports WHERE id = :id").param("id", reportId).query(String.class).single();
	}

	/**
	 * Declares a queue of the test's own that receives a copy of every report event.
	 * @param worker the worker whose broker connection to use
	 * @return the queue's name; the broker deletes it with the connection
	 */
	public static String eventTap(ConfigurableApplicationContext worker) {
		AmqpAdmin admin = worker.getBean(AmqpAdmin.class);
		Topology topology = worker.getBean(Topology.class);
		// Exclusive but not auto-delete: reading with a timeout consumes and cancels, and
		// an auto-delete queue would go with its first consumer.
		String queue = admin
			.declareQueue(new Queue(topology.prefix() + "test.events." + UUID.randomUUID(), false, true, false));
		admin.declareBinding(new Binding(queue, Binding.DestinationType.QUEUE, topology.eventsExchange(), "", null));
		return queue;
	}

	/**
	 * How many mails a test's SMTP server received about a report (every mail names it).
	 * @param smtp the server
	 * @param reportId the report
	 * @return the count
	 * @throws Exception if a mail cannot be read
	 */
	public static long mailsAbout(GreenMailOperations smtp, UUID reportId) throws Exception {
		long count = 0;
		for (MimeMessage mail : smtp.getReceivedMessages()) {
			if (GreenMailUtil.getBody(mail).contains(reportId.toString())) {
				count++;
			}
		}
		return count;
	}

	/**
	 * Reads the next event from an event tap.
	 * @param worker the worker whose broker connection to use
	 * @param queue the tap
	 * @return the event, or {@code null} if none came within five seconds
	 */
	public static ReportEvent nextEvent(ConfigurableApplicationContext worker, String queue) {
		Message message = worker.getBean(RabbitTemplate.class).receive(queue, 5000);
		return (message != null) ? Messages.json().readValue(message.getBody(), ReportEvent.class) : null;
	}

	/**
	 * The bytes of a report's stored file, read back through the worker's file store.
	 * @param worker the worker
	 * @param reportId the report
	 * @return the file's bytes
	 */
	public static byte[] fileContent(ConfigurableApplicationContext worker, UUID reportId) {
		String key = worker.getBean(JdbcClient.class)
			.sql("SELECT file_key FROM reports WHERE id = :id AND file_key IS NOT NULL")
			.param("id", reportId)
			.query(String.class)
			.single();
		try (InputStream in = worker.getBean(FileStore.class).read(key, 0, -1)) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * How many files exist for a report: the one recorded with it, and uploads started
	 * but not recorded (each should have been deleted).
	 * @param worker the worker
	 * @param reportId the report
	 * @return the number of files
	 */
	public static long storedFiles(ConfigurableApplicationContext worker, UUID reportId) {
		JdbcClient jdbc = worker.getBean(JdbcClient.class);
		long recorded = jdbc.sql("SELECT count(*) FROM reports WHERE id = :id AND file_key IS NOT NULL")
			.param("id", reportId)
			.query(Long.class)
			.single();
		long unrecorded = jdbc.sql("SELECT count(*) FROM file_uploads WHERE report_id = :id")
			.param("id", reportId)
			.query(Long.class)
			.single();
		return recorded + unrecorded;
	}

	/**
	 * The SHA-256 of some bytes, as the stores record it.
	 * @param content the bytes
	 * @return 64 lower-case hex digits
	 */
	public static String sha256(byte[] content) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
