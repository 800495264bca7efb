package dev.offload.worker.email;

import java.io.InputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Signing in to the SMTP server, and sending through a {@link JavaMailSender} of the
 * application's own rather than Spring Boot's {@link JavaMailSenderImpl}, which the
 * worker hands each batch to as it is ({@code send(MimeMessage...)}). With either sender,
 * a server that refuses the sign-in or cannot be reached sends none of the batch: each
 * email waits for its retry with the reason, and goes out once, when the server takes it.
 * GreenMail checks the password of the user it knows.
 */
class MailSenderSignInTests {

	private static final ServerSetup SMTP = new ServerSetup(Workers.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);

	private static final String USER = "worker";

	private static final String PASSWORD = "s3cret";

	private static final Map<String, Object> QUICK_RETRIES = Map.of("offload.worker.email.poll-interval", "1s",
			"offload.worker.email.retry.initial-interval", "200ms", "offload.worker.email.retry.max-interval", "1s");

	private static TestDatabase database;

	private static TestDatabase ownSenderDatabase;

	private static TestBroker broker;

	private static TestBroker ownSenderBroker;

	private static GreenMail smtp;

	/** Spring Boot's sender, signing in with spring.mail.username and password. */
	private static ConfigurableApplicationContext worker;

	/** The application's own sender. */
	private static ConfigurableApplicationContext ownSenderWorker;

	private static DueEmails emails;

	private static DueEmails ownSenderEmails;

	@BeforeAll
	static void startWorkers() {
		database = TestDatabase.create();
		ownSenderDatabase = TestDatabase.create();
		broker = TestBroker.create();
		ownSenderBroker = TestBroker.create();
		smtp = new GreenMail(SMTP);
		smtp.start();
		smtp.setUser("worker@example.com", USER, PASSWORD);
		Map<String, Object> signingIn = new HashMap<>(QUICK_RETRIES);
		signingIn.put("spring.mail.username", USER);
		signingIn.put("spring.mail.password", "not-" + PASSWORD);
		signingIn.put("spring.mail.properties.mail.smtp.auth", "true");
		worker = Workers.start(database, broker, SMTP.getPort(), signingIn);
		emails = new DueEmails(worker.getBean(JdbcClient.class), smtp);
		ownSenderWorker = Workers.start(ownSenderDatabase, ownSenderBroker, SMTP.getPort(), QUICK_RETRIES,
				ForwardingMailSender.class);
		ownSenderEmails = new DueEmails(ownSenderWorker.getBean(JdbcClient.class), smtp);
	}

	@AfterAll
	static void stopAll() throws Exception {
		Workers.stop(worker, ownSenderWorker, (smtp != null) ? smtp::stop : null, broker, ownSenderBroker, database,
				ownSenderDatabase);
	}

	@BeforeEach
	void purge() throws Exception {
		setPassword(worker.getBean(JavaMailSenderImpl.class), "not-" + PASSWORD);
		ownSenderWorker.getBean(ForwardingMailSender.class).to(Workers.freePort(), USER, PASSWORD);
		smtp.purgeEmailFromAllMailboxes();
	}

	@Test
	void aRefusedSignInSendsNoneAndTheyGoOnceItIsAccepted() throws Exception {
		List<UUID> reports = emails.due(12);

		assertNoneSentUntilFixed(emails, reports, "MailAuthenticationException",
				() -> setPassword(worker.getBean(JavaMailSenderImpl.class), PASSWORD));
	}

	@Test
	void theApplicationsOwnSenderSendsEachEmailOnce() throws Exception {
		ownSenderWorker.getBean(ForwardingMailSender.class).to(SMTP.getPort(), USER, PASSWORD);
		List<UUID> reports = ownSenderEmails.due(25);

		ownSenderEmails.assertMailedOnceEach(reports);
		assertThat(ownSenderEmails.attempts(reports)).as("one attempt each").isEqualTo(25);
	}

	@Test
	void theApplicationsOwnSenderThatCannotReachTheServerSendsNoneUntilItCan() throws Exception {
		List<UUID> reports = ownSenderEmails.due(12);

		assertNoneSentUntilFixed(ownSenderEmails, reports, "MailSendException",
				() -> ownSenderWorker.getBean(ForwardingMailSender.class).to(SMTP.getPort(), USER, PASSWORD));
	}

	@Test
	void theApplicationsOwnSenderWhoseSignInIsRefusedSendsNoneUntilItIsAccepted() throws Exception {
		ownSenderWorker.getBean(ForwardingMailSender.class).to(SMTP.getPort(), USER, "not-" + PASSWORD);
		List<UUID> reports = ownSenderEmails.due(12);

		assertNoneSentUntilFixed(ownSenderEmails, reports, "MailAuthenticationException",
				() -> ownSenderWorker.getBean(ForwardingMailSender.class).to(SMTP.getPort(), USER, PASSWORD));
	}

	/**
	 * Changes the password of the worker's running sender so that its email thread sees
	 * it: the field is not volatile, but the worker takes the sender's session
	 * ({@link JavaMailSenderImpl#getSession()}, synchronized on the sender) before it
	 * reads the password to sign in, so a change made holding the same lock is seen
	 * there.
	 */
	private static void setPassword(JavaMailSenderImpl sender, String password) {
		synchronized (sender) {
			sender.setPassword(password);
		}
	}

	/**
	 * None of the emails is sent, and each waits for its retry with the failure's name,
	 * until the fix lets the server take them; then each is sent once.
	 */
	private static void assertNoneSentUntilFixed(DueEmails emails, List<UUID> reports, String failure, Runnable fix)
			throws Exception {
		await().atMost(Duration.ofSeconds(20))
			.until(() -> emails.count(reports, "last_error LIKE '" + failure + ": %'") == reports.size());
		assertThat(emails.count(reports, "status = 'PENDING'")).isEqualTo(reports.size());
		assertThat(emails.mailsPerReport(reports)).isEmpty();
		fix.run();

		emails.assertMailedOnceEach(reports);
	}

	/**
	 * An application's own mail sender: it hands every call to a Spring
	 * {@link JavaMailSenderImpl} that the test points at a server and signs in with.
	 */
	static class ForwardingMailSender implements JavaMailSender {

		private volatile JavaMailSenderImpl target = new JavaMailSenderImpl();

		void to(int port, String username, String password) {
			JavaMailSenderImpl target = new JavaMailSenderImpl();
			target.setHost("127.0.0.1");
			target.setPort(port);
			target.setUsername(username);
			target.setPassword(password);
			Properties properties = new Properties();
			properties.setProperty("mail.smtp.auth", "true");
			properties.setProperty("mail.smtp.connectiontimeout", "5000");
			properties.setProperty("mail.smtp.timeout", "5000");
			target.setJavaMailProperties(properties);
			this.target = target;
		}

		@Override
		public MimeMessage createMimeMessage() {
			return this.target.createMimeMessage();
		}

		@Override
		public MimeMessage createMimeMessage(InputStream contentStream) {
			return this.target.createMimeMessage(contentStream);
		}

		@Override
		public void send(MimeMessage... mimeMessages) {
			this.target.send(mimeMessages);
		}

		@Override
		public void send(SimpleMailMessage... simpleMessages) {
			this.target.send(simpleMessages);
		}

	}

}
