package dev.offload.worker.catalogue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.offload.model.ReportFormat;
import dev.offload.worker.render.DocumentWriters;

import org.springframework.stereotype.Component;

/**
 * The report types this worker offers: every {@link ReportDefinition} bean, by name.
 * Start-up fails on two definitions of one name, or on a definition offering a format no
 * writer renders.
 */
@Component
public class Catalogue {

	private final Map<String, ReportDefinition> definitions = new TreeMap<>();

	Catalogue(List<ReportDefinition> definitions, DocumentWriters writers) {
		for (ReportDefinition definition : definitions) {
			String name = definition.descriptor().name();
			ReportDefinition previous = this.definitions.put(name, definition);
			if (previous != null) {
				throw new IllegalStateException("Two report types are named " + name + ": "
						+ previous.getClass().getName() + " and " + definition.getClass().getName());
			}
			for (ReportFormat format : definition.descriptor().formats()) {
				if (!writers.formats().contains(format)) {
					throw new IllegalStateException(name + " offers " + format + ", which no writer renders");
				}
			}
		}
	}

	/**
	 * The definition of a report type.
	 * @param type the type's name
	 * @return the definition, or empty if this worker does not offer the type
	 */
	public Optional<ReportDefinition> find(String type) {
		return Optional.ofNullable(this.definitions.get(type));
	}

	/**
	 * Every type this worker offers.
	 * @return the definitions, by name
	 */
	public Collection<ReportDefinition> definitions() {
		return this.definitions.values();
	}

}
