package dev.offload.api.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a webhook URL may be called: at registration, and again before every
 * delivery, since the name may resolve elsewhere by then (DNS rebinding).
 * <p>
 * A URL is refused unless it is absolute {@code https} (or {@code http} where the
 * operator allows it, {@code offload.api.webhooks.allow-http}), has a host and no user
 * info, and every address its host resolves to is a public one: loopback, any-local,
 * link-local (cloud metadata at 169.254.169.254), private (10/8, 172.16/12, 192.168/16,
 * fc00::/7, fec0::/10), carrier-grade NAT (100.64/10), multicast and reserved addresses,
 * and IPv6 forms that carry such an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64,
 * 6to4), are refused unless {@code offload.api.webhooks.allow-private-addresses} is set.
 * Without this check any user could make the API call services inside its own network.
 * <p>
 * The HTTP client resolves the name again when it connects; the JVM's address cache (30 s
 * by default) makes it see what this check saw in all but the rare case that the entry
 * expires in between.
 */
class EndpointGuard {

	static final int MAX_URL_LENGTH = 2000;

	private final boolean allowHttp;

	private final boolean allowPrivateAddresses;

	private final HostResolver resolver;

	EndpointGuard(boolean allowHttp, boolean allowPrivateAddresses, HostResolver resolver) {
		this.allowHttp = allowHttp;
		this.allowPrivateAddresses = allowPrivateAddresses;
		this.resolver = resolver;
	}

	EndpointGuard(WebhookProperties properties) {
		this(properties.allowHttp(), properties.allowPrivateAddresses(), InetAddress::getAllByName);
	}

	/**
	 * Everything that keeps the URL from being called, in words its owner understands.
	 * @param url the URL
	 * @return the problems; empty if it may be called
	 */
	List<String> problems(String url) {
		List<String> problems = new ArrayList<>();
		if (url == null || url.isBlank()) {
			problems.add("is required");
			return problems;
		}
		if (url.length() > MAX_URL_LENGTH) {
			problems.add("must be at most " + MAX_URL_LENGTH + " characters");
			return problems;
		}
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException ex) {
			problems.add("is not a valid URL");
			return problems;
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (!uri.isAbsolute() || !(scheme.equals("https") || scheme.equals("http"))) {
			problems.add("must be an absolute https URL");
			return problems;
		}
		if (scheme.equals("http") && !this.allowHttp) {
			problems.add("must use https (plain http is not allowed here)");
		}
		if (uri.getHost() == null || uri.getHost().isEmpty()) {
			problems.add("must name a host");
			return problems;
		}
		if (uri.getRawUserInfo() != null) {
			problems.add("must not hold a user name or password");
		}
		if (uri.getRawFragment() != null) {
			problems.add("must not have a fragment");
		}
		String addressProblem = addressProblem(uri.getHost());
		if (addressProblem != null) {
			problems.add(addressProblem);
		}
		return problems;
	}

	/**
	 * Resolves the host and checks every address it has.
	 * @param host the host as the URI gives it (an IPv6 literal in brackets)
	 * @return why it may not be called, or {@code null}
	 */
	private String addressProblem(String host) {
		String name = (host.startsWith("[") && host.endsWith("]")) ? host.substring(1, host.length() - 1) : host;
		InetAddress[] addresses;
		try {
			addresses = this.resolver.resolve(name);
		}
		catch (UnknownHostException ex) {
			return "host " + host + " could not be resolved";
		}
		if (this.allowPrivateAddresses) {
			return null;
		}
		for (InetAddress address : addresses) {
			String kind = nonPublicKind(address);
			if (kind != null) {
				return "host " + host + " resolves to a " + kind + " address (" + address.getHostAddress()
						+ "), which is not allowed";
			}
		}
		return null;
	}

	/**
	 * What kind of address that is not on the public internet this is.
	 * @param address an address
	 * @return the kind (loopback, private ...), or {@code null} for a public address
	 */
	static String nonPublicKind(InetAddress address) {
		if (address.isAnyLocalAddress()) {
			return "any-local";
		}
		if (address.isLoopbackAddress()) {
			return "loopback";
		}
		if (address.isLinkLocalAddress()) {
			return "link-local";
		}
		if (address.isSiteLocalAddress()) {
			return "private";
		}
		if (address.isMulticastAddress()) {
			return "multicast";
		}
		byte[] bytes = address.getAddress();
		if (address instanceof Inet4Address) {
			return nonPublicIpv4Kind(bytes);
		}
		if (address instanceof Inet6Address) {
			if ((bytes[0] & 0xFE) == 0xFC) {
				return "private (unique local)";
			}
			byte[] embedded = embeddedIpv4(bytes);
			if (embedded != null) {
				try {
					String kind = nonPublicKind(InetAddress.getByAddress(embedded));
					return (kind != null) ? kind + " (as IPv6)" : null;
				}
				catch (UnknownHostException ex) {
					throw new IllegalStateException(ex);
				}
			}
		}
		return null;
	}

	private static String nonPublicIpv4Kind(byte[] b) {
		int first = b[0] & 0xFF;
		int second = b[1] & 0xFF;
		if (first == 0) {
			return "this-network";
		}
		if (first == 100 && (second & 0xC0) == 64) {
			return "carrier-grade NAT";
		}
		if (first == 192 && second == 0 && (b[2] & 0xFF) == 0) {
			return "reserved";
		}
		if (first == 198 && (second & 0xFE) == 18) {
			return "reserved (benchmarking)";
		}
		if (first >= 240) {
			return "reserved";
		}
		return null;
	}

	/**
	 * The IPv4 address an IPv6 address carries: IPv4-mapped ({@code ::ffff:a.b.c.d}),
	 * IPv4-compatible ({@code ::a.b.c.d}), NAT64 ({@code 64:ff9b::a.b.c.d}) or 6to4
	 * ({@code 2002:aabb:ccdd::}).
	 */
	private static byte[] embeddedIpv4(byte[] b) {
		boolean zeroTo10 = Arrays.equals(b, 0, 10, new byte[10], 0, 10);
		if (zeroTo10 && (((b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF) || (b[10] == 0 && b[11] == 0))) {
			return Arrays.copyOfRange(b, 12, 16);
		}
		byte[] nat64 = { 0, 0x64, (byte) 0xFF, (byte) 0x9B, 0, 0, 0, 0, 0, 0, 0, 0 };
		if (Arrays.equals(b, 0, 12, nat64, 0, 12)) {
			return Arrays.copyOfRange(b, 12, 16);
		}
		if ((b[0] & 0xFF) == 0x20 && (b[1] & 0xFF) == 0x02) {
			return Arrays.copyOfRange(b, 2, 6);
		}
		return null;
	}

	/**
	 * Resolves a host name to all of its addresses (the JVM's resolver in production).
	 */
	@FunctionalInterface
	interface HostResolver {

		InetAddress[] resolve(String host) throws UnknownHostException;

	}

}
