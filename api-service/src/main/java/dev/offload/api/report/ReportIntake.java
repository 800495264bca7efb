package dev.offload.api.report;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.api.error.InvalidRequestException;
import dev.offload.model.Owner;
import dev.offload.model.ReportPriority;
import dev.offload.model.ReportTypeDescriptor;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * How other features of the API (schedules, batches) create reports: validated against
 * the catalogue exactly as a request to {@code POST /api/reports} is, and inserted in the
 * {@link ReportPriority#BULK} lane, so they never delay a report someone is waiting for.
 * Bulk reports are admitted by their schedule or batch, so neither the per-user limit of
 * unfinished reports nor the global backlog limit applies to them.
 */
@Service
public class ReportIntake {

	private static final Logger logger = LoggerFactory.getLogger(ReportIntake.class);

	private final ReportRequestValidator validator;

	private final Reports reports;

	private final ApplicationEventPublisher events;

	private final ReportMetrics metrics;

	private final ReportCatalogue catalogue;

	ReportIntake(ReportRequestValidator validator, Reports reports, ApplicationEventPublisher events,
			ReportMetrics metrics, ReportCatalogue catalogue) {
		this.validator = validator;
		this.catalogue = catalogue;
		this.reports = reports;
		this.events = events;
		this.metrics = metrics;
	}

	/**
	 * Checks an {@code Idempotency-Key} header as {@code POST /api/reports} does.
	 * @param key the header's value, or {@code null}
	 * @return the key, or {@code null}
	 * @throws InvalidRequestException if it is blank, too long or not printable ASCII
	 */
	public String validateIdempotencyKey(String key) {
		return this.validator.validateIdempotencyKey(key);
	}

	/**
	 * Wakes the outbox relay once the current transaction commits, for reports inserted
	 * in bulk by another feature.
	 * @param anyReportId one of the reports
	 */
	public void accepted(UUID anyReportId) {
		this.events.publishEvent(new ReportAccepted(anyReportId));
	}

	/**
	 * Checks a report request against the catalogue without creating anything.
	 * @param type the report type
	 * @param format the file format
	 * @param parameters the type's parameters by name
	 * @return the parameters in canonical form, defaults included
	 * @throws InvalidRequestException naming every invalid field
	 */
	public Map<String, String> validate(String type, String format, Map<String, String> parameters) {
		return this.validator.validate(new CreateReportRequest(type, format, parameters)).parameters();
	}

	/**
	 * A report type as the catalogue offers it now, for features that need to know its
	 * parameters before they make a request (a schedule fills in a type's dates).
	 * @param type the type's name, in any case
	 * @return its descriptor, or empty if no worker offers it
	 */
	public Optional<ReportTypeDescriptor> describe(String type) {
		return (type != null) ? this.catalogue.find(type.strip().toUpperCase(Locale.ROOT)) : Optional.empty();
	}

	/**
	 * Creates one QUEUED bulk report, in the caller's transaction (or a new one), and
	 * wakes the outbox relay once that transaction commits.
	 * @param owner whom the report is for
	 * @param type the report type
	 * @param format the file format
	 * @param parameters the type's parameters by name
	 * @return the new report's id
	 * @throws InvalidRequestException naming every invalid field
	 */
	@Transactional(propagation = Propagation.REQUIRED)
	public UUID submitBulk(Owner owner, String type, String format, Map<String, String> parameters) {
		ReportSpecification specification = this.validator.validate(new CreateReportRequest(type, format, parameters));
		UUID id = UUID.randomUUID();
		Report created = this.reports.insert(id, owner, specification, null, ReportPriority.BULK)
			.orElseThrow(() -> new IllegalStateException("A report without an idempotency key was not inserted"));
		this.events.publishEvent(new ReportAccepted(created.id()));
		this.metrics.requested(created.type());
		logger.info("Accepted bulk report {} ({} as {}) for {}", created.id(), created.type(), created.format(),
				owner.userId());
		return created.id();
	}

}
