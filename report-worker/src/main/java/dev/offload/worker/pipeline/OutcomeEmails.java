package dev.offload.worker.pipeline;

import java.util.List;

import dev.offload.model.ReportEvent;

/**
 * Records the emails telling reports' owners their outcomes in the email outbox, in the
 * transaction that records the outcomes, so the two commit together or not at all, and
 * the outcomes' events need not take them to the email queue, whose listener would record
 * the same. The email room implements it ({@code ReportMailer}), with the caller's
 * {@code DataSource}, so that it joins the caller's transaction; the pipeline knows
 * nothing of what an email says.
 */
public interface OutcomeEmails {

	/**
	 * Records the emails of outcomes, joining the caller's transaction, as the email
	 * queue's listener would: none for a report in a batch (its owner gets one summary),
	 * an owner without an address, or an outcome recorded before. An email that cannot be
	 * built (its text, its signed link) is left out, not thrown: the outcome is recorded
	 * all the same, and the announcement sweep, finding it without its email, announces
	 * it to the email queue again, where it is dead-lettered as it would have been.
	 * @param outcomes outcome events (SUCCEEDED, FAILED), their reports recorded as such
	 * in the caller's transaction
	 */
	void record(List<ReportEvent> outcomes);

}
