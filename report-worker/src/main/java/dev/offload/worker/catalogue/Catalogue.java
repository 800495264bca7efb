package dev.offload.worker.catalogue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

/**
 * The report types this worker offers: every {@link ReportDefinition} bean, by name.
 */
@Component
public class Catalogue {

	private final Map<String, ReportDefinition> definitions;

	Catalogue(List<ReportDefinition> definitions) {
		this.definitions = definitions.stream()
			.collect(Collectors.toUnmodifiableMap((definition) -> definition.descriptor().name(), Function.identity()));
	}

	public Optional<ReportDefinition> find(String type) {
		return Optional.ofNullable(this.definitions.get(type));
	}

	public Collection<ReportDefinition> definitions() {
		return this.definitions.values();
	}

}
