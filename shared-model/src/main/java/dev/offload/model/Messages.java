package dev.offload.model;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.support.converter.JacksonJsonMessageConverter;
import org.springframework.amqp.support.converter.MessageConversionException;
import org.springframework.amqp.support.converter.MessageConverter;

/**
 * How Offload's messages look on the wire: JSON with
 * {@code content_type=application/json}, a schema-version header, a stable
 * {@code message_id} and persistent delivery.
 * <p>
 * {@link #converter()} is the one message converter both services use. It rejects a
 * message without JSON content or with an unknown schema version by throwing
 * {@link MessageConversionException}, which Spring AMQP treats as fatal: the message is
 * dead-lettered instead of redelivered in a loop.
 */
public final class Messages {

	/** The header carrying the schema version of the message body. */
	public static final String SCHEMA_VERSION_HEADER = "x-schema-version";

	/** The schema version this build writes and reads. */
	public static final int SCHEMA_VERSION = 1;

	private static final JsonMapper JSON = JsonMapper.builder()
		// Newer producers may add fields; the schema version says when that is not safe.
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
		.build();

	private Messages() {
	}

	/**
	 * The JSON mapper for message bodies.
	 * @return the mapper
	 */
	public static JsonMapper json() {
		return JSON;
	}

	/**
	 * A new message converter that writes and checks Offload's message conventions.
	 * @return the converter
	 */
	public static MessageConverter converter() {
		return new VersionedConverter();
	}

	/**
	 * Reads a message's body as the given type. With {@link #converter()}, the type
	 * decides what the body is read as, never a class name sent by whoever published the
	 * message.
	 * @param <T> the type
	 * @param message the message
	 * @param converter the converter ({@link #converter()})
	 * @param type what the body must be
	 * @return the body
	 * @throws MessageConversionException if the body cannot be read, or is not a
	 * {@code type} (a converter may throw other runtime exceptions too, such as for a
	 * content type that is no MIME type)
	 */
	public static <T> T read(Message message, MessageConverter converter, Class<T> type) {
		message.getMessageProperties().setInferredArgumentType(type);
		Object body = converter.fromMessage(message);
		if (!type.isInstance(body)) {
			throw new MessageConversionException("Not a " + type.getSimpleName() + ": "
					+ ((body != null) ? body.getClass().getSimpleName() : "null"));
		}
		return type.cast(body);
	}

	/**
	 * Reads the schema version of a message.
	 * @param properties the message's properties
	 * @return the version, or {@code null} if the header is absent or not a number
	 */
	public static Integer schemaVersion(MessageProperties properties) {
		Object version = properties.getHeaders().get(SCHEMA_VERSION_HEADER);
		if (version instanceof Number number) {
			return number.intValue();
		}
		if (version != null) {
			try {
				return Integer.valueOf(version.toString());
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}
		return null;
	}

	private static final class VersionedConverter implements MessageConverter {

		private final JacksonJsonMessageConverter delegate;

		VersionedConverter() {
			this.delegate = new JacksonJsonMessageConverter(JSON, "dev.offload.model");
			// The listener's parameter type decides what a body is read as, never a class
			// name sent by whoever published the message.
			this.delegate.setAlwaysConvertToInferredType(true);
		}

		@Override
		public Message toMessage(Object object, MessageProperties properties) {
			properties.setHeader(SCHEMA_VERSION_HEADER, SCHEMA_VERSION);
			properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
			if (properties.getMessageId() == null) {
				properties.setMessageId(messageId(object));
			}
			return this.delegate.toMessage(object, properties);
		}

		@Override
		public Object fromMessage(Message message) {
			MessageProperties properties = message.getMessageProperties();
			String contentType = properties.getContentType();
			if (contentType == null || !contentType.contains("json")) {
				throw new MessageConversionException(
						"Expected content type application/json, got " + contentType + "; not reading the body");
			}
			Integer version = schemaVersion(properties);
			if (version == null || version != SCHEMA_VERSION) {
				throw new MessageConversionException("Unsupported schema version " + version + " (header "
						+ SCHEMA_VERSION_HEADER + "); this build reads version " + SCHEMA_VERSION);
			}
			return this.delegate.fromMessage(message);
		}

		private static String messageId(Object object) {
			if (object instanceof ReportTask task) {
				return task.reportId().toString();
			}
			if (object instanceof ReportEvent event) {
				return event.messageId();
			}
			return null;
		}

	}

}
