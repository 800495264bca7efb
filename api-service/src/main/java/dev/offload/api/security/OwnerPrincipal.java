package dev.offload.api.security;

import dev.offload.model.Owner;

/**
 * An authenticated principal that knows which {@link Owner} it is. Any way of signing in
 * (HTTP Basic against local users today, a JWT later) provides a principal of this kind,
 * and the rest of the API depends on nothing else.
 */
public interface OwnerPrincipal {

	/**
	 * The owner of the reports this principal creates and may see.
	 * @return the owner
	 */
	Owner owner();

}
