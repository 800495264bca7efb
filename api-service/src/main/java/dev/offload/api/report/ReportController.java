package dev.offload.api.report;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import dev.offload.model.Owner;
import dev.offload.model.ReportStatus;

import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
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
 * The caller's reports: request one ({@code 202 Accepted}; it is built in the
 * background), follow its status, list them, download the file. The {@link Owner} is
 * always the authenticated caller, never something the request says.
 */
@RestController
@RequestMapping(ReportController.BASE_PATH)
class ReportController {

	static final String BASE_PATH = "/api/reports";

	static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

	static final int MAX_PAGE_SIZE = 100;

	private final ReportRequestValidator validator;

	private final ReportService reportService;

	ReportController(ReportRequestValidator validator, ReportService reportService) {
		this.validator = validator;
		this.reportService = reportService;
	}

	/**
	 * Accepts a report request. A replay with the same {@code Idempotency-Key} answers
	 * the same way and creates nothing.
	 * @param request the request body
	 * @param idempotencyKey an optional key that makes retries of this request safe
	 * @param owner the caller
	 * @return 202 with the report's location and the report
	 */
	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<ReportView> create(@RequestBody CreateReportRequest request,
			@RequestHeader(name = IDEMPOTENCY_KEY_HEADER, required = false) String idempotencyKey, Owner owner) {
		ReportSpecification specification = this.validator.validate(request);
		String key = this.validator.validateIdempotencyKey(idempotencyKey);
		Report report = this.reportService.create(owner, specification, key);
		return ResponseEntity.accepted().location(location(report.id())).body(ReportView.of(report));
	}

	@GetMapping("/{id}")
	ReportView get(@PathVariable UUID id, Owner owner) {
		return ReportView.of(this.reportService.get(owner, id));
	}

	@GetMapping
	ReportPage list(@RequestParam(required = false) ReportStatus status,
			@RequestParam(defaultValue = "0") @Min(0) int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(MAX_PAGE_SIZE) int size, Owner owner) {
		return this.reportService.list(owner, status, page, size);
	}

	/**
	 * Cancels a report that has not finished.
	 * @param id the report's id
	 * @param owner the caller
	 * @return the cancelled report
	 */
	@DeleteMapping("/{id}")
	ReportView cancel(@PathVariable UUID id, Owner owner) {
		return ReportView.of(this.reportService.cancel(owner, id));
	}

	@GetMapping("/{id}/file")
	ResponseEntity<byte[]> file(@PathVariable UUID id, Owner owner) {
		ReportFile file = this.reportService.file(owner, id);
		ContentDisposition disposition = ContentDisposition.attachment()
			.filename(file.fileName(), StandardCharsets.UTF_8)
			.build();
		return ResponseEntity.ok()
			.contentType(MediaType.parseMediaType(file.contentType()))
			.contentLength(file.content().length)
			.header(HttpHeaders.CONTENT_DISPOSITION, disposition.toString())
			.body(file.content());
	}

	/**
	 * Where a report is found; relative, so it stays right behind a proxy.
	 * @param id the report's id
	 * @return the report's path
	 */
	static URI location(UUID id) {
		return URI.create(BASE_PATH + "/" + id);
	}

}
