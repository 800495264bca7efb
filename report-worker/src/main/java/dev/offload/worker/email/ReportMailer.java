package dev.offload.worker.email;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.offload.model.DownloadLinkSignature;
import dev.offload.model.ReportEvent;
import dev.offload.worker.WorkerProperties;
import dev.offload.worker.catalogue.Catalogue;
import dev.offload.worker.email.EmailOutbox.OutcomeEmail;
import dev.offload.worker.pipeline.OutcomeEmails;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.stereotype.Service;

/**
 * Writes the email telling a report's owner its outcome into the outbox, once per report
 * and outcome; {@link EmailSender} sends it from there.
 */
@Service
class ReportMailer implements OutcomeEmails {

	private static final Logger logger = LoggerFactory.getLogger(ReportMailer.class);

	private final EmailOutbox outbox;

	private final WorkerProperties.Email settings;

	private final DownloadLinkProperties links;

	private final DownloadLinkSignature signature;

	private final Clock clock = Clock.systemUTC();

	private final Catalogue catalogue;

	ReportMailer(EmailOutbox outbox, WorkerProperties properties, DownloadLinkProperties links, Catalogue catalogue) {
		this.outbox = outbox;
		this.catalogue = catalogue;
		this.settings = properties.email();
		this.links = links;
		this.signature = new DownloadLinkSignature(links.secret());
	}

	/**
	 * Records the emails of reports' outcomes, in one statement, unless they were
	 * recorded before: the outcomes the email queue delivers.
	 * @param events outcome events (SUCCEEDED, FAILED or CANCELLED)
	 */
	void mailOutcomes(List<ReportEvent> events) {
		List<OutcomeEmail> emails = emails(events, false);
		Set<OutcomeEmail> recorded = this.outbox.recordAll(emails);
		for (OutcomeEmail email : emails) {
			try (MDC.MDCCloseable mdc = MDC.putCloseable("reportId", email.reportId().toString())) {
				if (recorded.contains(email)) {
					// At debug: on the path of every report; the outbox row says the
					// rest.
					logger.debug("Queued the {} email to the report's owner", email.outcome());
				}
				else {
					logger.info("Not mailing {}: mailed before, part of a batch (one summary instead), or the report "
							+ "no longer exists", email.outcome());
				}
			}
		}
	}

	/**
	 * Records the emails of outcomes in the transaction that records them (the worker
	 * that built the reports calls this), as {@link #mailOutcomes} does for the email
	 * queue. An email that cannot be written (its link cannot be signed, say) is left out
	 * and logged: the outcome is recorded all the same, and the announcement sweep takes
	 * it to the email queue.
	 */
	@Override
	public void record(List<ReportEvent> outcomes) {
		this.outbox.recordAll(emails(outcomes, true));
	}

	/**
	 * The emails of outcomes, none for an owner without an address; one that cannot be
	 * built is thrown, or, {@code leftOut}, logged and left out.
	 */
	private List<OutcomeEmail> emails(List<ReportEvent> events, boolean leftOut) {
		List<OutcomeEmail> emails = new ArrayList<>(events.size());
		for (ReportEvent event : events) {
			if (event.owner().email() == null) {
				// The owner signed in without a verified address: nobody to write to.
				logger.debug("Report {} has no owner email; no email for its outcome", event.reportId());
				continue;
			}
			try {
				emails.add(email(event));
			}
			catch (RuntimeException ex) {
				if (!leftOut) {
					throw ex;
				}
				logger.warn("Could not write the {} email of report {}; its outcome is recorded without it",
						event.type(), event.reportId(), ex);
			}
		}
		return emails;
	}

	private OutcomeEmail email(ReportEvent event) {
		String recipient = headerSafe(event.owner().email());
		// The type's title as this worker knows it; a type it does not offer (another
		// worker built it) is named as it is.
		String title = (event.reportType() == null) ? "Report"
				: this.catalogue.find(event.reportType())
					.map((definition) -> definition.descriptor().title())
					.orElse(event.reportType());
		String subject;
		String body;
		switch (event.type()) {
			case SUCCEEDED -> {
				subject = "Your report is ready: " + title;
				body = """
						Your %s report is ready.

						Download it here: %s
						Size: %s
						""".formatted(title, downloadLink(event), size(event.fileSize()));
			}
			case FAILED -> {
				subject = "Your report failed: " + title;
				body = """
						Your %s report could not be built.

						Reason: %s
						Report: %s
						""".formatted(title, (event.error() != null) ? event.error() : "unknown", reportLink(event));
			}
			case CANCELLED -> {
				subject = "Your report was cancelled: " + title;
				body = """
						Your %s report was cancelled before it finished.

						Report: %s
						""".formatted(title, reportLink(event));
			}
			default -> throw new IllegalArgumentException("Not an outcome: " + event.type());
		}
		return new OutcomeEmail(event.reportId(), event.type(), recipient, headerSafe(subject), body);
	}

	/**
	 * The report's file behind a signed link that works without signing in until it
	 * expires:
	 * {@code .../api/reports/<id>/file?expires=<epoch seconds>&signature=<hmac>}.
	 */
	String downloadLink(ReportEvent event) {
		long expires = this.clock.instant().plus(this.links.validity()).getEpochSecond();
		String signed = this.signature.sign(event.reportId(), event.owner().userId(), expires);
		return reportLink(event) + "/file?expires=" + expires + "&signature=" + signed;
	}

	private String reportLink(ReportEvent event) {
		String base = this.settings.downloadBaseUrl().toString();
		String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
		return URI.create(trimmed + "/api/reports/" + event.reportId()).toString();
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
