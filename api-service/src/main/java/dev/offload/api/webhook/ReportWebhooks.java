package dev.offload.api.webhook;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.offload.api.report.ReportLinks;
import dev.offload.model.ReportEvent;
import org.slf4j.MDC;

import org.springframework.stereotype.Component;

/**
 * Turns a report's outcome into a webhook event: {@code report.succeeded} or
 * {@code report.failed}, keyed by the report and its outcome, so the same outcome
 * announced again (a redelivered message, reconciliation) records nothing new.
 */
@Component
class ReportWebhooks {

	private final WebhookEvents webhookEvents;

	private final WebhookOutbox outbox;

	private final String linkBaseUrl;

	ReportWebhooks(WebhookEvents webhookEvents, WebhookOutbox outbox, WebhookProperties properties) {
		this.webhookEvents = webhookEvents;
		this.outbox = outbox;
		String base = properties.linkBaseUrl();
		this.linkBaseUrl = (base.endsWith("/")) ? base.substring(0, base.length() - 1) : base;
	}

	/**
	 * Records the events of finished reports that webhooks tell about and that an
	 * endpoint of their owner subscribes to: one query finds those, and each of them is
	 * recorded in a transaction of its own. The others (another type, or an owner without
	 * such an endpoint when the query ran) record nothing, as they would have alone: an
	 * endpoint created meanwhile hears of the owner's next events, one deleted meanwhile
	 * gets no delivery (recording checks it again). The worker does not send here the
	 * outcomes of reports whose owner had no endpoint when it claimed them
	 * ({@code Topology#eventRoutingKeyMailedWithoutWebhook}), so an endpoint hears at
	 * least the outcomes of reports claimed after it was created.
	 * @param events the report events
	 */
	void finished(List<ReportEvent> events) {
		Map<ReportEvent, WebhookEventType> told = new LinkedHashMap<>();
		for (ReportEvent event : events) {
			WebhookEventType type = switch (event.type()) {
				case SUCCEEDED -> WebhookEventType.REPORT_SUCCEEDED;
				case FAILED -> WebhookEventType.REPORT_FAILED;
				default -> null;
			};
			if (type != null) {
				told.put(event, type);
			}
		}
		if (told.isEmpty()) {
			return;
		}
		Set<String> subscriptions = this.outbox
			.subscriptions(told.keySet().stream().map((event) -> event.owner().userId()).distinct().toList());
		told.forEach((event, type) -> {
			if (subscriptions.contains(event.owner().userId() + "\n" + type.type())) {
				try (MDC.MDCCloseable mdc = MDC.putCloseable("reportId", event.reportId().toString())) {
					record(event, type);
				}
			}
		});
	}

	private void record(ReportEvent event, WebhookEventType type) {
		Map<String, Object> links = new LinkedHashMap<>();
		links.put("self", this.linkBaseUrl + ReportLinks.self(event.reportId()));
		if (event.type() == ReportEvent.Type.SUCCEEDED) {
			links.put("file", this.linkBaseUrl + ReportLinks.file(event.reportId()));
		}
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("object", "report");
		data.put("id", event.reportId().toString());
		data.put("type", event.reportType());
		data.put("format", (event.format() != null) ? event.format().name() : null);
		data.put("status", event.type().name());
		data.put("fileSize", event.fileSize());
		data.put("error", event.error());
		data.put("finishedAt", event.occurredAt().toString());
		data.put("links", links);
		this.webhookEvents.record(event.owner().userId(), type, event.reportId() + ":" + event.type(),
				event.occurredAt(), data);
	}

}
