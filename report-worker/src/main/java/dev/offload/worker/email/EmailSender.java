package dev.offload.worker.email;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import dev.offload.worker.WorkerProperties;
import dev.offload.worker.email.EmailOutbox.PendingEmail;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.dao.DataAccessException;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailException;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends the emails in the outbox that are due, a few at a time, one transaction per few:
 * the rows are locked ({@code FOR UPDATE SKIP LOCKED}, so any number of workers send side
 * by side and never the same email), handed to the SMTP server, and marked SENT in the
 * same transaction. One poll's emails go over one SMTP connection
 * ({@link SmtpConnection}), or, while more are due than one transaction takes, over up to
 * {@code offload.worker.email.connections} side by side, each with its own transactions.
 * If the server does not take one, its attempt is counted and the next one set after an
 * exponential back-off ({@code offload.worker.email.retry.*}); an email is retried until
 * it is sent, never dropped.
 * <p>
 * The one gap left: a worker that dies after the SMTP server took a mail and before the
 * commit leaves the row PENDING, and the mail is sent again, with the same Message-ID.
 * Without a transactional SMTP server that cannot be closed; mailing twice is the lesser
 * failure than never. Sending {@value #PER_TRANSACTION} per transaction widens that
 * window by the few milliseconds the others take; one connection and one transaction per
 * email cost a worker more CPU than the rest of a cheap report. With several connections
 * a worker that dies can leave one such transaction open on each.
 */
class EmailSender implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(EmailSender.class);

	/**
	 * Emails locked, handed to the SMTP server and marked SENT in one transaction (a
	 * poll's transactions share one connection).
	 */
	private static final int PER_TRANSACTION = 10;

	/**
	 * How long, beyond a poll interval, stopping waits for the other connections' last
	 * transaction.
	 */
	private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

	/**
	 * Jakarta Mail looks its stream provider up with a ServiceLoader for every message it
	 * writes (jakartaee/mail-api#861), which scans every jar of the executable jar; named
	 * by this system property, the provider is instantiated directly.
	 */
	private static final String STREAM_PROVIDER = "jakarta.mail.util.StreamProvider";

	private final EmailOutbox outbox;

	private final JavaMailSender mailSender;

	private final TransactionTemplate transactions;

	private final WorkerProperties.Email settings;

	private final Counter sent;

	private final Counter failed;

	/** The threads of the connections beyond the scheduler's own. */
	private final ExecutorService otherConnections;

	EmailSender(EmailOutbox outbox, JavaMailSender mailSender, PlatformTransactionManager transactionManager,
			WorkerProperties properties, MeterRegistry meters) {
		this.outbox = outbox;
		this.sent = Counter.builder("offload.emails.sent").description("Emails the SMTP server took").register(meters);
		this.failed = Counter.builder("offload.emails.failed")
			.description("Attempts to send an email that the SMTP server did not take (each is retried)")
			.register(meters);
		this.mailSender = mailSender;
		this.transactions = new TransactionTemplate(transactionManager);
		this.settings = properties.email();
		this.otherConnections = Executors.newFixedThreadPool(Math.max(1, this.settings.connections() - 1),
				new CustomizableThreadFactory("email-sender-"));
		if (System.getProperty(STREAM_PROVIDER) == null) {
			System.setProperty(STREAM_PROVIDER, "org.eclipse.angus.mail.util.MailStreamProvider");
		}
	}

	/**
	 * Sends due emails until none is due, the SMTP server fails (the rest would most
	 * likely fail the same way), or one poll interval has passed, so the other scheduled
	 * tasks get their turn. Once a transaction found more due than it takes, the other
	 * connections ({@code offload.worker.email.connections}) join in on threads of their
	 * own, each locking the next few ({@code SKIP LOCKED}: never the same email), and
	 * this returns when all have stopped.
	 */
	void sendDue() {
		long deadline = System.nanoTime() + this.settings.pollInterval().toNanos();
		List<Future<?>> others = new ArrayList<>();
		try {
			sendUntil(deadline, () -> {
				try {
					for (int i = 1; i < this.settings.connections(); i++) {
						others.add(this.otherConnections.submit(() -> sendUntil(deadline, null)));
					}
				}
				catch (RejectedExecutionException ex) {
					// The worker is stopping: this poll goes on alone, to its deadline.
				}
			});
		}
		finally {
			for (Future<?> other : others) {
				awaitSending(other);
			}
		}
	}

	/**
	 * Sends due emails over one connection until none is due, the SMTP server fails, or
	 * the deadline has passed.
	 * @param deadline when to stop, from {@link System#nanoTime()}
	 * @param moreDue run once, the first time a transaction found more due than it takes;
	 * {@code null} for nothing
	 */
	private void sendUntil(long deadline, Runnable moreDue) {
		Runnable first = moreDue;
		try (SmtpConnection connection = new SmtpConnection()) {
			while (Boolean.TRUE.equals(this.transactions.execute((status) -> sendNext(connection)))
					&& System.nanoTime() - deadline < 0) {
				if (first != null) {
					first.run();
					first = null;
				}
			}
		}
		catch (DataAccessException ex) {
			// PostgreSQL unavailable: the emails wait in the outbox until it is back.
			logger.warn("Could not read the email outbox: {}", ex.getMessage());
		}
	}

	private static void awaitSending(Future<?> other) {
		try {
			other.get();
		}
		catch (InterruptedException ex) {
			// The worker is stopping: the other connection stops by its deadline, and
			// close() waits for it.
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException ex) {
			logger.warn("Sending emails over another connection failed: {}", ex.getCause().toString());
		}
	}

	/**
	 * Waits for the other connections to finish their last transaction, so none is cut
	 * off between the SMTP server taking an email and its {@code SENT} committing.
	 */
	@Override
	public void destroy() throws InterruptedException {
		this.otherConnections.shutdown();
		if (!this.otherConnections.awaitTermination(this.settings.pollInterval().plus(SHUTDOWN_GRACE).toMillis(),
				TimeUnit.MILLISECONDS)) {
			logger.warn("Emails were still being sent over other connections when the worker stopped");
		}
	}

	/**
	 * Sends the next few due emails.
	 * @return {@code true} if all were sent and more may be due
	 */
	private boolean sendNext(SmtpConnection connection) {
		List<PendingEmail> emails = this.outbox.lockDue(PER_TRANSACTION);
		if (emails.isEmpty()) {
			return false;
		}
		Map<PendingEmail, MimeMessage> messages = new LinkedHashMap<>();
		boolean unprepared = false;
		for (PendingEmail email : emails) {
			try {
				messages.put(email, message(email));
			}
			catch (MailException ex) {
				postpone(email, ex);
				unprepared = true;
			}
		}
		Map<Object, Exception> failures = messages.isEmpty() ? Map.of() : connection.send(messages.values());
		List<PendingEmail> sent = new ArrayList<>(emails.size());
		messages.forEach((email, message) -> {
			Exception failure = failures.get(message);
			if (failure == null) {
				sent.add(email);
			}
			else {
				postpone(email, failure);
			}
		});
		this.outbox.markSent(sent);
		this.sent.increment(sent.size());
		// At debug: the outbox row records when each email was taken (sent_at), and a
		// line per email at info cost a cheap report's worker 2% of its CPU.
		// Failures are logged at warn (postpone).
		if (logger.isDebugEnabled()) {
			for (PendingEmail email : sent) {
				try (MDC.MDCCloseable mdc = MDC.putCloseable("reportId", email.reportId().toString())) {
					logger.debug("Mailed {} to its owner", email.outcome());
				}
			}
		}
		return failures.isEmpty() && !unprepared && emails.size() == PER_TRANSACTION;
	}

	/**
	 * Hands messages to the SMTP server over a connection of their own (a mail sender
	 * other than Spring's {@link JavaMailSenderImpl}).
	 * @return the messages it did not take, with why
	 */
	private Map<Object, Exception> send(Collection<MimeMessage> messages) {
		try {
			this.mailSender.send(messages.toArray(MimeMessage[]::new));
			return Map.of();
		}
		catch (MailSendException ex) {
			// Without failed messages, only closing the connection after sending them all
			// failed: the server took every one.
			Map<Object, Exception> failed = new HashMap<>();
			ex.getFailedMessages().forEach((message, failure) -> failed.put(message, wrapped(failure)));
			return failed;
		}
		catch (MailException ex) {
			// Signing in or preparing failed: none was sent.
			Map<Object, Exception> failed = new HashMap<>();
			messages.forEach((message) -> failed.put(message, ex));
			return failed;
		}
	}

	/** What the outbox records says which message failed and why, as it always did. */
	private static Exception wrapped(Exception failure) {
		return new MailSendException(failure.getClass().getSimpleName() + ": " + failure.getMessage(), failure);
	}

	private void postpone(PendingEmail email, Exception failure) {
		try (MDC.MDCCloseable mdc = MDC.putCloseable("reportId", email.reportId().toString())) {
			int failedAttempts = email.attempts() + 1;
			Duration retryIn = this.settings.retry().backoff(failedAttempts);
			logger.warn("Could not mail {} (attempt {}), trying again in {}: {}", email.outcome(), failedAttempts,
					retryIn, failure.getMessage());
			this.outbox.postpone(email, retryIn, failure.getClass().getSimpleName() + ": " + failure.getMessage());
			this.failed.increment();
		}
	}

	private MimeMessage message(PendingEmail email) {
		// Made by the sender, so it shares the sender's session and MIME type map: for a
		// message made any other way, MimeMessageHelper reads the MIME types file again
		// (a tenth of a worker's CPU per report when reports are cheap).
		MimeMessage message = this.mailSender.createMimeMessage();
		try {
			MimeMessageHelper helper = new MimeMessageHelper(message, StandardCharsets.UTF_8.name());
			helper.setFrom(ReportMailer.headerSafe(this.settings.from()));
			helper.setTo(ReportMailer.headerSafe(email.recipient()));
			helper.setSubject(ReportMailer.headerSafe(email.subject()));
			helper.setText(email.body());
			// JavaMailSenderImpl keeps a Message-ID set before it saves the message,
			// instead of making one up.
			message.setHeader("Message-ID", messageId(email));
		}
		catch (MessagingException ex) {
			throw new MailPreparationException("Could not prepare the " + email.outcome() + " email", ex);
		}
		return message;
	}

	/**
	 * The same Message-ID every time this outcome's email is sent: should it go out twice
	 * (the worker died after the SMTP server took it and before {@code SENT} committed,
	 * or the connection broke after the server took it), mail systems that drop
	 * duplicates by Message-ID show it once, and anyone can tell the copies apart from a
	 * second email.
	 */
	static String messageId(PendingEmail email) {
		return "<" + email.reportId() + "." + email.outcome().toLowerCase(Locale.ROOT) + "@offload>";
	}

	/**
	 * One SMTP connection of a {@link #sendDue}, used by one thread: opened for its first
	 * batch, checked before each further one (a NOOP: the server may have closed it), and
	 * closed (QUIT) when {@code sendDue} returns, so none is left idle between polls.
	 * Spring's {@code JavaMailSender.send(MimeMessage...)} opens one per call and checks
	 * it before every message after the first: a connection (greeting, EHLO, sign-in, and
	 * STARTTLS where the relay asks for it) per batch and a round trip per email, when
	 * reports are cheap a fifth of a worker's CPU. Messages are prepared as that method
	 * prepares them (sent date, Message-ID kept).
	 * <p>
	 * A message that fails because the server closed the connection (one that allows so
	 * many messages per connection, or that restarted) is sent once more at once over a
	 * new one, as the outbox's retry would send it later: only if the server took it and
	 * the connection broke before its reply came is that a second copy, with the same
	 * Message-ID, as it is for the retry. Any other failure is the message's own, and the
	 * next message gets a new connection. A connection that cannot be opened fails the
	 * message in hand and those after it; the ones the server took before stay sent.
	 */
	private final class SmtpConnection implements AutoCloseable {

		private Transport transport;

		/**
		 * Hands messages to the SMTP server.
		 * @return the messages it did not take, with why
		 */
		Map<Object, Exception> send(Collection<MimeMessage> messages) {
			if (!(EmailSender.this.mailSender instanceof JavaMailSenderImpl sender)) {
				return EmailSender.this.send(messages);
			}
			List<MimeMessage> inOrder = List.copyOf(messages);
			Map<Object, Exception> failed = new HashMap<>();
			if (this.transport != null && !this.transport.isConnected()) {
				close();
			}
			for (int i = 0; i < inOrder.size(); i++) {
				MimeMessage message = inOrder.get(i);
				boolean again = false;
				while (true) {
					if (this.transport == null) {
						try {
							this.transport = connect(sender);
						}
						catch (MessagingException | RuntimeException ex) {
							// This message and the rest were not sent; those before were.
							Exception failure = (ex instanceof AuthenticationFailedException signIn)
									? new MailAuthenticationException(signIn) : wrapped(ex);
							inOrder.subList(i, inOrder.size()).forEach((unsent) -> failed.put(unsent, failure));
							return failed;
						}
					}
					try {
						send(message);
						break;
					}
					catch (MessagingException | RuntimeException ex) {
						// Angus Mail closes a connection that broke; one still open
						// answers a NOOP.
						boolean closedByServer = !this.transport.isConnected();
						close();
						if (closedByServer && !again) {
							again = true;
							continue;
						}
						failed.put(message, wrapped(ex));
						break;
					}
				}
			}
			return failed;
		}

		private void send(MimeMessage message) throws MessagingException {
			if (message.getSentDate() == null) {
				message.setSentDate(new Date());
			}
			// saveChanges would replace the Message-ID with one of its own.
			String messageId = message.getMessageID();
			message.saveChanges();
			if (messageId != null) {
				message.setHeader("Message-ID", messageId);
			}
			Address[] recipients = message.getAllRecipients();
			this.transport.sendMessage(message, (recipients != null) ? recipients : new Address[0]);
		}

		private static Transport connect(JavaMailSenderImpl sender) throws MessagingException {
			Session session = sender.getSession();
			String protocol = (sender.getProtocol() != null) ? sender.getProtocol()
					: session.getProperty("mail.transport.protocol");
			Transport transport = session.getTransport((protocol != null) ? protocol : "smtp");
			String username = sender.getUsername();
			String password = sender.getPassword();
			if ("".equals(username)) {
				username = null;
				if ("".equals(password)) {
					password = null;
				}
			}
			transport.connect(sender.getHost(), sender.getPort(), username, password);
			return transport;
		}

		@Override
		public void close() {
			if (this.transport == null) {
				return;
			}
			try {
				this.transport.close();
			}
			catch (MessagingException | RuntimeException ex) {
				// Every message handed over was taken already (each waits for the
				// server's reply).
				logger.debug("Could not close the SMTP connection: {}", ex.getMessage());
			}
			finally {
				this.transport = null;
			}
		}

	}

}
