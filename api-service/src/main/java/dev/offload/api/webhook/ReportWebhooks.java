package dev.offload.api.webhook;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.offload.api.report.ReportLinks;
import dev.offload.model.ReportEvent;

import org.springframework.stereotype.Component;

/**
 * Turns a report's outcome into a webhook event: {@code report.succeeded} or
 * {@code report.failed}, keyed by the report and its outcome, so the same outcome
 * announced again (a redelivered message, reconciliation) records nothing new.
 */
@Component
class ReportWebhooks {

	private final WebhookEvents webhookEvents;

	private final String linkBaseUrl;

	ReportWebhooks(WebhookEvents webhookEvents, WebhookProperties properties) {
		this.webhookEvents = webhookEvents;
		String base = properties.linkBaseUrl();
		this.linkBaseUrl = (base.endsWith("/")) ? base.substring(0, base.length() - 1) : base;
	}

	/**
	 * Records the event of a finished report, if it is one webhooks tell about.
	 * @param event the report event
	 */
	void finished(ReportEvent event) {
		WebhookEventType type = switch (event.type()) {
			case SUCCEEDED -> WebhookEventType.REPORT_SUCCEEDED;
			case FAILED -> WebhookEventType.REPORT_FAILED;
			default -> null;
		};
		if (type == null) {
			return;
		}
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
