package dev.offload.api.batch;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import dev.offload.api.report.ReportIntake;
import dev.offload.model.Owner;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The caller's batches: many reports of one type in one request ({@code 202}; the reports
 * are created and built in the background), their progress, their reports, and
 * cancellation.
 */
@RestController
@RequestMapping(BatchController.BASE_PATH)
@Validated
@Tag(name = "Batches", description = "Many reports of one type in one request")
class BatchController {

	static final String BASE_PATH = "/api/batches";

	static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

	private final BatchService batches;

	private final ReportIntake intake;

	BatchController(BatchService batches, ReportIntake intake) {
		this.batches = batches;
		this.intake = intake;
	}

	@Operation(summary = "Request a batch of reports (202; they are created and built in the background)",
			description = "Either items (one parameter set per report, merged over parameters) or a selector "
					+ "the report type offers (GET /api/report-types lists them).")
	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<BatchView> create(@RequestBody CreateBatchRequest request,
			@RequestHeader(name = IDEMPOTENCY_KEY_HEADER, required = false) String idempotencyKey, Owner owner) {
		String key = this.intake.validateIdempotencyKey(idempotencyKey);
		Batch batch = this.batches.create(owner, request, key);
		return ResponseEntity.accepted()
			.location(URI.create(BASE_PATH + "/" + batch.id()))
			.body(this.batches.get(owner, batch.id()));
	}

	@Operation(summary = "The caller's newest batches, with their progress")
	@GetMapping
	List<BatchView> list(@RequestParam(defaultValue = "20") @Min(1) @Max(100) int limit, Owner owner) {
		return this.batches.newest(owner, limit);
	}

	@Operation(summary = "A batch's state and progress: its reports counted per status")
	@GetMapping("/{id}")
	BatchView get(@PathVariable UUID id, Owner owner) {
		return this.batches.get(owner, id);
	}

	@Operation(summary = "A page of a batch's reports, in item order",
			description = "Pass the item of the last report of a page as after for the next page.")
	@GetMapping("/{id}/reports")
	List<BatchReportView> reports(@PathVariable UUID id, @RequestParam(defaultValue = "0") @Min(0) int after,
			@RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit, Owner owner) {
		return this.batches.reports(owner, id, after, limit);
	}

	@Operation(summary = "Cancel a batch: its reports not yet running are cancelled")
	@DeleteMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
	BatchView cancel(@PathVariable UUID id, Owner owner) {
		return this.batches.cancel(owner, id);
	}

}
