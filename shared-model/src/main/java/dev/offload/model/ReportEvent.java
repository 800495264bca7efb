package dev.offload.model;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Something that happened to a report, published to the {@code reports.events} fanout for
 * every subscriber (email, live status, audit). Events are notifications: a subscriber
 * that needs the truth reads the report from PostgreSQL.
 *
 * @param reportId the report's id
 * @param type what happened
 * @param progress how far the report is, 0 to 100
 * @param occurredAt when it happened
 * @param owner whose report it is
 * @param reportType the report type's name in the catalogue
 * @param format the file format
 * @param fileSize the stored file's size in bytes, on success; otherwise {@code null}
 * @param error a summary of what went wrong, on failure; otherwise {@code null}
 */
public record ReportEvent(UUID reportId, Type type, int progress, Instant occurredAt, Owner owner, String reportType,
		ReportFormat format, Long fileSize, String error) {

	/** Checks the required fields and the range of {@code progress}. */
	public ReportEvent {
		Objects.requireNonNull(reportId, "reportId");
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(occurredAt, "occurredAt");
		Objects.requireNonNull(owner, "owner");
		if (progress < 0 || progress > 100) {
			throw new IllegalArgumentException("progress must be between 0 and 100, was " + progress);
		}
	}

	/**
	 * A stable id for this event, the same each time the same event is published again,
	 * so a subscriber can drop duplicates. Progress events differ by their percentage.
	 * @return the message id
	 */
	public String messageId() {
		return (this.type == Type.PROGRESS) ? this.reportId + ":PROGRESS:" + this.progress
				: this.reportId + ":" + this.type;
	}

	/** The kinds of event. */
	public enum Type {

		/**
		 * A worker claimed the report and started it. Not every report has one: a quick
		 * report a worker claimed ahead with others goes from QUEUED to its outcome.
		 */
		RUNNING,

		/** The report made progress; see {@link ReportEvent#progress()}. */
		PROGRESS,

		/** The file is stored and can be downloaded. */
		SUCCEEDED,

		/** The report failed for good. */
		FAILED,

		/** The report was cancelled. */
		CANCELLED;

		/**
		 * Whether this event ends the report's life, so its owner is told.
		 * @return {@code true} for SUCCEEDED, FAILED and CANCELLED
		 */
		public boolean isOutcome() {
			return this == SUCCEEDED || this == FAILED || this == CANCELLED;
		}

	}

}
