package dev.offload.worker.email;

import java.net.URI;
import java.util.Locale;

import dev.offload.model.ReportEvent;
import dev.offload.worker.WorkerProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Mails a report's owner its outcome, once per report and outcome.
 */
@Service
class ReportMailer {

	private static final Logger logger = LoggerFactory.getLogger(ReportMailer.class);

	private final SentEmails sentEmails;

	private final JavaMailSender mailSender;

	private final TransactionTemplate transactions;

	private final WorkerProperties.Email settings;

	ReportMailer(SentEmails sentEmails, JavaMailSender mailSender, PlatformTransactionManager transactionManager,
			WorkerProperties properties) {
		this.sentEmails = sentEmails;
		this.mailSender = mailSender;
		this.transactions = new TransactionTemplate(transactionManager);
		this.settings = properties.email();
	}

	/**
	 * Mails the outcome of a report unless it was mailed before. The record of the mail
	 * and the mail itself go together: the row is inserted, the mail handed to the SMTP
	 * server, then the row committed. If sending fails, the row is rolled back and the
	 * exception propagates. The one gap left is a crash between handing the mail over and
	 * the commit, which mails twice; mailing never is the worse failure.
	 * @param event an outcome event (SUCCEEDED, FAILED or CANCELLED)
	 */
	void mailOutcome(ReportEvent event) {
		String recipient = headerSafe(event.owner().email());
		this.transactions.executeWithoutResult((status) -> {
			if (!this.sentEmails.record(event.reportId(), event.type(), recipient)) {
				logger.info("Not mailing {}: mailed before, or the report no longer exists", event.type());
				return;
			}
			this.mailSender.send(message(event, recipient));
			logger.info("Mailed {} to its owner", event.type());
		});
	}

	private SimpleMailMessage message(ReportEvent event, String recipient) {
		SimpleMailMessage message = new SimpleMailMessage();
		message.setFrom(headerSafe(this.settings.from()));
		message.setTo(recipient);
		String title = (event.reportType() != null) ? event.reportType().title() : "Report";
		switch (event.type()) {
			case SUCCEEDED -> {
				message.setSubject(headerSafe("Your report is ready: " + title));
				message.setText("""
						Your %s report is ready.

						Download it here: %s
						Size: %s
						""".formatted(title, downloadLink(event), size(event.fileSize())));
			}
			case FAILED -> {
				message.setSubject(headerSafe("Your report failed: " + title));
				message.setText("""
						Your %s report could not be built.

						Reason: %s
						""".formatted(title, (event.error() != null) ? event.error() : "unknown"));
			}
			case CANCELLED -> {
				message.setSubject(headerSafe("Your report was cancelled: " + title));
				message.setText("Your %s report was cancelled before it finished.%n".formatted(title));
			}
			default -> throw new IllegalArgumentException("Not an outcome: " + event.type());
		}
		return message;
	}

	private String downloadLink(ReportEvent event) {
		String base = this.settings.downloadBaseUrl().toString();
		String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
		return URI.create(trimmed + "/api/reports/" + event.reportId() + "/file").toString();
	}

	static String size(Long bytes) {
		if (bytes == null) {
			return "unknown";
		}
		if (bytes < 1024) {
			return bytes + " bytes";
		}
		double kilobytes = bytes / 1024.0;
		return (kilobytes < 1024) ? String.format(Locale.ROOT, "%.1f KB (%d bytes)", kilobytes, bytes)
				: String.format(Locale.ROOT, "%.1f MB (%d bytes)", kilobytes / 1024, bytes);
	}

	/**
	 * The value with line breaks removed, so nothing taken from a message can add a mail
	 * header of its own.
	 */
	static String headerSafe(String value) {
		return value.replaceAll("[\\r\\n]+", " ").strip();
	}

}
