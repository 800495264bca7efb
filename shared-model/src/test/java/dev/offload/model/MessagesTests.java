package dev.offload.model;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.support.converter.MessageConversionException;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.amqp.support.converter.SimpleMessageConverter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class MessagesTests {

	private static final Owner OWNER = new Owner("alice", "alice@example.com");

	private final MessageConverter converter = Messages.converter();

	@Test
	void taskSurvivesARoundTripWithItsConventions() {
		ReportTask task = new ReportTask(UUID.randomUUID(), "SALES_SUMMARY",
				Map.of("from", "2024-01-01", "to", "2024-12-31"), OWNER, Instant.parse("2025-03-01T10:15:30.123Z"),
				ReportFormat.PDF);

		Message message = this.converter.toMessage(task, new MessageProperties());

		MessageProperties properties = message.getMessageProperties();
		assertThat(properties.getContentType()).isEqualTo("application/json");
		assertThat(properties.getDeliveryMode()).isEqualTo(MessageDeliveryMode.PERSISTENT);
		assertThat(properties.getMessageId()).isEqualTo(task.reportId().toString());
		assertThat(Messages.schemaVersion(properties)).isEqualTo(Messages.SCHEMA_VERSION);
		assertThat(read(message, ReportTask.class)).isEqualTo(task);
	}

	@Test
	void eventSurvivesARoundTripAndHasAStableMessageId() {
		ReportEvent event = new ReportEvent(UUID.randomUUID(), ReportEvent.Type.SUCCEEDED, 100,
				Instant.parse("2025-03-01T10:16:00Z"), OWNER, "SALES_SUMMARY", ReportFormat.CSV, 2048L, null);

		Message first = this.converter.toMessage(event, new MessageProperties());
		Message again = this.converter.toMessage(event, new MessageProperties());

		assertThat(first.getMessageProperties().getMessageId()).isEqualTo(event.reportId() + ":SUCCEEDED")
			.isEqualTo(again.getMessageProperties().getMessageId());
		assertThat(read(first, ReportEvent.class)).isEqualTo(event);
	}

	@Test
	void progressEventsOfDifferentPercentagesHaveDifferentIds() {
		UUID id = UUID.randomUUID();
		ReportEvent at10 = new ReportEvent(id, ReportEvent.Type.PROGRESS, 10, Instant.now(), OWNER, "SALES_SUMMARY",
				ReportFormat.CSV, null, null);
		ReportEvent at20 = new ReportEvent(id, ReportEvent.Type.PROGRESS, 20, Instant.now(), OWNER, "SALES_SUMMARY",
				ReportFormat.CSV, null, null);
		assertThat(at10.messageId()).isNotEqualTo(at20.messageId());
	}

	@Test
	void unknownSchemaVersionIsRejected() {
		Message message = json("{}", 2);
		assertThatExceptionOfType(MessageConversionException.class)
			.isThrownBy(() -> this.converter.fromMessage(message))
			.withMessageContaining("Unsupported schema version 2");
	}

	@Test
	void missingSchemaVersionIsRejected() {
		Message message = json("{}", null);
		assertThatExceptionOfType(MessageConversionException.class)
			.isThrownBy(() -> this.converter.fromMessage(message))
			.withMessageContaining("Unsupported schema version null");
	}

	@Test
	void bodyThatIsNotJsonIsRejected() {
		MessageProperties properties = new MessageProperties();
		properties.setContentType("application/x-java-serialized-object");
		properties.setHeader(Messages.SCHEMA_VERSION_HEADER, 1);
		Message message = new Message(new byte[] { (byte) 0xac, (byte) 0xed }, properties);
		assertThatExceptionOfType(MessageConversionException.class)
			.isThrownBy(() -> this.converter.fromMessage(message))
			.withMessageContaining("application/json");
	}

	@Test
	void malformedJsonIsRejected() {
		Message message = json("{\"reportId\": ", 1);
		message.getMessageProperties().setInferredArgumentType(ReportTask.class);
		assertThatExceptionOfType(MessageConversionException.class)
			.isThrownBy(() -> this.converter.fromMessage(message));
	}

	@Test
	void taskWithoutRequiredFieldIsRejected() {
		Message message = json("{\"type\":\"SALES_SUMMARY\",\"format\":\"CSV\"}", 1);
		message.getMessageProperties().setInferredArgumentType(ReportTask.class);
		assertThatExceptionOfType(MessageConversionException.class)
			.isThrownBy(() -> this.converter.fromMessage(message));
	}

	@Test
	void taskWithBlankReportTypeIsRejected() {
		String body = """
				{"reportId":"%s","type":"  ","parameters":{},
				 "owner":{"userId":"alice","email":"alice@example.com"},
				 "requestedAt":"2025-01-01T00:00:00Z","format":"CSV"}""".formatted(UUID.randomUUID());
		Message message = json(body, 1);
		message.getMessageProperties().setInferredArgumentType(ReportTask.class);
		assertThatExceptionOfType(MessageConversionException.class)
			.isThrownBy(() -> this.converter.fromMessage(message));
	}

	@Test
	void readRefusesABodyOfAnotherType() {
		MessageProperties properties = new MessageProperties();
		properties.setContentType(MessageProperties.CONTENT_TYPE_TEXT_PLAIN);
		Message message = new Message("a report".getBytes(StandardCharsets.UTF_8), properties);
		assertThatExceptionOfType(MessageConversionException.class)
			.isThrownBy(() -> Messages.read(message, new SimpleMessageConverter(), ReportTask.class))
			.withMessage("Not a ReportTask: String");
	}

	private <T> T read(Message message, Class<T> type) {
		return Messages.read(message, this.converter, type);
	}

	private static Message json(String body, Integer version) {
		MessageProperties properties = new MessageProperties();
		properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
		if (version != null) {
			properties.setHeader(Messages.SCHEMA_VERSION_HEADER, version);
		}
		return new Message(body.getBytes(StandardCharsets.UTF_8), properties);
	}

}
