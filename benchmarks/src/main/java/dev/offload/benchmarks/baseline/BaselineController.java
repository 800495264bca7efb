package dev.offload.benchmarks.baseline;

import java.util.Map;
import java.util.UUID;

import dev.offload.model.ReportFormat;
import dev.offload.worker.catalogue.salessummary.SynchronousReports;

import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /sync/reports} builds a sales summary before it answers; {@code GET
 * /api/reports/{id}} is the same cheap read of one report row as api-service's.
 */
@RestController
class BaselineController {

	private final SynchronousReports reports;

	private final JdbcClient jdbc;

	BaselineController(SynchronousReports reports, JdbcClient jdbc) {
		this.reports = reports;
		this.jdbc = jdbc;
	}

	@PostMapping("/sync/reports")
	Map<String, Object> build(@RequestBody Map<String, Object> request) {
		@SuppressWarnings("unchecked")
		Map<String, String> parameters = (Map<String, String>) request.get("parameters");
		long size = this.reports.salesSummary(parameters.get("from"), parameters.get("to"),
				ReportFormat.valueOf((String) request.get("format")));
		return Map.of("status", "SUCCEEDED", "fileSize", size);
	}

	@GetMapping("/api/reports/{id}")
	ResponseEntity<Map<String, Object>> report(@PathVariable UUID id) {
		return this.jdbc.sql("""
				SELECT id, owner_id, type, format, parameters::text AS parameters, status, progress, attempts, error,
				       idempotency_key, created_at, started_at, finished_at, file_size
				  FROM reports WHERE id = :id""")
			.param("id", id)
			.query()
			.listOfRows()
			.stream()
			.findFirst()
			.map(ResponseEntity::ok)
			.orElseGet(() -> ResponseEntity.notFound().build());
	}

}
