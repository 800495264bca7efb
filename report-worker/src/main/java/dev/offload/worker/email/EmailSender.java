package dev.offload.worker.email;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import dev.offload.worker.WorkerProperties;
import dev.offload.worker.email.EmailOutbox.PendingEmail;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.dao.DataAccessException;
import org.springframework.mail.MailException;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends the emails in the outbox that are due, one transaction per email: the row is
 * locked ({@code FOR UPDATE SKIP LOCKED}, so any number of workers send side by side and
 * never the same email), handed to the SMTP server, and marked SENT in the same
 * transaction. If the server does not take it, the attempt is counted and the next one
 * set after an exponential back-off ({@code offload.worker.email.retry.*}); an email is
 * retried until it is sent, never dropped.
 * <p>
 * The one gap left: a worker that dies after the SMTP server took a mail and before the
 * commit leaves the row PENDING, and the mail is sent again. Without a transactional SMTP
 * server that cannot be closed; mailing twice is the lesser failure than never.
 */
class EmailSender {

	private static final Logger logger = LoggerFactory.getLogger(EmailSender.class);

	/** At most this many emails per poll, so one poll never holds the scheduler long. */
	private static final int BATCH = 50;

	private final EmailOutbox outbox;

	private final JavaMailSender mailSender;

	private final TransactionTemplate transactions;

	private final WorkerProperties.Email settings;

	private final Counter sent;

	private final Counter failed;

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
	}

	/**
	 * Sends due emails until none is due, a batch is done, or the SMTP server fails (the
	 * rest would most likely fail the same way).
	 */
	void sendDue() {
		try {
			for (int i = 0; i < BATCH; i++) {
				if (!Boolean.TRUE.equals(this.transactions.execute((status) -> sendNext()))) {
					return;
				}
			}
		}
		catch (DataAccessException ex) {
			// PostgreSQL unavailable: the emails wait in the outbox until it is back.
			logger.warn("Could not read the email outbox: {}", ex.getMessage());
		}
	}

	/**
	 * Sends the next due email.
	 * @return {@code true} if one was sent and more may be due
	 */
	private boolean sendNext() {
		PendingEmail email = this.outbox.lockNextDue().orElse(null);
		if (email == null) {
			return false;
		}
		try (MDC.MDCCloseable mdc = MDC.putCloseable("reportId", email.reportId().toString())) {
			try {
				this.mailSender.send(message(email));
			}
			catch (MailException ex) {
				int failedAttempts = email.attempts() + 1;
				Duration retryIn = this.settings.retry().backoff(failedAttempts);
				logger.warn("Could not mail {} (attempt {}), trying again in {}: {}", email.outcome(), failedAttempts,
						retryIn, ex.getMessage());
				this.outbox.postpone(email, retryIn, ex.getClass().getSimpleName() + ": " + ex.getMessage());
				this.failed.increment();
				return false;
			}
			this.outbox.markSent(email);
			this.sent.increment();
			logger.info("Mailed {} to its owner", email.outcome());
			return true;
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

}
