package dev.offload.worker.pipeline;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import dev.offload.model.ReportEvent;

/**
 * Records the emails telling reports' owners their outcomes, in the transaction that
 * records the outcomes: an outcome and its email commit together or not at all, and the
 * outcome's event need not carry it to the email queue (the transactional outbox the
 * email sender reads). The email sender implements it; the pipeline only knows which
 * outcomes it took.
 */
public interface OutcomeEmails {

	/**
	 * Records the emails of outcomes, joining the caller's transaction, unless an email
	 * is not wanted (a report in a batch gets one summary instead; an owner without an
	 * address gets none) or was recorded before.
	 * @param outcomes outcome events (SUCCEEDED, FAILED), their reports recorded as such
	 * in the caller's transaction
	 * @return the reports whose email this recorded; the outcomes of the others still go
	 * to the email queue
	 */
	Set<UUID> record(List<ReportEvent> outcomes);

}
