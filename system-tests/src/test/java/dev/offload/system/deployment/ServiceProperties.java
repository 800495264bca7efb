package dev.offload.system.deployment;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import dev.offload.model.Messages;
import tools.jackson.databind.JsonNode;

/**
 * The configuration properties a service reads, from the Spring Boot configuration
 * metadata in its executable jar (its own and that of every library in it), so a test can
 * tell whether an environment variable set for it in a deployment file means anything to
 * it.
 */
final class ServiceProperties {

	private static final String METADATA = "META-INF/spring-configuration-metadata.json";

	private static final String ADDITIONAL_METADATA = "META-INF/additional-spring-configuration-metadata.json";

	private final Set<String> properties = new HashSet<>();

	private final Set<String> mapPrefixes = new HashSet<>();

	private final Set<String> listPrefixes = new HashSet<>();

	private ServiceProperties() {
	}

	static ServiceProperties of(Path executableJar) {
		ServiceProperties result = new ServiceProperties();
		try (ZipFile jar = new ZipFile(executableJar.toFile())) {
			Enumeration<? extends ZipEntry> entries = jar.entries();
			while (entries.hasMoreElements()) {
				ZipEntry entry = entries.nextElement();
				if (isMetadata(entry.getName())) {
					try (InputStream in = jar.getInputStream(entry)) {
						result.read(in.readAllBytes());
					}
				}
				else if (entry.getName().startsWith("BOOT-INF/lib/") && entry.getName().endsWith(".jar")) {
					try (ZipInputStream nested = new ZipInputStream(jar.getInputStream(entry))) {
						ZipEntry inner;
						while ((inner = nested.getNextEntry()) != null) {
							if (isMetadata(inner.getName())) {
								result.read(nested.readAllBytes());
							}
						}
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read " + executableJar, ex);
		}
		return result;
	}

	/**
	 * Whether the service binds an environment variable: relaxed binding maps a property
	 * such as {@code offload.worker.email.download-base-url} to
	 * {@code OFFLOAD_WORKER_EMAIL_DOWNLOADBASEURL} or
	 * {@code OFFLOAD_WORKER_EMAIL_DOWNLOAD_BASE_URL}.
	 */
	boolean binds(String environmentVariable) {
		String wanted = normalise(environmentVariable);
		for (String property : this.properties) {
			if (normalise(property).equals(wanted)) {
				return true;
			}
		}
		for (String prefix : this.mapPrefixes) {
			if (wanted.startsWith(normalise(prefix))) {
				return true;
			}
		}
		// A list binds indexed variables: offload.api.security.users from
		// OFFLOAD_API_SECURITY_USERS_0_USERNAME.
		for (String prefix : this.listPrefixes) {
			if (wanted.matches(Pattern.quote(normalise(prefix)) + "[0-9]+[A-Z0-9]*")) {
				return true;
			}
		}
		return false;
	}

	int size() {
		return this.properties.size();
	}

	private void read(byte[] json) {
		JsonNode metadata = Messages.json().readTree(new ByteArrayInputStream(json));
		JsonNode properties = metadata.get("properties");
		if (properties == null) {
			return;
		}
		for (JsonNode property : properties) {
			String name = property.get("name").asString();
			this.properties.add(name);
			JsonNode type = property.get("type");
			if (type != null && type.asString().startsWith("java.util.Map")) {
				this.mapPrefixes.add(name);
			}
			if (type != null && type.asString().startsWith("java.util.List")) {
				this.listPrefixes.add(name);
			}
		}
	}

	private static boolean isMetadata(String name) {
		return name.endsWith(METADATA) || name.endsWith(ADDITIONAL_METADATA);
	}

	/** Upper case without separators: both spellings of a name compare equal. */
	private static String normalise(String name) {
		return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "");
	}

}
