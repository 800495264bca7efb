package dev.offload.worker.email;

import java.time.Duration;
import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.awaitility.Awaitility.await;

/**
 * A worker of its own database and broker that mails GreenMail through a
 * {@link CountingRelay}, for the tests of how emails go over SMTP connections.
 */
final class RelayedWorker implements AutoCloseable {

	private final TestDatabase database;

	private final TestBroker broker;

	private final GreenMail smtp;

	private final CountingRelay relay;

	private final ConfigurableApplicationContext worker;

	private final JdbcClient jdbc;

	private final DueEmails emails;

	private RelayedWorker(TestDatabase database, TestBroker broker, GreenMail smtp, CountingRelay relay,
			ConfigurableApplicationContext worker) {
		this.database = database;
		this.broker = broker;
		this.smtp = smtp;
		this.relay = relay;
		this.worker = worker;
		this.jdbc = worker.getBean(JdbcClient.class);
		this.emails = new DueEmails(this.jdbc, smtp);
	}

	/**
	 * Starts the database, broker, GreenMail, the relay and a worker with these settings;
	 * whatever started is stopped again if a later part fails.
	 */
	static RelayedWorker start(Map<String, Object> settings) throws Exception {
		TestDatabase database = null;
		TestBroker broker = null;
		GreenMail smtp = null;
		CountingRelay relay = null;
		try {
			database = TestDatabase.create();
			broker = TestBroker.create();
			ServerSetup setup = new ServerSetup(Workers.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
			smtp = new GreenMail(setup);
			smtp.start();
			relay = new CountingRelay(setup.getPort());
			return new RelayedWorker(database, broker, smtp, relay,
					Workers.start(database, broker, relay.port(), settings));
		}
		catch (Exception | Error ex) {
			Workers.stop(relay, (smtp != null) ? smtp::stop : null, broker, database);
			throw ex;
		}
	}

	CountingRelay relay() {
		return this.relay;
	}

	GreenMail smtp() {
		return this.smtp;
	}

	DueEmails emails() {
		return this.emails;
	}

	/**
	 * Waits until no email is due (one left by an earlier test is sent first), then
	 * resets the relay's count and limits and empties GreenMail.
	 */
	void quiet(Duration atMost) throws Exception {
		await().atMost(atMost)
			.until(() -> this.jdbc.sql("SELECT count(*) FROM sent_emails WHERE status = 'PENDING'")
				.query(Long.class)
				.single() == 0);
		this.relay.reset(0, false);
		this.smtp.purgeEmailFromAllMailboxes();
	}

	@Override
	public void close() throws Exception {
		Workers.stop(this.worker, this.relay, this.smtp::stop, this.broker, this.database);
	}

}
