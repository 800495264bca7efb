package dev.offload.api;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the API accepts report requests and relays their tasks ({@code offload.api.*}).
 *
 * @param relay publishing the tasks of accepted reports to RabbitMQ
 * @param limits what a single request may ask for
 * @param retention how long report files and records are kept
 * @param live the live status stream to browsers
 * @param catalogue the report catalogue the workers offer
 * @param reconciliation recovering reports whose task the broker lost
 * @param batches batches of reports: their size, how they are created and shared out
 * @param accept how accepted reports are written
 */
@ConfigurationProperties("offload.api")
@Validated
public record ApiProperties(@DefaultValue @Valid Relay relay, @DefaultValue @Valid Limits limits,
		@DefaultValue @Valid Retention retention, @DefaultValue @Valid Live live,
		@DefaultValue @Valid Catalogue catalogue, @DefaultValue @Valid Reconciliation reconciliation,
		@DefaultValue @Valid Batches batches, @DefaultValue @Valid Accept accept) {

	/**
	 * How accepted reports are written ({@code offload.api.accept.*}). Requests that
	 * arrive together are inserted together (group commit): each accepting request joins
	 * the next statement, at most {@code concurrent-statements} such statements run at
	 * once, and each inserts up to {@code max-batch} reports and commits them together. A
	 * request is answered only once its report is committed; one that comes alone is
	 * inserted at once, without waiting for others. Under load this costs PostgreSQL a
	 * commit per statement rather than per report, and leaves the rest of the connection
	 * pool to reads and the outbox relay.
	 *
	 * @param maxBatch the most reports one statement inserts; 1 inserts each on its own
	 * @param concurrentStatements the most accepting statements running at once, each on
	 * a pooled connection of its own; keep it below the pool's size
	 * ({@code spring.datasource.hikari.maximum-pool-size}, 10)
	 */
	public record Accept(@DefaultValue("32") @Min(1) @Max(1000) int maxBatch,
			@DefaultValue("4") @Min(1) @Max(100) int concurrentStatements) {

	}

	/**
	 * Batches of reports ({@code offload.api.batches.*}).
	 * <p>
	 * A batch is admitted as one unit and its reports are created in the background,
	 * {@code chunk-size} at a time, by whichever replica takes the batch (PostgreSQL row
	 * locks share the work). The relay publishes at most {@code max-in-flight} of one
	 * batch's reports at a time (published and not yet finished) and the next ones as
	 * those finish, taking every open batch in turn: a batch of 100,000 holds at most
	 * that many places in the bulk queue, so a batch of 100 that comes later waits behind
	 * those, not behind all of them.
	 *
	 * @param maxReports the most reports one batch may ask for
	 * @param chunkSize how many of a batch's reports one transaction creates
	 * @param interval how often each replica looks for batches to create or finish
	 * @param maxInFlight the most reports of one batch published and not finished at a
	 * time; enough to keep every worker busy on one batch
	 * @param maxOpenPerUser the most unfinished batches one user may have
	 */
	public record Batches(@DefaultValue("100000") @Min(1) @Max(1_000_000) int maxReports,
			@DefaultValue("500") @Min(1) @Max(10_000) int chunkSize, @DefaultValue("1s") @NotNull Duration interval,
			@DefaultValue("200") @Min(1) @Max(100_000) int maxInFlight,
			@DefaultValue("10") @Min(1) @Max(1000) int maxOpenPerUser) {

	}

	/**
	 * The outbox relay ({@code offload.api.relay.*}). Each accepted request wakes the
	 * relay at once; the interval is only the fallback for rows left behind (a broker
	 * outage, a restart between commit and publish, another replica's unfinished batch).
	 *
	 * @param batchSize how many reports one relay transaction publishes and locks at most
	 * @param interval how often the relay looks for unpublished reports without being
	 * woken
	 * @param confirmTimeout how long the relay waits for the broker to confirm a batch;
	 * tasks not confirmed by then stay unpublished and are sent again in a later round
	 * @param maxBackoff the longest pause between two attempts while the broker cannot be
	 * reached (the pause doubles from {@code interval} up to this)
	 */
	public record Relay(@DefaultValue("100") @Min(1) @Max(1000) int batchSize,
			@DefaultValue("1s") @NotNull Duration interval, @DefaultValue("10s") @NotNull Duration confirmTimeout,
			@DefaultValue("30s") @NotNull Duration maxBackoff) {

	}

	/**
	 * Limits on report requests ({@code offload.api.limits.*}).
	 *
	 * @param maxRangeYears the longest date range, in years, a report may cover
	 */
	public record Limits(@DefaultValue("5") @Min(1) @Max(100) int maxRangeYears,
			@DefaultValue("20") @Min(1) int maxUnfinishedPerUser, @DefaultValue("10000") @Min(1) long maxBacklog,
			@DefaultValue("30s") @NotNull Duration retryAfter, @DefaultValue("1s") @NotNull Duration backlogCacheTtl) {

	}

	/**
	 * How long report files and records are kept ({@code offload.api.retention.*}). A job
	 * deletes the files of reports that finished longer ago than {@code keep-files-for};
	 * the report stays listed, and downloading it answers 410 Gone. Later it deletes the
	 * report rows themselves, the sent-email rows (they hold signed download links) and
	 * forgets idempotency keys, so what PostgreSQL holds per user stays bounded.
	 *
	 * @param keepFilesFor how long after a report finished its file is kept
	 * @param interval how often the job looks for expired files and records
	 * @param batchSize how many files or rows one transaction of the job deletes at most
	 * @param orphanUploadAge a file whose upload started this long ago and which no
	 * report records (its worker died, or the report was cancelled or taken over) is
	 * deleted; must be longer than a worker's report timeout
	 * @param keepReportsFor how long after it finished a report's row is kept (with its
	 * sent emails); at least {@code keep-files-for}, and a row whose file is still stored
	 * is never deleted. Unfinished reports are never deleted
	 * @param keepSentEmailsFor how long a sent email's row (subject, body with its signed
	 * link, recipient) is kept after it was sent; at least the link's validity
	 * ({@code offload.download-links.validity}, 7 days) and longer than the workers'
	 * {@code offload.worker.announcements.window} (3 days), which would otherwise mail
	 * the outcome again
	 * @param keepIdempotencyKeysFor how long after a request its {@code Idempotency-Key}
	 * answers with the same report; later the key is forgotten and may be used for a new
	 * request
	 * @param keepWebhookEventsFor how long after it was recorded a webhook event is kept
	 * with its delivery log; longer than {@code offload.api.webhooks.max-attempts-age} (3
	 * days), and an event with a delivery still pending is never deleted
	 * @param initialDelay how long after start-up the job first runs, so a replica that
	 * is warming up (or a test that just started one) is not racing it
	 */
	public record Retention(@DefaultValue("30d") @NotNull Duration keepFilesFor,
			@DefaultValue("1h") @NotNull Duration interval, @DefaultValue("500") @Min(1) @Max(10_000) int batchSize,
			@DefaultValue("1h") @NotNull Duration orphanUploadAge,
			@DefaultValue("400d") @NotNull Duration keepReportsFor,
			@DefaultValue("30d") @NotNull @DurationMin(days = 7) Duration keepSentEmailsFor,
			@DefaultValue("7d") @NotNull @DurationMin(hours = 1) Duration keepIdempotencyKeysFor,
			@DefaultValue("30d") @NotNull @DurationMin(days = 4) Duration keepWebhookEventsFor,
			@DefaultValue("1m") @NotNull Duration initialDelay) {

		/**
		 * A report's row outlives its file, so its owner sees why a download answers 410.
		 * @return whether {@code keep-reports-for} is at least {@code keep-files-for}
		 */
		@AssertTrue(message = "keep-reports-for must be at least keep-files-for")
		public boolean isReportsKeptAsLongAsFiles() {
			return this.keepReportsFor == null || this.keepFilesFor == null
					|| this.keepReportsFor.compareTo(this.keepFilesFor) >= 0;
		}

	}

	/**
	 * The live status stream ({@code GET /api/reports/events},
	 * {@code offload.api.live.*}).
	 *
	 * @param heartbeatInterval how often an idle stream gets a comment line, so proxies
	 * keep it open and a vanished browser is noticed
	 * @param streamTimeout how long one stream stays open; the browser then reconnects
	 * (and catches up from the database), which spreads streams over replicas again
	 * @param maxStreamsPerUser how many streams one user may hold open on one replica;
	 * another is refused with 429
	 * @param unbindAfter how long after its last stream closed a replica keeps taking
	 * report events: its queue is bound to the events exchange only while a stream is
	 * open on it and for this long after, so a browser that reconnects at once finds it
	 * still bound, and a replica nobody watches takes no copy of any event
	 */
	public record Live(@DefaultValue("15s") @NotNull Duration heartbeatInterval,
			@DefaultValue("30m") @NotNull Duration streamTimeout, @DefaultValue("10") @Min(1) int maxStreamsPerUser,
			@DefaultValue("1m") @NotNull @DurationMin(millis = 0) Duration unbindAfter) {

	}

	/**
	 * The report catalogue ({@code offload.api.catalogue.*}), read from the offers the
	 * workers register in PostgreSQL.
	 *
	 * @param refresh how long the API uses what it read before reading the offers again
	 * (never a query per request)
	 * @param workerTtl a worker whose offers were renewed within this is live (workers
	 * renew every 10 s)
	 * @param keepOffers while no worker is live (scaled to zero, restarting), the offers
	 * of the workers seen last are used for this long, so requests are still accepted and
	 * queued
	 * @param showHidden whether {@code GET /api/report-types} lists hidden types such as
	 * {@code NO_OP} (they can be requested either way)
	 */
	public record Catalogue(@DefaultValue("5s") @NotNull Duration refresh,
			@DefaultValue("45s") @NotNull Duration workerTtl, @DefaultValue("7d") @NotNull Duration keepOffers,
			@DefaultValue("false") boolean showHidden) {

	}

	/**
	 * Reconciliation ({@code offload.api.reconciliation.*}): reports whose task the
	 * broker no longer holds are published again.
	 *
	 * @param enabled whether this replica sweeps (every replica may; one at a time works)
	 * @param interval how often it sweeps
	 * @param grace how long a RUNNING report's lease must have been expired, and a QUEUED
	 * report's task published, before it counts as lost; keep it above the time a task
	 * waits in a worker's prefetch buffer
	 * @param retryAge how long a report handed back for a delayed retry may wait before
	 * its retry counts as lost; must be longer than the workers' longest retry delay
	 * @param batchSize how many reports one sweep recovers of each kind at most
	 */
	public record Reconciliation(@DefaultValue("true") boolean enabled, @DefaultValue("30s") @NotNull Duration interval,
			@DefaultValue("2m") @NotNull Duration grace, @DefaultValue("30m") @NotNull Duration retryAge,
			@DefaultValue("500") @Min(1) @Max(10_000) int batchSize) {

	}

}
