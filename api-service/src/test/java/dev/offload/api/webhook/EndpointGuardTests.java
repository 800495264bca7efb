package dev.offload.api.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The address rules on literal addresses (no lookups), and a name that resolves elsewhere
 * between registration and delivery.
 */
class EndpointGuardTests {

	@ParameterizedTest
	@ValueSource(strings = { "127.0.0.1", "127.5.6.7", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255",
			"192.168.0.1", "169.254.169.254", "100.64.0.1", "100.127.255.254", "224.0.0.251", "255.255.255.255", "::",
			"::1", "fe80::1", "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
			"::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:a00:1::", "::10.0.0.1" })
	void nonPublicAddressesAreRecognised(String address) throws UnknownHostException {
		assertThat(EndpointGuard.nonPublicKind(InetAddress.getByName(address))).as(address).isNotNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "203.0.113.10", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:db8::1", "2606:4700::1111",
			"::ffff:8.8.8.8", "64:ff9b::808:808" })
	void publicAddressesAreAllowed(String address) throws UnknownHostException {
		assertThat(EndpointGuard.nonPublicKind(InetAddress.getByName(address))).as(address).isNull();
	}

	@Test
	void anIpv4MappedAddressGivenAsIpv6BytesIsRecognised() throws UnknownHostException {
		byte[] mapped = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 127, 0, 0, 1 };
		assertThat(EndpointGuard.nonPublicKind(java.net.Inet6Address.getByAddress(null, mapped, null)))
			.isEqualTo("loopback (as IPv6)");
	}

	@Test
	void aNameThatResolvesToAPrivateAddressLaterIsRefusedThen() throws UnknownHostException {
		AtomicReference<InetAddress[]> answer = new AtomicReference<>(
				new InetAddress[] { InetAddress.getByName("203.0.113.10") });
		EndpointGuard guard = new EndpointGuard(false, false, (host) -> answer.get());
		assertThat(guard.problems("https://hooks.example.test/in")).isEmpty();

		answer.set(new InetAddress[] { InetAddress.getByName("203.0.113.10"), InetAddress.getByName("10.0.0.7") });

		assertThat(guard.problems("https://hooks.example.test/in")).singleElement()
			.asString()
			.contains("private")
			.contains("10.0.0.7");
	}

	@Test
	void privateAddressesAndHttpAreAllowedWhereTheOperatorSaysSo() throws UnknownHostException {
		InetAddress loopback = InetAddress.getByName("127.0.0.1");
		EndpointGuard guard = new EndpointGuard(true, true, (host) -> new InetAddress[] { loopback });
		assertThat(guard.problems("http://localhost:8080/hooks")).isEmpty();
	}

	@Test
	void anUnresolvableHostIsRefused() {
		EndpointGuard guard = new EndpointGuard(false, false, (host) -> {
			throw new UnknownHostException(host);
		});
		assertThat(guard.problems("https://nowhere.example.test/")).singleElement()
			.asString()
			.contains("could not be resolved");
	}

}
