package dev.offload.worker.email;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With one connection allowed ({@code offload.worker.email.connections=1}; more are in
 * {@link EmailConnectionsTests}): the emails a poll finds due go over one SMTP
 * connection; one the server closed, between batches or in the middle of one, is opened
 * again and no email fails for it; and when it cannot be opened again, the emails the
 * server took before stay sent, never mailed twice. GreenMail sits behind a relay of the
 * test's own that counts the connections and, when told to, closes each after a number of
 * emails, as a mail server limiting messages per connection does, or refuses new ones.
 */
class SmtpConnectionTests {

	private static final ServerSetup SMTP = new ServerSetup(Workers.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);

	private static TestDatabase database;

	private static TestBroker broker;

	private static GreenMail smtp;

	private static CountingRelay relay;

	private static ConfigurableApplicationContext worker;

	private static JdbcClient jdbc;

	private static DueEmails emails;

	@BeforeAll
	static void startWorker() throws IOException {
		database = TestDatabase.create();
		broker = TestBroker.create();
		smtp = new GreenMail(SMTP);
		smtp.start();
		relay = new CountingRelay(SMTP.getPort());
		// A poll every 2 s: the emails of a test are all due by the next one.
		worker = Workers.start(database, broker, relay.port(),
				Map.of("offload.worker.email.poll-interval", "2s", "offload.worker.email.retry.initial-interval",
						"200ms", "offload.worker.email.retry.max-interval", "1s", "offload.worker.email.connections",
						1));
		jdbc = worker.getBean(JdbcClient.class);
		emails = new DueEmails(jdbc, smtp);
	}

	@AfterAll
	static void stopAll() throws Exception {
		Workers.stop(worker, relay, (smtp != null) ? smtp::stop : null, broker, database);
	}

	@BeforeEach
	void quiet() throws Exception {
		// Nothing due from an earlier test.
		await().atMost(Duration.ofSeconds(20))
			.until(() -> jdbc.sql("SELECT count(*) FROM sent_emails WHERE status = 'PENDING'")
				.query(Long.class)
				.single() == 0);
		relay.reset(0, false);
		smtp.purgeEmailFromAllMailboxes();
	}

	@Test
	void thePollsEmailsGoOverOneConnection() throws Exception {
		List<UUID> reports = emails.due(25);

		emails.assertMailedOnceEach(reports);
		assertThat(relay.connections()).isOne();
		assertThat(emails.attempts(reports)).as("one attempt each").isEqualTo(25);
	}

	@Test
	void aConnectionTheServerClosedBetweenBatchesIsOpenedAgain() throws Exception {
		// The sender hands over 10 per transaction: the server closes the connection
		// after the first 10, and the next batch finds it closed.
		relay.reset(10, false);
		List<UUID> reports = emails.due(25);

		emails.assertMailedOnceEach(reports);
		assertThat(relay.connections()).isEqualTo(3);
		assertThat(emails.attempts(reports)).as("one attempt each: none failed on the closed connection").isEqualTo(25);
	}

	@Test
	void anEmailTheServerClosedTheConnectionBeforeIsSentAgainAtOnceOverANewOne() throws Exception {
		// 7 per connection: the server closes it in the middle of a batch.
		relay.reset(7, false);
		List<UUID> reports = emails.due(25);

		emails.assertMailedOnceEach(reports);
		assertThat(relay.connections()).isEqualTo(4);
		assertThat(emails.attempts(reports)).as("one attempt each: none failed").isEqualTo(25);
	}

	@Test
	void theEmailsTheServerTookStaySentWhenTheConnectionCannotBeOpenedAgain() throws Exception {
		// The server closes the connection after 5 emails and then refuses new ones: the
		// first 5 of the batch were taken, the other 5 wait for their retry.
		relay.reset(5, true);
		List<UUID> reports = emails.due(25);

		await().atMost(Duration.ofSeconds(20)).until(() -> emails.count(reports, "last_error IS NOT NULL") == 5);
		assertThat(emails.count(reports, "status = 'SENT'")).isEqualTo(5);
		assertThat(smtp.getReceivedMessages()).hasSize(5);
		relay.reset(0, false);

		emails.assertMailedOnceEach(reports);
	}

