package dev.offload.api.batch;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.api.ApiProperties;
import dev.offload.api.error.InvalidField;
import dev.offload.api.error.InvalidRequestException;
import dev.offload.api.report.ReportIntake;
import dev.offload.model.BatchSelector;
import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Accepts batches and answers questions about a caller's batches. Accepting one is a
 * single insert: its reports are created afterwards, in chunks, by
 * {@link BatchPreparation}, so no request thread ever writes thousands of rows.
 */
@Service
class BatchService {

	private static final Logger logger = LoggerFactory.getLogger(BatchService.class);

	static final int MAX_PARAMETERS_PER_ITEM = 32;

	static final int MAX_VALUE_LENGTH = 256;

	private final Batches batches;

	private final ReportIntake intake;

	private final ApiProperties properties;

	BatchService(Batches batches, ReportIntake intake, ApiProperties properties) {
		this.batches = batches;
		this.intake = intake;
		this.properties = properties;
	}

	/**
	 * Accepts a batch, or returns the one the owner created with the same idempotency
	 * key. The shared parameters and the first item are checked against the catalogue
	 * now, exactly as a single report would be; every item is checked again when its
	 * report is created, and one whose parameters are refused becomes a FAILED report
	 * saying why.
	 */
	@Transactional
	Batch create(Owner owner, CreateBatchRequest request, String idempotencyKey) {
		if (idempotencyKey != null) {
			Batch existing = this.batches.findByIdempotencyKey(owner.userId(), idempotencyKey).orElse(null);
			if (existing != null) {
				return existing;
			}
		}
		Checked checked = check(request);
		int maxOpen = this.properties.batches().maxOpenPerUser();
		if (this.batches.countOpen(owner.userId()) >= maxOpen) {
			throw new TooManyBatchesException(maxOpen, this.properties.limits().retryAfter());
		}
		Batch batch = this.batches
			.insert(UUID.randomUUID(), owner, checked.type().name(), checked.format(), checked.parameters(),
					request.items(), (checked.selector() != null) ? checked.selector().name() : null, idempotencyKey)
			.orElseGet(() -> this.batches.findByIdempotencyKey(owner.userId(), idempotencyKey)
				.orElseThrow(() -> new IllegalStateException("Idempotency-Key conflict without a batch")));
		logger.info("Accepted batch {} of {} {} report(s) ({}) for {}", batch.id(),
				(batch.total() != null) ? batch.total() : "selected", batch.type(), batch.format(), owner.userId());
		return batch;
	}

	private Checked check(CreateBatchRequest request) {
		List<InvalidField> errors = new ArrayList<>();
		ReportTypeDescriptor type = (request.type() != null) ? this.intake.describe(request.type()).orElse(null) : null;
		ReportFormat format = null;
		try {
			format = (request.format() != null) ? ReportFormat.valueOf(request.format()) : null;
		}
		catch (IllegalArgumentException ex) {
			// The catalogue check below names the formats.
		}
		Map<String, String> shared = (request.parameters() != null) ? request.parameters() : Map.of();
		boolean hasItems = request.items() != null;
		boolean hasSelector = request.selector() != null;
		if (hasItems == hasSelector) {
			errors.add(new InvalidField("items", "give either items (one parameter set per report) or a selector"));
		}
		int maxReports = this.properties.batches().maxReports();
		if (hasItems && (request.items().isEmpty() || request.items().size() > maxReports)) {
			errors.add(new InvalidField("items", "must hold 1 to " + maxReports + " parameter sets"));
		}
		BatchSelector selector = null;
		if (hasSelector && type != null) {
			selector = type.selector(request.selector());
			if (selector == null) {
				errors.add(new InvalidField("selector",
						type.name() + " has " + (type.selectors().isEmpty() ? "no selectors"
								: "the selectors " + type.selectors().stream().map(BatchSelector::name).toList())));
			}
		}
		if (hasItems && type != null && errors.isEmpty()) {
			checkItems(type, shared, request.items(), errors);
		}
		// The shared parameters with the first item (or, for a selector, everything but
		// the parameter it fills): the checks a single report gets.
		Map<String, String> sample = new LinkedHashMap<>(shared);
		if (hasItems && errors.isEmpty()) {
			sample.putAll(request.items().get(0));
		}
		Map<String, String> canonical = new LinkedHashMap<>();
		try {
			canonical.putAll(this.intake.validate(request.type(), request.format(), sample));
		}
		catch (InvalidRequestException ex) {
			for (InvalidField error : ex.getErrors()) {
				boolean filledBySelector = selector != null
						&& error.field().equals("parameters." + selector.parameter());
				if (!filledBySelector) {
					errors.add(error);
				}
			}
		}
		if (selector != null && selector.dateColumn() != null) {
			for (String name : List.of(selector.fromParameter(), selector.toParameter())) {
				if (!shared.containsKey(name)) {
					errors.add(new InvalidField("parameters." + name, "the selector " + selector.name() + " needs it"));
				}
			}
		}
		if (!errors.isEmpty()) {
			throw new InvalidRequestException(errors);
		}
		Map<String, String> sharedCanonical = new LinkedHashMap<>();
		shared.keySet().forEach((name) -> sharedCanonical.put(name, canonical.getOrDefault(name, shared.get(name))));
		return new Checked(type, format, sharedCanonical, selector);
	}

