package dev.offload.api.report;

import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirements;
import io.swagger.v3.oas.annotations.tags.Tag;

import dev.offload.api.ApiProperties;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalogue of report types, their parameters and formats, as the workers offer it
 * ({@link ReportCatalogue}); public, so a client can build its form before the user signs
 * in.
 */
@RestController
@Tag(name = "Report types", description = "What can be requested")
class ReportTypeController {

	private final ReportCatalogue catalogue;

	private final boolean showHidden;

	ReportTypeController(ReportCatalogue catalogue, ApiProperties properties) {
		this.catalogue = catalogue;
		this.showHidden = properties.catalogue().showHidden();
	}

	@Operation(summary = "The catalogue of report types, their parameters and formats")
	// Public: no credentials needed.
	@SecurityRequirements
	@GetMapping("/api/report-types")
	List<ReportTypeView> reportTypes() {
		return this.catalogue.offered()
			.values()
			.stream()
			.filter((type) -> this.showHidden || !type.hidden())
			.map(ReportTypeView::of)
			.toList();
	}

}
