package dev.offload.api.error;

/**
 * One thing wrong with a request, as listed in the {@code errors} property of a 400
 * problem detail.
 *
 * @param field where the problem is, as the client named it: a JSON path into the body
 * ({@code parameters.from}), a query parameter ({@code size}) or a header
 * ({@code Idempotency-Key})
 * @param message what to fix
 */
public record InvalidField(String field, String message) {

	@Override
	public String toString() {
		return this.field + ": " + this.message;
	}

}