	/**
	 * Relays TCP connections to the SMTP server, counting them; told a limit, it closes
	 * each connection once the server has answered that many emails' data on it.
	 */
	static final class CountingRelay implements AutoCloseable {

		private final ServerSocket listening;

		private final int target;

		private final AtomicInteger connections = new AtomicInteger();

		private final List<Socket> open = new CopyOnWriteArrayList<>();

		private volatile int emailsPerConnection;

		private volatile boolean refuseAfterLimit;

		private volatile boolean refusing;

		CountingRelay(int target) throws IOException {
			this.target = target;
			this.listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
			daemon(this::accept);
		}

		int port() {
			return this.listening.getLocalPort();
		}

		int connections() {
			return this.connections.get();
		}

		/**
		 * From now on: each connection closed after so many emails (0: never), and, if
		 * told so, every connection after the first one closed that way refused at once,
		 * before the server's greeting, as by a server that went away. Refusing follows
		 * the closing, not a count of connections, so a connection that carried no email
		 * cannot use up the one allowed.
		 */
		void reset(int emailsPerConnection, boolean refuseAfterLimit) {
			this.emailsPerConnection = emailsPerConnection;
			this.refuseAfterLimit = refuseAfterLimit;
			this.refusing = false;
			this.connections.set(0);
		}

		private void accept() {
			while (!this.listening.isClosed()) {
				try {
					Socket client = this.listening.accept();
					this.connections.incrementAndGet();
					if (this.refusing) {
						client.close();
						continue;
					}
					Socket server = new Socket(InetAddress.getLoopbackAddress(), this.target);
					this.open.add(client);
					this.open.add(server);
					AtomicInteger ended = new AtomicInteger();
					int limit = this.emailsPerConnection;
					boolean refuseAfter = this.refuseAfterLimit;
					InputStream fromClient = client.getInputStream();
					InputStream fromServer = server.getInputStream();
					daemon(() -> pump(fromClient, server, ended, null));
					daemon(() -> pump(fromServer, client, ended, (endsBefore) -> {
						// The emails whose data had ended before this reply came: the
						// reply that answers the limit's last email closes, not one the
						// sender answered with more data before this thread got here.
						if (limit > 0 && endsBefore >= limit) {
							// Closed as a server closes it: the reply just passed on
							// is delivered, then the end of the stream. Refusing
							// begins first, so the sender's next connection meets it.
							if (refuseAfter) {
								this.refusing = true;
							}
							client.shutdownOutput();
						}
					}));
				}
				catch (IOException ex) {
					// Closed.
				}
			}
		}

		/**
		 * Copies one direction. From the client it counts the ends of the emails' data
		 * ({@code CRLF.CRLF}) before passing them on; from the server, once it has passed
		 * a reply on, it lets the caller close the connection, telling it how many ends
		 * had been counted when the reply came (read before passing it on: once the
		 * sender has it, it may send the next email's data at once).
		 */
		private static void pump(InputStream from, Socket to, AtomicInteger ended, Check afterReply) {
			byte[] buffer = new byte[8192];
			long last5 = 0;
			try (from) {
				OutputStream out = to.getOutputStream();
				int read;
				while ((read = from.read(buffer)) >= 0) {
					int endsBefore = ended.get();
					if (afterReply == null) {
						for (int i = 0; i < read; i++) {
							last5 = ((last5 << 8) | (buffer[i] & 0xff)) & 0xffffffffffL;
							if (last5 == 0x0d0a2e0d0aL) {
								ended.incrementAndGet();
							}
						}
					}
					out.write(buffer, 0, read);
					out.flush();
					if (afterReply != null) {
						afterReply.run(endsBefore);
					}
				}
			}
			catch (IOException ex) {
				// One side closed.
			}
			finally {
				try {
					to.close();
				}
				catch (IOException ex) {
					// Closed already.
				}
			}
		}

		private static void daemon(Runnable work) {
			Thread thread = new Thread(work, "smtp-relay");
			thread.setDaemon(true);
			thread.start();
		}

		private interface Check {

			void run(int endsBefore) throws IOException;

		}

		@Override
		public void close() throws IOException {
			this.listening.close();
			for (Socket socket : this.open) {
				socket.close();
			}
		}

	}

}
