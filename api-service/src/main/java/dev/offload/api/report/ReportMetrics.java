package dev.offload.api.report;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * {@code offload.reports.requested}: accepted report requests by type (a replayed
 * Idempotency-Key is not counted again). A type's counter is created the first time the
 * catalogue offers it, so a dashboard shows 0 rather than nothing.
 */
@Component
class ReportMetrics {

	private final MeterRegistry meters;

	private final Map<String, Counter> requested = new ConcurrentHashMap<>();

	ReportMetrics(MeterRegistry meters) {
		this.meters = meters;
	}

	void offered(String type) {
		counter(type);
	}

	void requested(String type) {
		counter(type).increment();
	}

	private Counter counter(String type) {
		return this.requested.computeIfAbsent(type,
				(name) -> Counter.builder("offload.reports.requested")
					.description("Report requests accepted (202)")
					.tag("type", name)
					.register(this.meters));
	}

	/**
	 * {@code offload.files.integrity.failures}: a download found its stored file missing
	 * or different from what was recorded.
	 * @param reason {@code missing}, {@code size-differs} or {@code other-store}
	 */
	void damagedFile(String reason) {
		this.meters.counter("offload.files.integrity.failures", "reason", reason).increment();
	}

}
