package dev.offload.api.security;

import dev.offload.model.Owner;

/**
 * An authenticated principal that knows which {@link Owner} it is. Every way of signing
 * in (HTTP Basic or an API key against the configured users, a JWT) provides a principal
 * of this kind, and the rest of the API depends on nothing else.
 */
public interface OwnerPrincipal {

	/**
	 * The owner of the reports this principal creates and may see.
	 * @return the owner
	 */
	Owner owner();

}
