package dev.offload.api.webhook;

import java.util.List;

/**
 * A request to register a webhook endpoint.
 *
 * @param url where events are posted: {@code https}, on a public address
 * @param events the event types to receive ({@code report.succeeded},
 * {@code report.failed}, {@code batch.completed}); at least one
 * @param description a note for the owner, optional
 */
record CreateWebhookRequest(String url, List<String> events, String description) {

}
