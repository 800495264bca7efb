package dev.offload.api.batch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.api.ApiProperties;
import dev.offload.api.error.InvalidRequestException;
import dev.offload.api.report.ReportIntake;
import dev.offload.api.webhook.WebhookEvents;
import dev.offload.model.BatchSelector;
import dev.offload.model.ReportTypeDescriptor;

import org.springframework.dao.DataAccessException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns accepted batches into reports and notices when they are done. Every replica runs
 * it every {@code offload.api.batches.interval}; a batch being worked on is row-locked,
 * so replicas share batches and never create a report twice.
 * <ul>
 * <li>A selector batch has its values selected from the report data first (one query the
 * type's {@link BatchSelector} describes).</li>
 * <li>Reports are created {@code chunk-size} at a time, each chunk one transaction that
 * also records how far the batch has got: a replica that dies mid-batch leaves a
 * consistent count that the next sweep continues from. Each item is checked against the
 * catalogue as a single request would be; one that is refused becomes a FAILED report
 * with the reason, so the batch's counts always add up to its items.</li>
 * <li>A running batch none of whose reports is queued or running is marked complete,
 * once, by the replica whose update did it, with its {@code batch.completed} webhook
 * event in the same transaction; the summary email goes from the worker's email
 * outbox.</li>
 * </ul>
 */
public class BatchPreparation {

	private static final Logger logger = LoggerFactory.getLogger(BatchPreparation.class);

	private final Batches batches;

	private final ReportIntake intake;

	private final TransactionTemplate transactions;

	private final ApiProperties.Batches settings;

	private final MeterRegistry meters;

	private final WebhookEvents webhooks;

	BatchPreparation(Batches batches, ReportIntake intake, TransactionTemplate transactions, ApiProperties properties,
			MeterRegistry meters, WebhookEvents webhooks) {
		this.batches = batches;
		this.intake = intake;
		this.transactions = transactions;
		this.settings = properties.batches();
		this.meters = meters;
		this.webhooks = webhooks;
	}

	/** One sweep; never throws, so the schedule goes on. */
	public void run() {
		try {
			long deadline = System.nanoTime() + this.settings.interval().toNanos() * 5;
			while (Boolean.TRUE.equals(this.transactions.execute((status) -> prepareNextChunk()))
					&& System.nanoTime() < deadline) {
				// Chunk after chunk, as long as there is work and time.
			}
			this.transactions.executeWithoutResult((status) -> completeFinished());
		}
		catch (DataAccessException ex) {
			logger.warn("Batch preparation did not run (will try again): {}", ex.getMessage());
		}
	}

	/**
	 * @return whether there was something to do
	 */
	private boolean prepareNextChunk() {
		Optional<Batch> next = this.batches.lockNextToPrepare();
		if (next.isEmpty()) {
			return false;
		}
		Batch batch = next.get();
		if (batch.state() == BatchState.SELECTING) {
			select(batch);
		}
		else {
			createChunk(batch);
		}
		return true;
	}

	private void select(Batch batch) {
		ReportTypeDescriptor type = this.intake.describe(batch.type()).orElse(null);
		BatchSelector selector = (type != null) ? type.selector(batch.selector()) : null;
		if (selector == null) {
			this.batches.failed(batch.id(),
					"The report type " + batch.type() + " no longer offers the selector " + batch.selector() + ".");
			logger.warn("Batch {} failed: {} no longer offers the selector {}", batch.id(), batch.type(),
					batch.selector());
			return;
		}
		Map<String, String> range = new LinkedHashMap<>();
		if (selector.dateColumn() != null) {
			range.put("from", batch.parameters().get(selector.fromParameter()));
			range.put("to", batch.parameters().get(selector.toParameter()));
		}
		List<String> values = this.batches.select(selector.query(), range);
		int max = this.settings.maxReports();
		if (values.size() > max) {
			this.batches.failed(batch.id(), "The selector " + selector.name() + " found " + values.size()
					+ " reports, more than the " + max + " a batch may have.");
			logger.warn("Batch {} failed: its selector found {} reports, over {}", batch.id(), values.size(), max);
			return;
		}
		this.batches.selected(batch.id(), values.stream().map((value) -> Map.of(selector.parameter(), value)).toList());
		logger.info("Batch {}: selector {} found {} report(s)", batch.id(), selector.name(), values.size());
	}

	private void createChunk(Batch batch) {
		List<Map<String, String>> items = this.batches.items(batch.id(), batch.created(), this.settings.chunkSize());
		List<Batches.NewReport> reports = new ArrayList<>(items.size());
		int number = batch.created();
		for (Map<String, String> item : items) {
			number++;
			Map<String, String> parameters = new LinkedHashMap<>(batch.parameters());
			parameters.putAll(item);
			try {
				reports.add(new Batches.NewReport(UUID.randomUUID(), number,
						this.intake.validate(batch.type(), batch.format().name(), parameters), null));
			}
			catch (InvalidRequestException ex) {
				String reason = "Invalid parameters: "
						+ ex.getErrors().stream().map(Object::toString).collect(Collectors.joining("; "));
				reports.add(new Batches.NewReport(UUID.randomUUID(), number, parameters, reason));
			}
		}
		if (!reports.isEmpty()) {
			this.batches.insertReports(batch, reports);
			this.intake.accepted(reports.get(0).id());
			this.meters.counter("offload.batches.reports.created").increment(reports.size());
		}
		this.batches.created(batch.id(), number);
		if (batch.total() != null && number >= batch.total()) {
			logger.info("Batch {}: all {} report(s) created", batch.id(), number);
		}
	}

	private void completeFinished() {
		for (Batch batch : this.batches.completeFinished()) {
			logger.info("Batch {} completed: every one of its {} report(s) finished", batch.id(), batch.total());
			this.meters.counter("offload.batches.completed").increment();
			BatchView view = BatchView.of(batch, this.batches.countByStatus(batch.id()));
			// In the transaction that completed it: the event is recorded once, or not at
			// all.
			Map<String, Object> data = new LinkedHashMap<>();
			data.put("object", "batch");
			data.put("id", view.id().toString());
			data.put("type", view.type());
			data.put("format", view.format().name());
			data.put("state", view.state().name());
			data.put("total", view.total());
			Map<String, Long> counts = new LinkedHashMap<>();
			view.counts().forEach((status, count) -> counts.put(status.name(), count));
			data.put("counts", counts);
			data.put("completedAt", String.valueOf(view.completedAt()));
			data.put("links", Map.of("self", view.links().self(), "reports", view.links().reports()));
			this.webhooks.publish(batch.ownerId(), "batch.completed", batch.id().toString(), data);
		}
	}

}
