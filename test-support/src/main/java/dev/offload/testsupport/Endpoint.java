package dev.offload.testsupport;

/**
 * Where a service for the tests listens, and how to sign in.
 *
 * @param host the host name
 * @param port the port
 * @param username the user name
 * @param password the password (may be empty)
 * @param choice where the service came from
 */
public record Endpoint(String host, int port, String username, String password, InfrastructureChoice choice) {

}
