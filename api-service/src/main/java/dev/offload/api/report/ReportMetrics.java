package dev.offload.api.report;

import java.util.EnumMap;
import java.util.Map;

import dev.offload.model.ReportType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * {@code offload.reports.requested}: accepted report requests by type (a replayed
 * Idempotency-Key is not counted again). Every type's counter exists from the start, so a
 * dashboard shows 0 rather than nothing.
 */
@Component
class ReportMetrics {

	private final Map<ReportType, Counter> requested = new EnumMap<>(ReportType.class);

	ReportMetrics(MeterRegistry meters) {
		for (ReportType type : ReportType.values()) {
			this.requested.put(type,
					Counter.builder("offload.reports.requested")
						.description("Report requests accepted (202)")
						.tag("type", type.name())
						.register(meters));
		}
	}

	void requested(ReportType type) {
		this.requested.get(type).increment();
	}

}