	/**
	 * What can be checked of every item without reading data: known names, bounded
	 * values. The rest (dates, choices, references) is checked per report as it is
	 * created.
	 */
	private static void checkItems(ReportTypeDescriptor type, Map<String, String> shared,
			List<Map<String, String>> items, List<InvalidField> errors) {
		Set<String> known = new HashSet<>();
		type.parameters().stream().map(ReportParameter::name).forEach(known::add);
		for (int i = 0; i < items.size() && errors.size() < 20; i++) {
			Map<String, String> item = items.get(i);
			String field = "items[" + i + "]";
			if (item == null || item.size() > MAX_PARAMETERS_PER_ITEM) {
				errors.add(new InvalidField(field,
						"must be an object of at most " + MAX_PARAMETERS_PER_ITEM + " parameters of " + type.name()));
				continue;
			}
			item.forEach((name, value) -> {
				if (!known.contains(name)) {
					errors.add(new InvalidField(field + "." + name, "is not a parameter of " + type.name()));
				}
				else if (value == null || value.length() > MAX_VALUE_LENGTH) {
					errors.add(new InvalidField(field + "." + name,
							"must be a value of 1 to " + MAX_VALUE_LENGTH + " characters"));
				}
				else if (shared.containsKey(name)) {
					errors.add(new InvalidField(field + "." + name, "is already given for the whole batch"));
				}
			});
		}
	}

	@Transactional(readOnly = true)
	BatchView get(Owner owner, UUID id) {
		Batch batch = this.batches.find(id, owner.userId()).orElseThrow(() -> new BatchNotFoundException(id));
		return BatchView.of(batch, this.batches.countByStatus(id));
	}

	@Transactional(readOnly = true)
	List<BatchView> newest(Owner owner, int limit) {
		return this.batches.newest(owner.userId(), limit)
			.stream()
			.map((batch) -> BatchView.of(batch, this.batches.countByStatus(batch.id())))
			.toList();
	}

	@Transactional(readOnly = true)
	List<BatchReportView> reports(Owner owner, UUID id, int afterItem, int limit) {
		this.batches.find(id, owner.userId()).orElseThrow(() -> new BatchNotFoundException(id));
		return this.batches.reports(id, afterItem, limit);
	}

	/**
	 * Cancels a batch that has not finished, with every report of it not yet running.
	 */
	@Transactional
	BatchView cancel(Owner owner, UUID id) {
		Batch batch = this.batches.find(id, owner.userId()).orElseThrow(() -> new BatchNotFoundException(id));
		if (this.batches.cancel(id, owner.userId())) {
			logger.info("Cancelled batch {} for {}", id, owner.userId());
		}
		else {
			logger.info("Batch {} was {}; nothing to cancel", id, batch.state());
		}
		return get(owner, id);
	}

	private record Checked(ReportTypeDescriptor type, ReportFormat format, Map<String, String> parameters,
			BatchSelector selector) {

	}

}
